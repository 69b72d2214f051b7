"""The collection page: filters, sorts, views, play counts of owned records, fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import AlbumTag, Label, Tag
from catalog.selectors.collection import collection_facets_forget
from catalog.services.collection_link import collection_link
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.services.album_plays import album_play_stats_refresh


@pytest.fixture
def shelf(db):
    """Three owned records: one played through its listened album, one played directly, one never."""
    portishead, air, beak = make_artist("Portishead"), make_artist("Air"), make_artist("Beak>")
    label = Label.objects.create(name="Go! Beat")
    dummy_listened = make_album("Dummy", portishead)
    dummy = make_album("Dummy (Remastered 2014)", portishead, year=1994, format="Vinyl", label=label,
                       discogs_release_id=1, format_descriptions="LP, Album")
    moon = make_album("Moon Safari", air, year=1998, format="CD", discogs_release_id=2)
    beak_album = make_album(">>>", beak, year=2018, format="Cassette", discogs_release_id=3)
    make_copy(dummy, instance_id=11, date_added=utc(2020, 1, 1), folder_id=2, folder_name="Living room")
    make_copy(moon, instance_id=12, date_added=utc(2023, 1, 1))
    make_copy(beak_album, instance_id=13, date_added=utc(2024, 1, 1))
    roads = make_track("Roads", dummy_listened)
    for day in range(1, 6):
        make_scrobble(roads, utc(2024, 3, day, 21))
    make_scrobble(make_track("Sexy Boy", moon), utc(2024, 4, 1, 9))
    tag = Tag.objects.create(name="Trip Hop")
    AlbumTag.objects.create(album=dummy, tag=tag)
    collection_link()
    album_play_stats_refresh()
    return {"dummy": dummy, "moon": moon, "beak": beak_album, "label": label, "listened": dummy_listened}


def titles(response):
    return [a.title for a in response.context["page"].object_list]


def test_it_counts_the_plays_of_an_owned_record_through_its_listened_album(owner_client, shelf):
    shelf["dummy"].refresh_from_db()
    assert shelf["dummy"].listened_album_id == shelf["listened"].pk
    assert shelf["dummy"].play_count == 5 and shelf["dummy"].last_played_at == utc(2024, 3, 5, 21)
    html = owner_client.get(reverse("collection")).content.decode()
    assert "5 plays" in html and "0 plays" in html


def test_it_sorts_by_plays_and_last_played(owner_client, shelf):
    assert titles(owner_client.get(reverse("collection"), {"sort": "plays"})) == [
        "Dummy (Remastered 2014)", "Moon Safari", ">>>"]
    assert titles(owner_client.get(reverse("collection"), {"sort": "last_played"})) == [
        "Moon Safari", "Dummy (Remastered 2014)", ">>>"]
    assert titles(owner_client.get(reverse("collection"), {"sort": "added"})) == [
        ">>>", "Moon Safari", "Dummy (Remastered 2014)"]


@pytest.mark.parametrize("params, expected", [
    ({"played": "never"}, [">>>"]),
    ({"played": "played", "sort": "title"}, ["Dummy (Remastered 2014)", "Moon Safari"]),
    ({"genre": "trip hop"}, ["Dummy (Remastered 2014)"]),
    ({"decade": "1990", "sort": "year"}, ["Moon Safari", "Dummy (Remastered 2014)"]),
    ({"decade": "2010"}, [">>>"]),
    ({"folder": "2"}, ["Dummy (Remastered 2014)"]),
    ({"format": "Cassette"}, [">>>"]),
    ({"q": "safari"}, ["Moon Safari"]),
    ({"decade": "nonsense", "played": "maybe", "sort": "bogus"}, [">>>", "Moon Safari", "Dummy (Remastered 2014)"]),
])
def test_it_filters_the_collection(owner_client, shelf, params, expected):
    assert titles(owner_client.get(reverse("collection"), params)) == expected


def test_it_filters_by_label(owner_client, shelf):
    assert titles(owner_client.get(reverse("collection"), {"label": shelf["label"].pk})) == ["Dummy (Remastered 2014)"]


def test_it_offers_the_facets_present_in_the_collection(owner_client, shelf):
    html = owner_client.get(reverse("collection")).content.decode()
    assert '<option value="trip hop">Trip Hop (1)</option>' in html
    assert '<option value="1990">1990s</option>' in html and "Living room (1)" in html


def test_it_shows_a_list_view_with_plays_and_last_played(owner_client, shelf):
    html = owner_client.get(reverse("collection"), {"view": "list", "sort": "plays"}).content.decode()
    assert '<table class="table collection-table">' in html
    assert "5 Mar 2024" in html and "never" in html


def test_it_answers_htmx_filter_requests_with_the_grid_fragment_only(owner_client, shelf):
    response = owner_client.get(reverse("collection"), {"format": "CD"}, HTTP_HX_REQUEST="true",
                                HTTP_HX_TARGET="collection-grid")
    html = response.content.decode()
    assert "Moon Safari" in html and "<html" not in html and "<form" not in html


def test_it_keeps_the_filters_in_the_pager_links(owner_client, shelf, monkeypatch):
    monkeypatch.setattr("catalog.selectors.collection.PAGE_SIZE", 1)
    html = owner_client.get(reverse("collection"), {"format": "", "played": "played", "sort": "plays"}).content.decode()
    assert "played=played&amp;sort=plays&amp;page=2" in html


def test_it_keeps_collection_queries_constant_as_records_grow(owner_client, shelf):
    def count():
        collection_facets_forget()  # count the filter menus' queries too
        with CaptureQueriesContext(connection) as ctx:
            owner_client.get(reverse("collection"), {"sort": "plays", "view": "list"})
        return len(ctx)

    before = count()
    artist = make_artist("Boards of Canada")
    for n in range(20):
        make_copy(make_album(f"Record {n}", artist, year=1990 + n, format="Vinyl", discogs_release_id=100 + n),
                  instance_id=100 + n)
    assert count() == before


def test_the_hourly_task_links_albums_that_appeared_since_the_sync_and_counts_their_plays(db):
    from tracker.tasks import album_play_stats_task

    band = make_artist("Band")
    release = make_album("Blue [Deluxe Edition]", band, discogs_release_id=5)
    make_copy(release, instance_id=5)
    listened = make_album("Blue", band)  # arrived later with a Last.fm play
    make_scrobble(make_track("Song", listened), utc(2024, 5, 5, 5))
    assert album_play_stats_task().startswith("1 releases linked")
    release.refresh_from_db()
    assert release.listened_album_id == listened.pk and release.play_count == 1
