"""Playlists as the pages show them, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playlists.models import Playlist, PlaylistTrack
from playlists.selectors.playlists import playlist_page
from tests.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db


def _playlist(name: str, tracks) -> Playlist:
    playlist = Playlist.objects.create(name=name)
    for position, track in enumerate(tracks, start=1):
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
    return playlist


def test_cards_count_tracks_and_length_and_show_four_different_covers_in_constant_queries():
    portishead = make_artist("Portishead")
    albums = [make_album(title, portishead) for title in ("Dummy", "Portishead", "Roseland NYC", "Third", "Live")]
    tracks = [make_track(f"Song {n}", albums[n % 5], duration_ms=100_000) for n in range(12)]
    _playlist("One", tracks[:2])
    _playlist("Two", [tracks[0], tracks[5], *tracks[1:5]])  # Dummy twice before the others
    with CaptureQueriesContext(connection) as captured:
        page, cards = playlist_page()
        rows = [(c.playlist.name, c.track_count, c.duration_ms, [a.title for a in c.covers]) for c in cards]
        [a.artist.name for c in cards for a in c.covers]
    assert rows == [("Two", 6, 600_000, ["Dummy", "Portishead", "Roseland NYC", "Third"]),
                    ("One", 2, 200_000, ["Dummy", "Portishead"])]
    assert page.number == 1
    assert len(captured) == 4  # count, playlists, covers, albums with their artists


def test_the_detail_lists_entries_in_order_with_plays_and_unknown_lengths():
    from playlists.selectors.playlists import playlist_detail
    from tests.factories import make_scrobble, utc

    album = make_album("Dummy", make_artist("Portishead"))
    roads, sour = make_track("Roads", album, duration_ms=300_000), make_track("Sour Times", album)
    make_scrobble(roads, utc(2024, 1, 1, 10)), make_scrobble(roads, utc(2024, 1, 2, 10))
    detail = playlist_detail(playlist=_playlist("Mix", [sour, roads]))
    assert [(e.track.title, e.plays) for e in detail.entries] == [("Sour Times", 0), ("Roads", 2)]
    assert (detail.duration_ms, detail.unknown_lengths, [a.title for a in detail.covers]) == (300_000, 1, ["Dummy"])


def test_the_detail_and_its_mosaic_take_the_same_queries_however_many_covers(django_assert_num_queries):
    from django.template.loader import render_to_string

    from playlists.selectors.playlists import playlist_detail

    tracks = [make_track(f"Song {n}", make_album(f"Album {n}", make_artist(f"Artist {n}"))) for n in range(6)]
    playlist = _playlist("Mix", tracks)
    with django_assert_num_queries(2):  # the entries with their tracks, artists and albums; their plays
        detail = playlist_detail(playlist=playlist)
        render_to_string("playlists/partials/mosaic.html", {"covers": detail.covers})
    assert len(detail.covers) == 4
