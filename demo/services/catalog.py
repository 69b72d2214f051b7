"""The demo catalog as plain data, drawn from one `random.Random`: no database here.

`catalog_plan` invents artists, labels, tags, albums, tracks and owned copies; the same
seed and counts give the same plan. `demo_seed` writes it; `demo_history` plays it.
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus

from core.normalize import name_key, title_key
from demo.services import names as words

LATEST_YEAR = 2025
EARLIEST_YEAR = 1965


@dataclass(slots=True)
class TrackPlan:
    title: str
    number: int
    position: str
    duration_ms: int
    weight: float  # how often it comes up when shuffling the artist: hits weigh more
    loved: bool = False


@dataclass(slots=True)
class AlbumPlan:
    artist: int  # index into CatalogPlan.artists
    title: str
    year: int
    label: int  # index into CatalogPlan.labels
    catalog_number: str
    appeal: float
    tracks: list[TrackPlan]
    tags: list[tuple[str, int]]
    co_artist: int | None = None
    is_ep: bool = False
    format: str = ""
    format_descriptions: str = ""
    discogs_release_id: int | None = None
    playable: bool = True  # False for the few owned records never played


@dataclass(slots=True)
class EditionPlan:
    """A second owned edition of an album in another format (e.g. the CD of an owned LP)."""

    album: int
    year: int
    format: str
    format_descriptions: str
    catalog_number: str
    discogs_release_id: int


@dataclass(slots=True)
class CopyPlan:
    album: int | None  # index into albums, or None when `edition` is set
    edition: int | None
    discogs_instance_id: int
    folder_id: int
    folder_name: str
    date_added: datetime
    rating: int
    media_condition: str
    sleeve_condition: str
    notes: str


@dataclass(slots=True)
class ArtistPlan:
    name: str
    sort_name: str
    family: str
    weight: float  # Zipf-like share of the listening
    discovered: float  # fraction of the period when the listener found them; < 0: known before
    fade: float  # how much interest wanes after the first months
    label: int
    tags: list[tuple[str, int]]
    bio: str = ""
    popularity: int | None = None
    followers: int | None = None
    lastfm_listeners: int | None = None
    lastfm_playcount: int | None = None
    lastfm_url: str = ""
    albums: list[int] = field(default_factory=list)
    similar: list[tuple[int, float]] = field(default_factory=list)


@dataclass(slots=True)
class CatalogPlan:
    artists: list[ArtistPlan]
    labels: list[tuple[str, str]]  # (name, catalog prefix)
    tags: list[str]
    albums: list[AlbumPlan]
    editions: list[EditionPlan]
    copies: list[CopyPlan]

    @property
    def track_count(self) -> int:
        return sum(len(album.tracks) for album in self.albums)


def stable_id(*parts: object, base: int = 900_000_000) -> int:
    """A fake Discogs id from a hash: stable across runs, seeds and insertion order."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return base + int.from_bytes(digest, "big") % 99_000_000


def catalog_plan(*, rng: random.Random, artists: int, albums: int, tracks: int, copies: int,
                 end: datetime) -> CatalogPlan:
    """Invent a catalog of exactly `artists`, `albums` and `tracks`, and `copies` owned copies."""
    labels = _labels(rng, max(4, artists // 4))
    artist_plans = _artists(rng, artists, len(labels))
    album_plans = _albums(rng, artist_plans, albums, tracks, labels)
    _similar_links(rng, artist_plans)
    tags = sorted({tag for plan in artist_plans for tag, _ in plan.tags}
                  | {tag for album in album_plans for tag, _ in album.tags})
    editions, copy_plans = _collection(rng, artist_plans, album_plans, labels, copies, end)
    return CatalogPlan(artist_plans, labels, tags, album_plans, editions, copy_plans)


def _unique(rng: random.Random, make, used: set[str], key=name_key) -> str:
    for attempt in range(200):
        candidate = make()
        if attempt > 50:
            candidate = f"{candidate} {rng.choice(words.NOUNS)}"
        if key(candidate) not in used:
            used.add(key(candidate))
            return candidate
    raise ValueError("ran out of invented names; ask for fewer")


def _artist_name(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.28:
        return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
    if shape < 0.46:
        return f"The {rng.choice(words.ADJECTIVES)} {rng.choice(words.PLURAL_NOUNS)}"
    if shape < 0.62:
        return f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.NOUNS)}"
    if shape < 0.72:
        return f"The {rng.choice(words.PLURAL_NOUNS)}"
    if shape < 0.80:
        return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)} & the {rng.choice(words.PLURAL_NOUNS)}"
    if shape < 0.90:
        return f"{rng.choice(words.NOUNS)} {rng.choice(words.NOUNS)}"
    if shape < 0.96:
        return rng.choice(words.MONONYMS)
    return rng.choice(words.MONONYM_PAIRS)


