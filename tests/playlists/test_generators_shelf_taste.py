"""Generators drawn from what the library knows of its music: by tag, by decade, by label, and the
similar-artists walk.

Each on a small hand-made library: the right tracks with their reasons and weights, the wrong ones
left out, the parameters checked, owned editions counted with their listened albums, the same
playlist for the same seed under the common constraints, a clear message when nothing fits.
"""

import random
from collections import Counter
from datetime import timedelta

import pytest

from catalog.models import Album, AlbumTag, ArtistSimilar, ArtistTag, Tag, Track
from playlists.generators import generator_get, similar
from playlists.generators.base import GeneratorError, params_clean
from playlists.services.playlists import playlist_generate
from tests.factories import make_album, make_artist, make_copy, make_label, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db


def _play(track: Track, times: int) -> Track:
    for n in range(times):
        make_scrobble(track, utc(2024, 1, 1, 12) + timedelta(hours=n))
    return track


def _candidates(algorithm: str, **raw) -> dict[str, tuple[str, float]]:
    """{track title: (reason, weight)} of the generator's draft for `raw` parameters."""
    generator = generator_get(algorithm)
    draft = generator.draft(params_clean(generator, raw), random.Random(1))
    names = dict(Track.objects.filter(pk__in=[c.track_id for c in draft.candidates]).values_list("pk", "title"))
    assert len(names) == len(draft.candidates), "one candidate per track"
    return {names[c.track_id]: (c.reason, c.weight) for c in draft.candidates}


def _error(algorithm: str, **params) -> str:
    with pytest.raises(GeneratorError) as caught:
        playlist_generate(algorithm=algorithm, params=params, seed=1)
    return str(caught.value)


def _tag(artist_or_album, name: str, weight: int = 100, source: str = "") -> Tag:
    tag = Tag.objects.filter(name=name).first() or Tag.objects.create(name=name)
    if isinstance(artist_or_album, Album):
        AlbumTag.objects.create(album=artist_or_album, tag=tag, weight=weight, source=source or "discogs")
    else:
        ArtistTag.objects.create(artist=artist_or_album, tag=tag, weight=weight, source=source or "lastfm")
    return tag


def _edition(listened: Album, title: str, instance_id: int, **fields) -> Album:
    """An owned Discogs release of `listened` (its plays stay on the listened album)."""
    edition = make_album(title, listened.artist, discogs_release_id=9000 + instance_id, listened_album=listened,
                         **fields)
    make_copy(edition, instance_id)
    return edition


def _bands(count: int = 5, tracks: int = 4, **album_fields) -> list[Track]:
    """`count` artists with an album of `tracks` played tracks each."""
    result = []
    for b in range(count):
        album = make_album(f"Album {b}", make_artist(f"Band {b}"), **album_fields)
        result += [_play(make_track(f"Song {b}.{t}", album, duration_ms=200_000), 1 + t) for t in range(tracks)]
    return result


# --- by tag ---------------------------------------------------------------------------------------
@pytest.fixture
def tagged_library():
    portishead, massive, metallica = make_artist("Portishead"), make_artist("Massive Attack"), make_artist("Metallica")
    tricky = make_artist("Tricky")
    dummy, mezzanine = make_album("Dummy", portishead), make_album("Mezzanine", massive)
    maxinquaye, puppets = make_album("Maxinquaye", tricky), make_album("Master of Puppets", metallica)
    _tag(portishead, "Trip-Hop", 100)
    _tag(massive, "Trip-Hop", 40)
    _tag(maxinquaye, "Trip-Hop", 90)  # the album is tagged, its artist is not
    _tag(metallica, "Thrash Metal", 100)
    _play(make_track("Roads", dummy), 23)
    _play(make_track("Teardrop", mezzanine), 5)
    _play(make_track("Overcome", maxinquaye), 2)
    _play(make_track("Battery", puppets), 50)
    make_copy(mezzanine, 1)
    make_track("Exchange", mezzanine)  # owned, never played
    make_track("Pumpkin", maxinquaye)  # never played, not owned
    return {"dummy": dummy, "mezzanine": mezzanine}


