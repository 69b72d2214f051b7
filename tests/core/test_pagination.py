"""The API's one way to page: keyset cursors over any order of fields, relations and annotations."""

import base64
import json
import random
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from catalog.models import Album
from catalog.selectors.collection import SORTS, owned_albums
from core.pagination import CursorError, _keys, _signature, keyset_page
from tests.factories import make_album, make_artist, make_copy

pytestmark = pytest.mark.django_db


def walk(queryset, limit: int) -> list[int]:
    """Every id, page after page, as a client following next_cursor would see them."""
    seen, cursor = [], ""
    while True:
        rows, cursor = keyset_page(queryset, cursor=cursor, limit=limit)
        seen += [row.pk for row in rows]
        if cursor is None:
            return seen


@pytest.fixture
def shelf():
    """Albums with ties, missing years, missing artists and missing last plays: the keys' hard cases."""
    rng = random.Random(7)
    artists = [make_artist(name) for name in ("Air", "Björk", "Can")]
    now = timezone.now()
    for number in range(37):
        album = make_album(
            f"Album {rng.randint(1, 6)}", rng.choice(artists), year=rng.choice([None, 1971, 1997, 1997]),
            play_count=rng.choice([0, 0, 3, 12]),
            last_played_at=rng.choice([None, now - timedelta(days=rng.randint(1, 3))]),
        )
        if number % 9 == 0:
            Album.objects.filter(pk=album.pk).update(artist=None)
        make_copy(album, instance_id=number + 1, date_added=rng.choice([None, now - timedelta(days=rng.randint(1, 4))]))


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("limit", [1, 4, 36, 37, 500])
def test_walking_the_pages_gives_every_row_once_in_order(shelf, sort, limit):
    albums = owned_albums(sort=sort)
    assert walk(albums, limit) == [album.pk for album in albums]


def test_a_page_does_not_shift_when_rows_are_added_in_front(shelf):
    albums = owned_albums(sort="plays")
    first, cursor = keyset_page(albums, cursor="", limit=10)
    expected, _ = keyset_page(albums, cursor=cursor, limit=10)
    make_copy(make_album("Newly bought", play_count=10**6), instance_id=999)  # sorts first
    again, _ = keyset_page(owned_albums(sort="plays"), cursor=cursor, limit=10)
    assert [a.pk for a in again] == [a.pk for a in expected]


def test_the_last_page_has_no_cursor_and_an_empty_list_neither(shelf):
    rows, cursor = keyset_page(owned_albums(sort="title"), cursor="", limit=37)
    assert len(rows) == 37 and cursor is None
    assert keyset_page(Album.objects.none().order_by("id"), cursor="", limit=5) == ([], None)


def test_a_cursor_of_another_order_or_a_forged_one_is_refused(shelf):
    _, cursor = keyset_page(owned_albums(sort="title"), cursor="", limit=5)
    with pytest.raises(CursorError, match="for this list and order"):
        keyset_page(owned_albums(sort="year"), cursor=cursor, limit=5)
    for forged in ("garbage!", "bm90IGpzb24", "WyJhYmMiXQ", cursor[:-3], "\x00"):
        with pytest.raises(CursorError):
            keyset_page(owned_albums(sort="title"), cursor=forged, limit=5)


def test_a_cursor_with_a_value_of_the_wrong_type_is_refused(shelf):
    albums = owned_albums(sort="year")
    signature = _signature(_keys(albums))
    for values in (["not a year", "x", 1], [1997, "x", 2**63], [1997, "x", 2**70],
                   [1997, ["x"], 1], [{"deep": [[[]]]}, "x", 1]):
        forged = base64.urlsafe_b64encode(json.dumps([signature, *values]).encode()).decode()
        with pytest.raises(CursorError):
            keyset_page(albums, cursor=forged, limit=5)
    at_the_edge = base64.urlsafe_b64encode(json.dumps([signature, 1997, "x", 2**63 - 1]).encode()).decode()
    assert keyset_page(albums, cursor=at_the_edge, limit=5)


def test_an_order_that_is_not_total_or_hides_its_nulls_is_a_programming_error(shelf):
    with pytest.raises(ValueError, match="primary key"):
        keyset_page(Album.objects.order_by("title"), cursor="", limit=5)
    with pytest.raises(ValueError, match="nulls_last"):  # SQLite and PostgreSQL put NULLs on opposite ends
        keyset_page(Album.objects.filter(year__isnull=True).order_by("year", "id"), cursor="", limit=1)
    assert keyset_page(Album.objects.order_by(F("year").asc(nulls_last=True), "id"), cursor="", limit=1)[1]