def _sort_name(name: str) -> str:
    if name.startswith("The "):
        return f"{name[4:]}, The"
    return name


def _labels(rng: random.Random, count: int) -> list[tuple[str, str]]:
    used: set[str] = set()
    labels = []
    for _ in range(count):
        name = _unique(rng, lambda: rng.choice(words.LABEL_SHAPES).format(
            noun=rng.choice(words.NOUNS), noun2=rng.choice(words.NOUNS).lower(), adj=rng.choice(words.ADJECTIVES),
            last=rng.choice(words.LAST_NAMES), place=rng.choice(words.PLACES)), used)
        initials = "".join(part[0] for part in name_key(name).split() if part[0].isalpha())[:3].upper()
        labels.append((name, (initials or "REC").ljust(2, "X")))
    return labels


def _artists(rng: random.Random, count: int, label_count: int) -> list[ArtistPlan]:
    used: set[str] = set()
    families = list(words.GENRES)
    plans = []
    for rank in range(count):
        name = _unique(rng, lambda: _artist_name(rng), used)
        family = rng.choices(families, weights=[24, 20, 10, 10, 12, 10, 10, 4])[0]
        styles = rng.sample(words.GENRES[family], k=min(len(words.GENRES[family]), rng.randint(1, 3)))
        tags = [(family.split(",")[0] if "," in family else family, 100)]
        tags += [(style, rng.randint(35, 95)) for style in styles]
        # Zipf-like: a handful of artists take most of the plays.
        weight = 1.0 / (rank + 1) ** 0.9
        known_before = rng.random() < (0.8 if rank < 10 else 0.5)
        discovered = -rng.uniform(0.2, 1.0) if known_before else rng.uniform(0.0, 0.92)
        plan = ArtistPlan(
            name=name, sort_name=_sort_name(name), family=family, weight=weight, discovered=discovered,
            fade=rng.uniform(0.0, 0.75), label=rng.randrange(label_count), tags=tags,
            lastfm_url=f"https://www.last.fm/music/{quote_plus(name)}",
        )
        fame = rng.random() ** 2  # most artists are small
        if rng.random() < 0.85:
            plan.popularity = int(5 + 85 * fame)
            plan.followers = int(10 ** (2.5 + 4 * fame) * rng.uniform(0.6, 1.4))
            plan.lastfm_listeners = int(10 ** (3 + 3.3 * fame) * rng.uniform(0.6, 1.4))
            plan.lastfm_playcount = plan.lastfm_listeners * rng.randint(8, 60)
        plans.append(plan)
    return plans


def _album_title(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.3:
        return f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.NOUNS)}"
    if shape < 0.45:
        return f"{rng.choice(words.NOUNS)} of {rng.choice(words.NOUNS)}"
    if shape < 0.58:
        return f"The {rng.choice(words.NOUNS)}"
    if shape < 0.68:
        return f"{rng.choice(words.GERUNDS)} {rng.choice(words.PLACES)}"
    if shape < 0.78:
        return f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.PLURAL_NOUNS)}"
    if shape < 0.88:
        return rng.choice(words.NOUNS) + "s"
    if shape < 0.94:
        return f"Live in {rng.choice(words.PLACES)}"
    return rng.choice(words.TRACK_PHRASES)


def _track_title(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.22:
        return rng.choice(words.TRACK_PHRASES)
    if shape < 0.40:
        return f"{rng.choice(words.VERBS)} the {rng.choice(words.NOUNS)}"
    if shape < 0.58:
        return f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.NOUNS)}"
    if shape < 0.68:
        return rng.choice(words.NOUNS)
    if shape < 0.76:
        return f"{rng.choice(words.NOUNS)} {rng.choice(words.TRACK_SUFFIXES)}"
    if shape < 0.84:
        return f"{rng.choice(words.PLACES)}"
    if shape < 0.92:
        return f"{rng.choice(words.VERBS)} Me {rng.choice(['Home', 'Down', 'Back', 'Slowly', 'Again'])}"
    return f"{rng.choice(words.NOUNS)} in the {rng.choice(words.NOUNS)}"


