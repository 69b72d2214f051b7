"""Playlists with their tracks, in a fixed number of queries."""

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


def test_it_loads_playlists_with_ordered_tracks_in_constant_queries():
    album = make_album("Dummy", make_artist("Portishead"))
    tracks = [make_track(title, album) for title in ("Mysterons", "Sour Times", "Strangers", "Roads")]
    _playlist("One", tracks[:2])
    _playlist("Two", list(reversed(tracks)))
    with CaptureQueriesContext(connection) as captured:
        page = playlist_page()
        rows = [(p.name, p.track_count, [e.track.title for e in p.entries.all()],
                 [e.track.album.title for e in p.entries.all()]) for p in page]
    assert rows[0] == ("Two", 4, ["Roads", "Strangers", "Sour Times", "Mysterons"], ["Dummy"] * 4)
    assert rows[1][0] == "One"
    assert len(captured) == 3  # count, playlists, entries with tracks