def test_it_draws_tracks_of_tagged_artists_and_albums_by_tag_weight_and_plays(tagged_library):
    found = _candidates("tag", tag="trip hop")  # "Trip-Hop" by its name key
    assert found == {
        "Roads": ("Tagged Trip-Hop (Last.fm, 100) · 23 plays", 100 * 23),
        "Teardrop": ("Tagged Trip-Hop (Last.fm, 40) · 5 plays", 40 * 5),
        "Overcome": ("Tagged Trip-Hop (Discogs, 90) · 2 plays", 90 * 2),
        "Exchange": ("Tagged Trip-Hop (Last.fm, 40) · on your shelf, never played", 40 * 0.5),
    }


def test_it_takes_the_heavier_of_an_artists_and_an_albums_tag(tagged_library):
    _tag(tagged_library["mezzanine"], "Trip-Hop", 70)
    assert _candidates("tag", tag="TRIP HOP")["Teardrop"] == ("Tagged Trip-Hop (Discogs, 70) · 5 plays", 70 * 5)


def test_it_counts_an_owned_editions_tag_for_the_plays_of_its_listened_album():
    album = make_album("Dummy", make_artist("Beth Gibbons Band"))
    _play(make_track("Roads", album), 3)
    edition = _edition(album, "Dummy (Reissue)", 1)
    _tag(edition, "Trip Hop", 80)
    make_track("Roads", edition)  # the edition's tracklist repeats the listened album's title
    make_track("Biscuit", edition)
    assert _candidates("tag", tag="trip-hop") == {
        "Roads": ("Tagged Trip Hop (Discogs, 80) · 3 plays", 80 * 3),
        "Biscuit": ("Tagged Trip Hop (Discogs, 80) · on your shelf, never played", 80 * 0.5),
    }


def test_it_keeps_to_owned_records_when_asked(tagged_library):
    assert set(_candidates("tag", tag="trip hop", owned_only="true")) == {"Teardrop", "Exchange"}


def test_it_names_close_tags_when_the_tag_is_unknown(tagged_library):
    assert _error("tag", tag="trip hip") == "tag: no tag “trip hip” in the library; close ones: Trip-Hop."
    assert _error("tag", tag="polka") == "tag: no tag “polka” in the library."
    assert _error("tag") == "tag: This field is required."


def test_it_says_when_no_owned_record_carries_the_tag(tagged_library):
    assert _error("tag", tag="thrash metal", owned_only=True) == \
        "No owned record is tagged Thrash Metal: choose another tag."


# --- by decade --------------------------------------------------------------------------------------
@pytest.fixture
def decades_library():
    portishead, metallica = make_artist("Portishead"), make_artist("Metallica")
    dummy = make_album("Dummy", portishead, year=1994)
    puppets = make_album("Master of Puppets", metallica, year=1986)
    third = make_album("Third", portishead)  # no year of its own: its owned edition has it
    _play(make_track("Roads", dummy), 31)
    _play(make_track("Battery", puppets), 40)
    _play(make_track("Machine Gun", third), 4)
    _edition(third, "Third (Deluxe)", 1, year=2008)
    return {"dummy": dummy, "puppets": puppets, "third": third}


def test_it_draws_tracks_of_the_albums_of_the_decade(decades_library):
    assert _candidates("decade", decade="1990") == {"Roads": ("From 1994 (Dummy) · 31 plays", 31)}
    assert set(_candidates("decade", decade="1980s")) == {"Battery"}


def test_it_reads_a_listened_albums_year_from_its_owned_edition(decades_library):
    edition = Album.objects.get(title="Third (Deluxe)")
    make_track("Magic Doors", edition)
    assert _candidates("decade", decade=2000) == {
        "Machine Gun": ("From 2008 (Third) · 4 plays", 4),
        "Magic Doors": ("From 2008 (Third (Deluxe)) · on your shelf, never played", 0.5),
    }


def test_it_dates_a_listened_album_by_its_earliest_edition(decades_library):
    _edition(decades_library["third"], "Third (Reissue)", 2, year=2015)
    assert "Machine Gun" in _candidates("decade", decade=2000)
    assert _error("decade", decade=2010) == "No track of the library is from the 2010s: choose another decade."


def test_it_keeps_to_owned_records_by_decade_when_asked(decades_library):
    make_copy(decades_library["puppets"], 7)
    assert set(_candidates("decade", decade=1980, owned_only=True)) == {"Battery"}
    assert _error("decade", decade=1990, owned_only=True) == \
        "No owned record is from the 1990s: choose another decade."


@pytest.mark.parametrize("typed", ["1995", "1890", "2100", "nineties", ""])
def test_it_refuses_a_decade_that_is_not_one(typed):
    assert _error("decade", decade=typed).startswith("decade: ")


