"""Word lists and shapes for the demo library: invented names that read like real ones.

Pure data, no logic beyond constants; `demo_catalog` combines them with a seeded
`random.Random`, so changing a list changes every seed's output (tests compare runs, not
fixed names).
"""

FIRST_NAMES = [
    "Ada", "Alma", "Amara", "Anouk", "Ben", "Cass", "Clara", "Dario", "Eli", "Elsa", "Esme",
    "Felix", "Frida", "Gil", "Hana", "Ines", "Iris", "Jonah", "June", "Kai", "Lena", "Leo",
    "Lou", "Mabel", "Malik", "Mara", "Milo", "Nadia", "Nico", "Nina", "Omar", "Otis", "Pia",
    "Rafa", "Rosa", "Ruben", "Sade", "Sami", "Tess", "Theo", "Vera", "Wren", "Yara", "Zane",
    # A few with accents, as real libraries have them.
    "Zoë", "Renée", "José", "Sigrún", "Aurélie", "Jürgen", "Mårten", "Søren", "Ólafur",
    "Joaquín", "Björn", "Chloé", "Anaïs", "Łukasz", "Dóra",
]

LAST_NAMES = [
    "Abbott", "Adeyemi", "Bishop", "Calloway", "Carver", "Delacroix", "Ellery", "Fontaine",
    "Garrow", "Hale", "Hollis", "Ibarra", "Jansen", "Keane", "Lindqvist", "Marlowe", "Mendes",
    "Novak", "Okafor", "Oyelaran", "Pryce", "Quinlan", "Rask", "Reyes", "Sato", "Sinclair",
    "Thorne", "Umber", "Vance", "Walsh", "Whitlock", "Yamada", "Zeller",
    "Álvarez", "Mäkelä", "Þórsson", "Lefèvre", "Núñez", "Dvořák", "Brontë", "Müller", "Løkke",
]

ADJECTIVES = [
    "Amber", "Ashen", "Blue", "Bright", "Broken", "Burning", "Cold", "Crimson", "Crystal",
    "Distant", "Electric", "Empty", "Endless", "Faded", "Fading", "Gentle", "Golden", "Hollow",
    "Hidden", "Iron", "Last", "Little", "Lonely", "Lost", "Low", "Lunar", "Midnight", "Neon",
    "Northern", "Pale", "Paper", "Quiet", "Restless", "Secret", "Silent", "Silver", "Slow",
    "Static", "Strange", "Sunken", "Tender", "Velvet", "Violet", "Wild", "Wooden", "Young",
]

NOUNS = [
    "Anchor", "Arrow", "Atlas", "Avenue", "Balloon", "Bell", "Bloom", "Bridge", "Cathedral",
    "Circle", "Cloud", "Comet", "Coast", "Crown", "Dawn", "Desert", "Dream", "Echo", "Ember",
    "Engine", "Feather", "Field", "Fire", "Forest", "Garden", "Ghost", "Glass", "Harbor",
    "Heart", "Horizon", "Island", "Kingdom", "Lantern", "Light", "Machine", "Mirror", "Moon",
    "Mountain", "Ocean", "Orchard", "Palace", "Radio", "Rain", "River", "Room", "Shadow",
    "Signal", "Sky", "Smoke", "Snow", "Stone", "Summer", "Sun", "Tide", "Tower", "Valley",
    "Wave", "Window", "Winter", "Wire", "Wolf",
]

PLURAL_NOUNS = [
    "Antelopes", "Architects", "Birds", "Cartographers", "Comets", "Daughters", "Drifters",
    "Embers", "Foxes", "Ghosts", "Hounds", "Lanterns", "Magpies", "Mariners", "Moths",
    "Orphans", "Pilots", "Ravens", "Saints", "Satellites", "Sparrows", "Strangers", "Tides",
    "Twins", "Wolves",
]

PLACES = [
    "Berlin", "Brooklyn", "Lisbon", "Marseille", "Memphis", "Osaka", "Reykjavík", "Detroit",
    "Lagos", "Montréal", "São Paulo", "Bristol", "Kyoto", "Tbilisi", "Göteborg", "Havana",
]

VERBS = [
    "Burn", "Call", "Carry", "Chase", "Dance", "Drive", "Fall", "Follow", "Hold", "Keep",
    "Leave", "Let", "Lose", "Meet", "Move", "Run", "Save", "Shine", "Stay", "Swim", "Take",
    "Turn", "Wait", "Wake", "Walk",
]

GERUNDS = [
    "Burning", "Calling", "Carrying", "Chasing", "Dancing", "Driving", "Falling", "Following", "Leaving",
    "Losing", "Meeting", "Running", "Shining", "Swimming", "Turning", "Waiting", "Waking", "Walking",
]

# Single invented words, for one-word artists such as a Björk or a Sigur Rós.
MONONYMS = [
    "Vøldre", "Ósk", "Kælan", "Aurore", "Solène", "Mirø", "Halcyon", "Lumen", "Oréal",
    "Tindr", "Sjø", "Ekko", "Nivéa", "Fjara", "Hymne", "Ondine", "Saïna", "Brume",
]
MONONYM_PAIRS = ["Hljóð Rós", "Ljós Bylgja", "Nótt Vatn", "Sól Eyja", "Rökkur Mánans"]

