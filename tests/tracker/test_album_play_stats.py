"""Albums' play figures: one UPDATE that counts an edition's listened album's plays with its own."""

import pytest
from django.db.models import Count, Max

from catalog.models import Album
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.models import Scrobble
from tracker.services.album_plays import album_play_stats_refresh

pytestmark = pytest.mark.django_db


def expected_figures() -> dict[int, tuple[int, object]]:
    """(play_count, last_played_at) of every album, computed by the ORM album by album."""
    own = {row["album_id"]: (row["n"], row["last"]) for row in
           Scrobble.objects.values("album_id").annotate(n=Count("id"), last=Max("played_at"))}
    figures = {}
    for album in Album.objects.all():
        n, last = own.get(album.pk, (0, None))
        if album.listened_album_id and album.listened_album_id != album.pk:
            extra_n, extra_last = own.get(album.listened_album_id, (0, None))
            n, last = n + extra_n, max((d for d in (last, extra_last) if d), default=None)
        figures[album.pk] = (n, last)
    return figures


def stored_figures() -> dict[int, tuple[int, object]]:
    return {pk: (n, last) for pk, n, last in Album.objects.values_list("pk", "play_count", "last_played_at")}


@pytest.fixture
def shelf():
    artist = make_artist("Portishead")
    listened = make_album("Dummy", artist)
    for minute in range(3):
        make_scrobble(make_track(f"Song {minute}", listened), utc(2024, 3, 1, 20, minute))
    later = make_album("Dummy (Vinyl)", artist, listened_album=listened, discogs_release_id=1)
    make_scrobble(make_track("Roads", later), utc(2024, 5, 1, 21))  # a play of the edition itself: the latest
    earlier = make_album("Dummy (CD)", artist, listened_album=listened, discogs_release_id=2)
    make_scrobble(make_track("Mysterons", earlier), utc(2023, 1, 1))
    make_album("Dummy (Cassette)", artist, listened_album=listened, discogs_release_id=3)  # no plays of its own
    Album.objects.create(title="Third", title_key="third", artist=artist, play_count=9,
                         last_played_at=utc(2020, 1, 1))  # stale figures, no plays at all
    itself = make_album("Roseland NYC Live", artist)
    Album.objects.filter(pk=itself.pk).update(listened_album=itself)  # its own listened album: counted once
    make_scrobble(make_track("Glory Box", itself), utc(2024, 2, 1))
    return {album.title: album for album in Album.objects.all()}


def test_it_stores_the_figures_the_orm_computes_for_every_album_and_counts_the_changed(shelf):
    assert album_play_stats_refresh() == 6  # Dummy, its three editions, Third, Roseland
    assert stored_figures() == expected_figures()
    assert stored_figures()[shelf["Roseland NYC Live"].pk] == (1, utc(2024, 2, 1))
    assert stored_figures()[shelf["Dummy (Vinyl)"].pk] == (4, utc(2024, 5, 1, 21))
    assert stored_figures()[shelf["Dummy (CD)"].pk] == (4, utc(2024, 3, 1, 20, 2))
    assert stored_figures()[shelf["Third"].pk] == (0, None)
    assert album_play_stats_refresh() == 0


def test_a_refresh_of_some_albums_also_refreshes_their_editions_and_nothing_else(shelf):
    dummy = shelf["Dummy"]
    assert album_play_stats_refresh(album_ids={dummy.pk}) == 4
    figures, expected = stored_figures(), expected_figures()
    editions = {a.pk for a in shelf.values() if a.listened_album_id == dummy.pk}
    assert all(figures[pk] == expected[pk] for pk in editions | {dummy.pk})
    assert figures[shelf["Third"].pk] == (9, utc(2020, 1, 1))  # not asked for: left as it was
    make_scrobble(make_track("Numb", dummy), utc(2024, 6, 1))
    assert album_play_stats_refresh(album_ids=[shelf["Dummy (Cassette)"].pk]) == 1  # an edition alone
    assert stored_figures()[shelf["Dummy (Cassette)"].pk] == (4, utc(2024, 6, 1))


def test_no_album_ids_changes_nothing(shelf):
    assert album_play_stats_refresh(album_ids=[]) == 0
    assert album_play_stats_refresh(album_ids=[None]) == 0
    assert stored_figures()[shelf["Third"].pk] == (9, utc(2020, 1, 1))