# --- by label -----------------------------------------------------------------------------------------
@pytest.fixture
def labels_library():
    warp, rephlex = make_label("Warp Records"), make_label("Rephlex")
    aphex = make_artist("Aphex Twin", principal_label=warp)
    boards, metallica = make_artist("Boards of Canada"), make_artist("Metallica")
    saw = make_album("Selected Ambient Works 85–92", aphex, label=warp)
    drukqs = make_album("Drukqs", aphex)  # no label: the artist's main one counts
    analord = make_album("Analord", aphex, label=rephlex)  # on another label: left out
    music = make_album("Music Has the Right to Children", boards)  # its owned edition knows the label
    _edition(music, "Music Has the Right to Children (2004)", 1, label=warp)
    _play(make_track("Xtal", saw), 12)
    _play(make_track("Avril 14th", drukqs), 2)
    _play(make_track("Fenix Funk 5", analord), 9)
    _play(make_track("Roygbiv", music), 7)
    _play(make_track("Battery", make_album("Master of Puppets", metallica)), 50)
    return {"warp": warp}


def test_it_draws_tracks_of_a_labels_albums_and_of_the_artists_it_is_the_main_label_of(labels_library):
    assert _candidates("label", label="warp records") == {
        "Xtal": ("Warp Records · Selected Ambient Works 85–92 · 12 plays", 12),
        "Roygbiv": ("Warp Records · Music Has the Right to Children · 7 plays", 7),
        "Avril 14th": ("Warp Records · Aphex Twin’s label · 2 plays", 2),
    }


def test_it_keeps_to_owned_records_by_label_when_asked(labels_library):
    assert set(_candidates("label", label="Warp Records", owned_only="on")) == {"Roygbiv"}


def test_it_names_close_labels_when_the_label_is_unknown(labels_library):
    assert _error("label", label="Warp") == "label: no label “Warp” in the library; close ones: Warp Records."
    assert _error("label") == "label: This field is required."


def test_it_says_when_a_label_has_no_track(labels_library):
    make_label("Ninja Tune")
    assert _error("label", label="ninja tune") == "No track of the library is on Ninja Tune: choose another label."


# --- similar artists --------------------------------------------------------------------------------------
@pytest.fixture
def similar_library():
    names = ("Portishead", "Massive Attack", "Tricky", "Martina Topley-Bird", "Metallica", "Earth, Wind & Fire")
    artists = {name: make_artist(name) for name in names}
    for name, artist in artists.items():
        album = make_album(f"{name} album", artist)
        _play(make_track(f"{name} hit", album), 4)
        make_track(f"{name} deep cut", album)  # never played
    links = [("Portishead", "Massive Attack", 0.82), ("Massive Attack", "Tricky", 0.7),
             ("Tricky", "Martina Topley-Bird", 0.9)]
    for one, other, match in links:
        ArtistSimilar.objects.create(artist=artists[one], similar=artists[other], match=match)
    return artists


def test_it_walks_similar_artists_to_their_library_tracks(similar_library):
    found = _candidates("similar", artists="portishead")
    decay = similar.STEP_DECAY
    assert found == {
        "Portishead hit": ("Seed artist: Portishead", pytest.approx(1 + 2.321928, abs=1e-5)),
        "Portishead deep cut": ("Seed artist: Portishead", 1),
        "Massive Attack hit": ("Similar to Portishead (0.82)", pytest.approx(0.82 * decay * 3.321928, abs=1e-5)),
        "Massive Attack deep cut": ("Similar to Portishead (0.82)", pytest.approx(0.82 * decay)),
        "Tricky hit": ("Similar to Portishead (via Massive Attack, 0.70)",
                       pytest.approx(0.82 * 0.7 * decay ** 2 * 3.321928, abs=1e-5)),
        "Tricky deep cut": ("Similar to Portishead (via Massive Attack, 0.70)", pytest.approx(0.82 * 0.7 * decay ** 2)),
    }


def test_it_walks_as_deep_as_asked_and_both_ways_round_a_link(similar_library):
    found = _candidates("similar", artists="Tricky", depth=1)
    assert {title.removesuffix(" hit").removesuffix(" deep cut") for title in found} == \
        {"Tricky", "Massive Attack", "Martina Topley-Bird"}
    assert found["Massive Attack hit"][0] == "Similar to Tricky (0.70)"
    assert "Martina Topley-Bird hit" in _candidates("similar", artists="Portishead", depth="3")