TRACK_SUFFIXES = ["(Interlude)", "(Reprise)", "(Part II)", "(Live)", "(Demo)", "(Outro)"]
TRACK_PHRASES = [
    "All I Want", "Another Day", "Before the Rain", "Call Me Home", "Come Back Around",
    "Everything Now", "For a While", "Heavy Water", "Here We Are", "In the Morning",
    "It Was Always You", "Last Train", "Let It Go", "No Surprises Here", "Nothing Left",
    "On the Run", "Out of Time", "Slow Motion", "So Far Away", "Someday Soon", "Tell Me Why",
    "The Long Way", "Under the Lights", "When the Night Falls", "You and I",
]

# Genre families: the Discogs genre, then the styles an artist of that family may carry.
GENRES = {
    "Rock": ["Indie Rock", "Post-Punk", "Shoegaze", "Psychedelic Rock", "Garage Rock", "Post Rock"],
    "Electronic": ["Techno", "Ambient", "House", "Trip Hop", "IDM", "Downtempo"],
    "Jazz": ["Modal", "Hard Bop", "Jazz-Funk", "Fusion", "Spiritual Jazz"],
    "Hip Hop": ["Boom Bap", "Conscious", "Instrumental", "Trip Hop"],
    "Folk, World, & Country": ["Indie Folk", "Singer-Songwriter", "Chamber Folk", "Americana"],
    "Funk / Soul": ["Neo Soul", "Funk", "Northern Soul", "Rhythm & Blues"],
    "Pop": ["Synth-pop", "Dream Pop", "Art Pop", "Chamber Pop"],
    "Classical": ["Contemporary", "Minimal", "Modern Classical"],
}

LABEL_SHAPES = ["{noun} Records", "{adj} {noun} Recordings", "{noun}{noun2}", "{adj} Records",
                "Éditions {last}", "{place} Sound", "{noun} & {noun2}", "{adj} Music"]

BIO_SENTENCES = [
    "{name} formed in {place} in {year} and quickly became a fixture of the local scene.",
    "Their first record, {album}, was made on borrowed equipment in a single winter.",
    "Known for long, patient live sets, {name} have toured with artists from every corner of {genre}.",
    "Critics have compared the sound to a late-night drive: warm, unhurried and a little melancholy.",
    "After a quiet spell, {name} returned with {album}, their most ambitious work so far.",
    "The project began as a bedroom recording experiment and grew into a full band.",
]

# Discogs format descriptions by format, most common first.
FORMAT_DESCRIPTIONS = {
    "Vinyl": ["LP, Album", "LP, Album, Reissue", "LP, Album, Reissue, Remastered", "2×LP, Album, Gatefold",
              "LP, Album, Limited Edition, Coloured", "LP, Album, 180 Gram"],
    "CD": ["CD, Album", "CD, Album, Reissue, Remastered", "CD, Album, Digipak", "2×CD, Album, Deluxe Edition"],
    "Cassette": ["Cassette, Album", "Cassette, Album, Limited Edition"],
    "File": ["FLAC, Album", "MP3, Album, 320 kbps"],
}
EP_FORMAT_DESCRIPTIONS = {
    "Vinyl": ['12", 33 ⅓ RPM, EP', '7", 45 RPM, EP'],
    "CD": ["CD, EP"],
    "Cassette": ["Cassette, EP"],
    "File": ["FLAC, EP"],
}
OWNED_FORMATS = ["Vinyl", "CD", "Cassette", "File"]
OWNED_FORMAT_WEIGHTS = [58, 30, 7, 5]

COLLECTION_FOLDERS = [(1, "Uncategorized"), (4_812_301, "Vinyl"), (4_812_302, "CDs & Tapes"),
                      (4_812_303, "Desert Island")]
CONDITIONS = ["Mint (M)", "Near Mint (NM or M-)", "Very Good Plus (VG+)", "Very Good (VG)",
              "Good Plus (G+)"]
CONDITION_WEIGHTS = [8, 45, 30, 12, 5]
COPY_NOTES = ["Bought at a record fair.", "Gift.", "Signed copy.", "Inner sleeve missing.",
              "Found in a charity shop.", "First pressing."]

# Relative plays by local hour: a morning commute bump and an evening peak on weekdays,
# late mornings and long evenings at weekends.
WEEKDAY_HOURS = [2, 1, 0.5, 0.2, 0.1, 0.2, 1, 4, 5, 2, 1.5, 1.5, 2.5, 2, 1.5, 1.5, 2, 4, 4, 5, 6, 6.5, 5, 3.5]
WEEKEND_HOURS = [3.5, 2.5, 1.5, 0.6, 0.2, 0.1, 0.2, 0.5, 1, 2, 3.5, 4, 3.5, 3.5, 4, 4, 4, 4, 4, 4.5, 5.5, 6, 5.5, 4.5]
# Relative listening by weekday, Monday first.
WEEKDAY_FACTORS = [0.95, 0.95, 1.0, 1.0, 1.1, 1.3, 1.2]
