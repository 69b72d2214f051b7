"""The track page: its figures, the albums it is on (owned editions marked), loved, played around it,
and the links to it from every row that names a track."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from playlists.models import Playlist, PlaylistTrack
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.selectors.track_plays import track_view


@pytest.fixture
def history(db):
    """Roads on Dummy (owned as a vinyl edition) and on a live album (owned itself); Glory Box and
    Teardrop played around Roads, Angel played days apart."""
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    dummy = make_album("Dummy", portishead, year=1994)
    vinyl = make_album("Dummy (Vinyl)", portishead, year=2014, format="Vinyl", discogs_release_id=1,
                       listened_album=dummy)
    live = make_album("Roseland NYC Live", portishead, year=1998, format="CD", discogs_release_id=2)
    make_copy(vinyl, instance_id=1)
    make_copy(live, instance_id=2)
    roads = make_track("Roads", dummy, duration_ms=300_000)
    roads_live = make_track("Roads", live, duration_ms=360_000)
    glory = make_track("Glory Box", dummy)
    teardrop = make_track("Teardrop", make_album("Mezzanine", massive, year=1998))
    angel = make_track("Angel", teardrop.album)
    start = utc(2024, 3, 1, 20)
    make_scrobble(roads, start, ms_played=200_000)
    make_scrobble(roads, start + timedelta(days=40))
    make_scrobble(roads, start + timedelta(days=40, minutes=10), loved=True)
    make_scrobble(glory, start + timedelta(minutes=6))
    make_scrobble(glory, start + timedelta(days=40, minutes=5))
    make_scrobble(teardrop, start + timedelta(days=40, minutes=25))
    make_scrobble(angel, start + timedelta(days=3))  # nowhere near a play of Roads
    make_scrobble(roads_live, start + timedelta(days=100))
    return {"roads": roads, "roads_live": roads_live, "glory": glory, "teardrop": teardrop, "angel": angel,
            "dummy": dummy, "vinyl": vinyl, "live": live, "start": start}


def test_it_shows_the_tracks_figures(owner_client, history):
    roads = history["roads"]
    response = owner_client.get(reverse("track_detail", args=[roads.pk]))
    assert response.status_code == 200
    view = response.context["view"]
    assert view.plays == 3
    assert view.ms_listened == 200_000 + 2 * 300_000 and view.ms_estimated == 600_000
    assert view.first_play == history["start"] and view.last_play == history["start"] + timedelta(days=40, minutes=10)
    assert sum(bar["value"] for bar in view.months) == 3
    assert [p.played_at for p in view.recent] == sorted((p.played_at for p in view.recent), reverse=True)
    assert len(view.recent) == 3
    html = response.content.decode()
    assert "Plays over time" in html and "13 min" in html  # 800,000 ms listened


def test_it_lists_the_albums_it_is_on_with_owned_editions_marked(owner_client, history):
    view = track_view(track_id=history["roads"].pk)
    on = {a.track.album_id: a for a in view.appearances}
    assert list(on) == [history["dummy"].pk, history["live"].pk]  # this track first
    assert not on[history["dummy"].pk].owned
    assert [e.pk for e in on[history["dummy"].pk].owned_editions] == [history["vinyl"].pk]
    assert on[history["live"].pk].owned and on[history["live"].pk].plays == 1
    html = owner_client.get(reverse("track_detail", args=[history["roads"].pk])).content.decode()
    assert f'data-owned="{history["vinyl"].pk}"' in html and f'data-owned="{history["live"].pk}"' in html
    assert reverse("track_detail", args=[history["roads_live"].pk]) in html


def test_a_removed_copy_is_not_owned(history):
    history["vinyl"].copies.update(removed_at=history["start"])
    view = track_view(track_id=history["roads"].pk)
    assert view.appearances[0].owned_editions == []


def test_it_ranks_tracks_played_around_it(history):
    view = track_view(track_id=history["roads"].pk)
    # Glory Box twice within 30 minutes, Teardrop once; Angel never; Roads live is the same song.
    assert [(s.track.pk, s.together) for s in view.similar] == [(history["glory"].pk, 2), (history["teardrop"].pk, 1)]


def test_it_shows_loved_only_when_a_play_is_loved(owner_client, history):
    assert track_view(track_id=history["roads"].pk).loved
    assert not track_view(track_id=history["glory"].pk).loved
    html = owner_client.get(reverse("track_detail", args=[history["roads"].pk])).content.decode()
    assert "♥</span> Loved" in html


def test_a_track_never_played_has_an_empty_page(owner_client, db):
    track = make_track("Wandering Star")
    response = owner_client.get(reverse("track_detail", args=[track.pk]))
    assert response.status_code == 200
    assert response.context["view"].plays == 0 and "Never played yet" in response.content.decode()


def test_an_unknown_track_is_404(owner_client, db):
    assert owner_client.get("/tracks/999999/").status_code == 404
    assert owner_client.get("/tracks/99999999999999999999999/").status_code == 404


def test_anonymous_user_is_redirected_to_login(client, history):
    response = client.get(reverse("track_detail", args=[history["roads"].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_its_query_count_does_not_grow_with_plays(owner_client, history):
    url = reverse("track_detail", args=[history["roads"].pk])
    owner_client.get(url)
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    for day in range(50):
        make_scrobble(history["roads"], history["start"] + timedelta(days=200 + day))
        make_scrobble(history["angel"], history["start"] + timedelta(days=200 + day, minutes=3))
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url)
    assert len(many) == len(few)


def _track_link(track) -> str:
    return f'href="{reverse("track_detail", args=[track.pk])}"'


def test_journal_album_artist_and_timeline_rows_link_to_the_track(owner_client, history):
    roads = history["roads"]
    assert _track_link(roads) in owner_client.get(reverse("journal")).content.decode()
    assert _track_link(roads) in owner_client.get(reverse("album_detail", args=[history["dummy"].pk])).content.decode()
    artist_page = owner_client.get(reverse("artist_detail", args=[roads.artist_id])).content.decode()
    assert _track_link(roads) in artist_page
    day = (history["start"] + timedelta(days=40)).date().isoformat()
    assert _track_link(roads) in owner_client.get(reverse("timeline") + f"?date={day}").content.decode()


def test_playlist_rows_link_to_the_track_with_no_query_per_row(owner_client, history):
    playlist = Playlist.objects.create(name="Bristol")
    PlaylistTrack.objects.create(playlist=playlist, track=history["roads"], position=1)
    url = reverse("playlist_detail", args=[playlist.pk])
    with CaptureQueriesContext(connection) as one:
        html = owner_client.get(url).content.decode()
    assert _track_link(history["roads"]) in html
    # Tracks of the same album: the cover mosaic (a query per album cover, at most a few) stays as it is.
    sour = make_track("Sour Times", history["dummy"])
    for position, track in enumerate([history["glory"], sour], start=2):
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
    with CaptureQueriesContext(connection) as three:
        html = owner_client.get(url).content.decode()
    assert _track_link(sour) in html
    assert len(three) == len(one)


def test_journal_query_count_is_the_same_with_track_links(owner_client, history):
    owner_client.get(reverse("journal"))
    with CaptureQueriesContext(connection) as before:
        owner_client.get(reverse("journal"))
    for minute in range(20):
        make_scrobble(history["angel"], history["start"] + timedelta(days=300, minutes=minute * 5))
    with CaptureQueriesContext(connection) as after:
        owner_client.get(reverse("journal"))
    assert len(after) == len(before)