def test_it_leaves_the_seeds_out_when_asked(similar_library):
    found = _candidates("similar", artists="Portishead", include_seeds="false")
    assert not any(title.startswith("Portishead") for title in found)
    assert "Massive Attack hit" in found
    assert "Portishead hit" in _candidates("similar", artists="Portishead", include_seeds=True)


def test_it_finds_a_seed_whose_name_has_a_comma(similar_library):
    found = _candidates("similar", artists="Earth, Wind & Fire, Metallica")
    assert set(found) == {"Earth, Wind & Fire hit", "Earth, Wind & Fire deep cut", "Metallica hit",
                          "Metallica deep cut"}


def test_it_names_the_artists_it_does_not_know(similar_library):
    assert _error("similar", artists="Portishead, Portishaed, Blur") == \
        "artists: no artist named “Portishaed”, “Blur” in the library."
    assert _error("similar", artists=" , ") == "artists: name at least one artist."
    assert _error("similar", artists="Portishead", depth=5).startswith("depth: ")


def test_it_says_when_no_similar_artist_has_a_track(similar_library):
    assert _error("similar", artists="Metallica", include_seeds=False) == (
        "No similar artist of Metallica has a track in the library: include the seeds, go deeper, or enrich "
        "the artists (similar artists).")


def test_it_bounds_the_walk_to_the_closest_artists(monkeypatch):
    seed = make_artist("Portishead")
    for n in range(6):
        neighbour = make_artist(f"Neighbour {n}")
        _play(make_track(f"Song {n}", make_album(f"Album {n}", neighbour)), 1)
        ArtistSimilar.objects.create(artist=seed, similar=neighbour, match=0.1 * (n + 1))
    monkeypatch.setattr(similar, "WALK_MAX", 4)  # the seed and its three closest
    assert set(_candidates("similar", artists="Portishead")) == {"Song 5", "Song 4", "Song 3"}


# --- what every one of them keeps to -----------------------------------------------------------------
def _entries(playlist) -> list[tuple[int, int, str]]:
    return [(e.track_id, e.track.artist_id, e.reason) for e in playlist.entries.select_related("track")]


@pytest.fixture
def every_shelf_and_taste():
    """Five bands of four played tracks, tagged, of the nineties, on one label, similar to each other."""
    warp = make_label("Warp Records")
    tracks = _bands(year=1996, label=warp)
    artists = sorted({track.artist for track in tracks}, key=lambda artist: artist.pk)
    for artist in artists:
        _tag(artist, "Electronic", 60)
    for one, other in zip(artists, artists[1:]):
        ArtistSimilar.objects.create(artist=one, similar=other, match=0.9)
    return {"tag": {"tag": "electronic"}, "decade": {"decade": "1990"}, "label": {"label": "Warp Records"},
            "similar": {"artists": "Band 0", "depth": 4}}


@pytest.mark.parametrize("algorithm", ["tag", "decade", "label", "similar"])
def test_it_draws_the_same_playlist_for_a_seed_under_the_common_constraints(algorithm, every_shelf_and_taste):
    params = {**every_shelf_and_taste[algorithm], "max_per_artist": 2, "length": 9}
    first = _entries(playlist_generate(algorithm=algorithm, params=params, seed=11))
    assert first == _entries(playlist_generate(algorithm=algorithm, params=params, seed=11))
    others = [_entries(playlist_generate(algorithm=algorithm, params=params, seed=seed)) for seed in range(1, 6)]
    assert any(other != first for other in others), "the seed changes the draw"
    for entries in [first, *others]:
        artists = [artist for _, artist, _ in entries]
        assert len(entries) == 9
        assert all(a != b for a, b in zip(artists, artists[1:])), "one artist twice in a row"
        assert max(Counter(artists).values()) <= 2
        assert len({track for track, _, _ in entries}) == len(entries)


@pytest.mark.parametrize("algorithm, params, message", [
    ("tag", {"tag": "rock"}, "tag: no tag “rock” in the library."),
    ("decade", {"decade": "1990"}, "No track of the library is from the 1990s: choose another decade."),
    ("label", {"label": "Warp Records"}, "label: no label “Warp Records” in the library."),
    ("similar", {"artists": "Portishead"}, "artists: no artist named “Portishead” in the library."),
])
def test_it_refuses_an_empty_library_with_a_clear_message(algorithm, params, message):
    assert _error(algorithm, **params) == message
