"""The album and artist pages' read side: what the catalog knows, with the plays of the history."""

import pytest
from django.utils import timezone

from catalog.models import AlbumArtist
from tests.factories import make_album, make_artist, make_copy, make_listening_history, make_scrobble, make_track, utc
from tracker.selectors.album_plays import album_view
from tracker.selectors.artist_plays import artist_view

pytestmark = pytest.mark.django_db


def test_it_counts_album_plays_first_and_last():
    plays = make_listening_history(plays_per_day=4, days=3)
    album = plays[0].album
    view = album_view(album_id=album.pk)
    album_plays = [p for p in plays if p.album_id == album.pk]
    assert view.plays == len(album_plays)
    assert view.first_play == min(p.played_at for p in album_plays)
    assert view.last_play == max(p.played_at for p in album_plays)
    assert sum(t.plays for t in view.tracks) == len(album_plays)


def test_it_shows_a_collection_release_with_the_plays_of_its_listened_album():
    plays = make_listening_history(plays_per_day=2, days=1)
    listened = plays[0].album
    release = make_album(f"{listened.title} (Reissue)", listened.artist, listened_album=listened, format="Vinyl")
    make_copy(release, instance_id=5)
    view = album_view(album_id=release.pk)
    assert view.plays == sum(1 for p in plays if p.album_id == listened.pk)
    assert {t.album_id for t in view.tracks} == {listened.pk}
    assert [e.pk for e in album_view(album_id=listened.pk).editions] == [release.pk]


def test_it_lists_credited_artists_in_order():
    lead = make_artist("Massive Attack")
    guest = make_artist("Liz Fraser")
    album = make_album("Mezzanine", lead)
    AlbumArtist.objects.create(album=album, artist=guest, position=1, join_phrase="&")
    assert [c.artist.name for c in album_view(album_id=album.pk).credits] == ["Massive Attack", "Liz Fraser"]


def test_it_returns_none_for_unknown_ids():
    assert album_view(album_id=404) is None
    assert artist_view(artist_id=404) is None


def test_it_ranks_an_artists_albums_and_tracks_by_plays():
    artist = make_artist("Portishead")
    dummy = make_album("Dummy", artist, year=1994)
    third = make_album("Third", artist, year=2008)
    roads = make_track("Roads", dummy)
    machine = make_track("Machine Gun", third)
    for minute in range(3):
        make_scrobble(machine, utc(2024, 1, 1, 12, minute))
    make_scrobble(roads, utc(2024, 2, 1, 12))
    make_copy(dummy, instance_id=1)
    view = artist_view(artist_id=artist.pk)
    assert [a.title for a in view.albums] == ["Third", "Dummy"]
    assert [a.owned for a in view.albums] == [False, True]
    assert [(t.title, t.plays) for t in view.top_tracks] == [("Machine Gun", 3), ("Roads", 1)]
    assert view.plays == 4 and view.owned_count == 1
    assert sum(b["value"] for b in view.months) == 4


def test_it_shows_a_new_play_on_the_artist_page_at_once_despite_the_cache():
    track = make_track("Roads")
    make_scrobble(track, utc(2024, 5, 1, 20, 0))
    assert artist_view(artist_id=track.artist_id).plays == 1
    make_scrobble(track, utc(2024, 5, 2, 20, 0))
    view = artist_view(artist_id=track.artist_id)
    assert view.plays == 2 and view.top_tracks[0].plays == 2


def test_an_edition_without_a_present_copy_is_not_offered_as_owned():
    plays = make_listening_history(plays_per_day=2, days=1)
    listened = plays[0].album
    never_owned = make_album(f"{listened.title} (CD)", listened.artist, listened_album=listened, format="CD")
    sold = make_album(f"{listened.title} (Cassette)", listened.artist, listened_album=listened, format="Cassette")
    make_copy(sold, instance_id=9, removed_at=timezone.now())
    kept = make_album(f"{listened.title} (Vinyl)", listened.artist, listened_album=listened, format="Vinyl")
    make_copy(kept, instance_id=10)
    assert [e.pk for e in album_view(album_id=listened.pk).editions] == [kept.pk]
    assert never_owned.pk and sold.pk


def test_an_artist_with_many_albums_shows_the_most_played_ones(monkeypatch):
    monkeypatch.setattr("catalog.selectors.artists.MAX_ALBUMS", 3)
    artist = make_artist("Prolific")
    albums = [make_album(f"Album {n}", artist, year=1970 + n) for n in range(6)]
    for n, album in enumerate(albums[3:], start=1):  # the three newest are played, 1 to 3 times
        track = make_track(f"Song {n}", album)
        for k in range(n):
            make_scrobble(track, utc(2024, 1, 1, 10, k))
    make_copy(albums[0], instance_id=77)  # owned, never played: still counted as owned
    view = artist_view(artist_id=artist.pk)
    assert [a.title for a in view.albums] == ["Album 5", "Album 4", "Album 3"]
    assert view.owned_count == 1