def _split(total: int, weights: list[float], minimum: int) -> list[int]:
    """`total` split by weight, each share at least `minimum` (largest remainder, exact)."""
    spare = total - minimum * len(weights)
    scale = sum(weights)
    raw = [spare * w / scale for w in weights]
    shares = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (shares[i] - raw[i], i))
    for i in by_remainder[: spare - sum(shares)]:
        shares[i] += 1
    return [minimum + share for share in shares]


def _track_counts(rng: random.Random, albums: list[AlbumPlan], total: int) -> list[int]:
    """Track counts near 8–14 an album (4–6 for an EP) that add up to exactly `total`."""
    mean = total / len(albums)
    low, high = max(1, round(mean) - 3), max(1, round(mean) + 3)
    counts = [rng.randint(max(1, low // 2), max(1, high // 2)) if a.is_ep else rng.randint(low, high) for a in albums]
    order = list(range(len(albums)))
    while sum(counts) != total:
        i = rng.choice(order)
        if sum(counts) > total and counts[i] > 1:
            counts[i] -= 1
        elif sum(counts) < total:
            counts[i] += 1
    return counts


def _albums(rng: random.Random, artists: list[ArtistPlan], count: int, total_tracks: int,
            labels: list[tuple[str, str]]) -> list[AlbumPlan]:
    per_artist = _split(count, [a.weight ** 0.6 for a in artists], 1)
    label_numbers = [rng.randint(1, 120) for _ in labels]
    plans: list[AlbumPlan] = []
    for index, (artist, album_count) in enumerate(zip(artists, per_artist)):
        used: set[str] = set()
        year = (rng.randint(EARLIEST_YEAR, LATEST_YEAR - 4) if rng.random() < 0.55
                else rng.randint(1995, LATEST_YEAR - 4))
        for n in range(album_count):
            is_ep = rng.random() < 0.06
            title = _unique(rng, lambda: _album_title(rng), used, key=title_key)
            if is_ep:
                title = f"{title} EP"
            label = artist.label if rng.random() < 0.75 else rng.randrange(len(labels))
            label_numbers[label] += 1
            catalog_number = f"{labels[label][1]}-{label_numbers[label]:03d}"
            tags = [(tag, 100 if i == 0 else weight) for i, (tag, weight) in enumerate(artist.tags)
                    if rng.random() < 0.8 or i == 0]
            plan = AlbumPlan(artist=index, title=title, year=min(year, LATEST_YEAR), label=label,
                             catalog_number=catalog_number, appeal=rng.lognormvariate(0, 0.6), tracks=[], tags=tags,
                             is_ep=is_ep)
            if rng.random() < 0.04 and len(artists) > 1:
                plan.co_artist = (index + rng.randrange(1, len(artists))) % len(artists)
            artist.albums.append(len(plans))
            plans.append(plan)
            year += rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])
    for album, track_count in zip(plans, _track_counts(rng, plans, total_tracks)):
        used: set[str] = set()
        side_length = max(1, (track_count + 1) // 2)
        for number in range(1, track_count + 1):
            title = _unique(rng, lambda: _track_title(rng), used, key=title_key)
            side = "AB"[min(1, (number - 1) // side_length)]
            position = f"{side}{number - side_length * (side == 'B')}"
            duration_ms = int(min(420_000, max(120_000, rng.gauss(245_000, 55_000))))
            weight = rng.choice([1, 1, 1, 1, 1, 1, 1, 2, 3, 8])
            album.tracks.append(TrackPlan(title, number, position, duration_ms, weight))
    _love(rng, plans)
    _bios(rng, artists, plans)
    return plans


def _love(rng: random.Random, albums: list[AlbumPlan]) -> None:
    """About 3% of tracks are loved, the favourites (hits) more often than the rest."""
    for album in albums:
        for track in album.tracks:
            track.loved = rng.random() < 0.015 * track.weight


def _bios(rng: random.Random, artists: list[ArtistPlan], albums: list[AlbumPlan]) -> None:
    for artist in artists:
        if rng.random() < 0.45:
            first = albums[artist.albums[0]]
            sentences = rng.sample(words.BIO_SENTENCES, k=3)
            artist.bio = " ".join(s.format(name=artist.name, place=rng.choice(words.PLACES), year=first.year - 1,
                                           album=albums[rng.choice(artist.albums)].title, genre=artist.family.lower())
                                  for s in sentences)


def _similar_links(rng: random.Random, artists: list[ArtistPlan]) -> None:
    """Last.fm-style similar artists: strong links within a genre family, weak ones across."""
    by_family: dict[str, list[int]] = {}
    for index, artist in enumerate(artists):
        by_family.setdefault(artist.family, []).append(index)
    for index, artist in enumerate(artists):
        kin = [i for i in by_family[artist.family] if i != index]
        strangers = [i for i in range(len(artists)) if artists[i].family != artist.family]
        links = {i: round(rng.uniform(0.4, 1.0), 3) for i in rng.sample(kin, k=min(len(kin), rng.randint(3, 8)))}
        for i in rng.sample(strangers, k=min(len(strangers), rng.randint(0, 2))):
            links[i] = round(rng.uniform(0.05, 0.35), 3)
        artist.similar = sorted(links.items(), key=lambda link: (-link[1], link[0]))


def _weighted_sample(rng: random.Random, population: list[int], weights: list[float], k: int) -> list[int]:
    """k distinct items, heavier ones more likely (Efraimidis–Spirakis keys)."""
    keyed = sorted(population, key=lambda i: -(rng.random() ** (1.0 / weights[i])))
    return keyed[:k]


def _collection(rng: random.Random, artists: list[ArtistPlan], albums: list[AlbumPlan],
                labels: list[tuple[str, str]], copies: int, end: datetime) -> tuple[list[EditionPlan], list[CopyPlan]]:
    """Owned copies: favourite artists' records more likely, a few owned twice, a few never played."""
    doubles = min(copies // 2, round(copies * 0.07))
    owned_count = min(len(albums), copies - doubles)
    doubles = min(copies - owned_count, owned_count)
    weights = [artists[a.artist].weight ** 0.5 * a.appeal for a in albums]
    owned = sorted(_weighted_sample(rng, list(range(len(albums))), weights, owned_count))
    for index in owned:
        album = albums[index]
        album.format = rng.choices(words.OWNED_FORMATS, weights=words.OWNED_FORMAT_WEIGHTS)[0]
        descriptions = words.EP_FORMAT_DESCRIPTIONS if album.is_ep else words.FORMAT_DESCRIPTIONS
        album.format_descriptions = rng.choice(descriptions[album.format])
        album.discogs_release_id = stable_id("release", artists[album.artist].name, album.title, album.format)
    # A few owned records were never played: pick them among artists who have other albums.
    candidates = [i for i in owned if len(artists[albums[i].artist].albums) > 1]
    never = rng.sample(candidates, k=min(len(candidates), max(1, owned_count // 30) if owned_count else 0))
    for index in never:
        if sum(albums[i].playable for i in artists[albums[index].artist].albums) > 1:
            albums[index].playable = False

    editions: list[EditionPlan] = []
    copy_plans: list[CopyPlan] = []
    start = end - timedelta(days=12 * 365)
    span_seconds = int((end - start).total_seconds())
    twice = set(rng.sample(owned, k=doubles))
    for index, second in [(i, False) for i in owned] + [(i, True) for i in sorted(twice)]:
        album = albums[index]
        release_id, edition = album.discogs_release_id, None
        if second and rng.random() < 0.7:  # the CD of an owned LP, or the LP of an owned CD
            other = "CD" if album.format == "Vinyl" else "Vinyl"
            release_id = stable_id("release", artists[album.artist].name, album.title, other)
            editions.append(EditionPlan(
                album=index, year=min(LATEST_YEAR, album.year + rng.randint(1, 25)), format=other,
                format_descriptions=rng.choice(words.FORMAT_DESCRIPTIONS[other][1:]),
                catalog_number=f"{labels[album.label][1]}-{rng.randint(500, 999)}{other[0]}",
                discogs_release_id=release_id,
            ))
            edition = len(editions) - 1
        folder_id, folder_name = rng.choice(words.COLLECTION_FOLDERS)
        added = start + timedelta(seconds=rng.randrange(span_seconds))
        copy_plans.append(CopyPlan(
            album=None if edition is not None else index, edition=edition,
            discogs_instance_id=stable_id("instance", release_id, int(second)),
            folder_id=folder_id, folder_name=folder_name, date_added=added.astimezone(UTC),
            rating=rng.choice([0, 0, 0, 0, 3, 4, 4, 5, 5]),
            media_condition=rng.choices(words.CONDITIONS, weights=words.CONDITION_WEIGHTS)[0],
            sleeve_condition=rng.choices(words.CONDITIONS + ["Generic"], weights=words.CONDITION_WEIGHTS + [4])[0],
            notes=rng.choice(words.COPY_NOTES) if rng.random() < 0.12 else "",
        ))
    return editions, copy_plans
