"""Read-side queries of the catalog: the collection's summary and sorts."""

import pytest
from django.utils import timezone

from catalog.selectors.collection import collection_summary, owned_albums
from tests.factories import make_album, make_artist, make_copy, utc

pytestmark = pytest.mark.django_db


def test_it_counts_present_copies_albums_and_formats():
    artist = make_artist("Portishead")
    dummy = make_album("Dummy", artist, format="Vinyl")
    third = make_album("Third", artist, format="CD")
    make_copy(dummy, instance_id=1)
    make_copy(dummy, instance_id=2)
    make_copy(third, instance_id=3, removed_at=timezone.now())
    summary = collection_summary()
    assert (summary.copies, summary.albums, summary.artists) == (2, 1, 1)
    assert summary.formats == [{"format": "Vinyl", "copies": 2}]
    albums = list(owned_albums())
    assert [a.title for a in albums] == ["Dummy"] and albums[0].copy_count == 2


def test_it_sorts_the_collection():
    a = make_album("Zebra", make_artist("Beach House"), year=2010)
    b = make_album("Apple", make_artist("Air"), year=1998)
    make_copy(a, instance_id=1, date_added=utc(2024, 1, 1))
    make_copy(b, instance_id=2, date_added=utc(2024, 6, 1))
    assert [x.title for x in owned_albums(sort="added")] == ["Apple", "Zebra"]
    assert [x.title for x in owned_albums(sort="title")] == ["Apple", "Zebra"]
    assert [x.title for x in owned_albums(sort="year")] == ["Zebra", "Apple"]
    assert [x.title for x in owned_albums(sort="artist")] == ["Apple", "Zebra"]
