"""Shelf & sound: tags, labels, years and eras of a period's plays, and the collection against them,
each figure checked by hand against a small library (see `library` for the sums)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import AlbumTag, ArtistTag, Tag
from tests.factories import make_album, make_artist, make_copy, make_label, make_scrobble, make_track, utc
from tracker.selectors import shelf
from tracker.selectors.periods import period_from_query

pytestmark = pytest.mark.django_db


def period(**query):
    found, error = period_from_query(query, today=date(2026, 12, 2))
    assert not error
    return found


# 15 Jan to 10 Mar 2024: a cut January, a whole February, a cut March.
PERIOD = {"period": "custom", "from": "2024-01-15", "to": "2024-03-10"}


def tag(owner, name, weight, source="discogs"):
    model = AlbumTag if hasattr(owner, "title") else ArtistTag
    found = Tag.objects.filter(name=name).first() or Tag.objects.create(name=name)
    model.objects.create(**{"album" if model is AlbumTag else "artist": owner}, tag=found, weight=weight,
                         source=source)


@pytest.fixture
def library(db):
    """Plays in PERIOD: Dummy 3 (listened album of the owned remaster) + the remaster 2 + Moon Safari 2
    + Untitled 2 + Pink Moon 4 + one play without an album = 14; of all time 18.

    - Dummy (1994, no label, no tags of its own) takes its owned edition's tags (Trip Hop, Downtempo)
      and label (Go! Beat), not its artist's tag (Bristol).
    - Moon Safari (1998, Virgin): Downtempo counts at 95 (Last.fm) over 40 (Discogs), so its top three
      are Electronic, Downtempo, Pop, and Ambient (50) is left out.
    - Untitled: no year, no label, no tag. Pink Moon (1972): its artist's tag (Folk) and principal
      label (Island); its only copy was removed, so it is not owned.
    """
    go_beat, virgin, island = make_label("Go! Beat"), make_label("Virgin"), make_label("Island")
    portishead = make_artist("Portishead")
    air, beak = make_artist("Air"), make_artist("Beak>")
    drake = make_artist("Nick Drake", principal_label=island)
    massive = make_artist("Massive Attack")
    dummy = make_album("Dummy", portishead, year=1994)
    remaster = make_album("Dummy (Remastered)", portishead, year=2014, label=go_beat, discogs_release_id=101,
                          listened_album=dummy)
    moon = make_album("Moon Safari", air, year=1998, label=virgin, discogs_release_id=202)
    untitled = make_album("Untitled", beak)
    pink = make_album("Pink Moon", drake, year=1972, discogs_release_id=404)
    third = make_album("Third", portishead, year=2008, discogs_release_id=505)
    blue = make_album("Blue Lines", massive, year=1991, discogs_release_id=606)
    tag(remaster, "Trip Hop", 100)
    tag(remaster, "Downtempo", 80)
    tag(portishead, "Bristol", 100, source="lastfm")
    for name, weight in [("Electronic", 100), ("Pop", 60), ("Downtempo", 40), ("Ambient", 50)]:
        tag(moon, name, weight)
    tag(moon, "Downtempo", 95, source="lastfm")
    tag(drake, "Folk", 100, source="lastfm")

    make_copy(remaster, 1, date_added=utc(2024, 2, 1, 12))
    make_copy(moon, 2, date_added=utc(2023, 6, 1))
    make_copy(third, 3, date_added=utc(2022, 1, 1))
    make_copy(blue, 4, date_added=None)
    make_copy(pink, 5, date_added=utc(2021, 1, 1), removed_at=utc(2023, 1, 1))

    roads, remaster_roads = make_track("Roads", dummy), make_track("Roads", remaster)
    for when in [utc(2023, 5, 1), utc(2024, 1, 10), utc(2024, 1, 20), utc(2024, 2, 5), utc(2024, 2, 6),
                 utc(2024, 3, 12)]:
        make_scrobble(roads, when)
    make_scrobble(remaster_roads, utc(2024, 2, 1, 10))  # before its copy was added, that same day
    make_scrobble(remaster_roads, utc(2024, 2, 1, 13))  # after
    sexy_boy = make_track("Sexy Boy", moon)
    for when in [utc(2023, 12, 31), utc(2024, 2, 10), utc(2024, 3, 5)]:
        make_scrobble(sexy_boy, when)
    beak_track = make_track("Yatton", untitled)
    make_scrobble(beak_track, utc(2024, 1, 31, 23))
    make_scrobble(beak_track, utc(2024, 2, 20))
    pink_moon = make_track("Pink Moon", pink)
    for day in (11, 12, 13, 14):
        make_scrobble(pink_moon, utc(2024, 2, day))
    make_scrobble(make_track("Sour Times (single)", artist=portishead), utc(2024, 2, 15))
    return {"dummy": dummy, "remaster": remaster, "moon": moon, "untitled": untitled, "pink": pink,
            "third": third, "blue": blue}


def bars(rows):
    return [(bar.label, bar.plays, bar.share) for bar in rows]


def texts(table):
    return table.csv_rows()[1:]


def test_it_counts_the_periods_plays_whole_months_and_cut_ones(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    assert view.plays == 14 and view.album_plays == 13


def test_it_ranks_tags_by_plays_through_album_edition_and_artist_tags(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    assert bars(view.tags) == [("Downtempo", 7, 50.0), ("Trip Hop", 5, 35.7), ("Folk", 4, 28.6),
                               ("Electronic", 2, 14.3), ("Pop", 2, 14.3)]
    assert view.untagged_plays == 3  # Untitled's two and the play without an album
    assert texts(view.tables["tags"])[0] == ["Downtempo", "7", "50.0"]


def test_it_ranks_labels_through_album_edition_and_principal_label(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    assert bars(view.labels) == [("Go! Beat", 5, 35.7), ("Island", 4, 28.6), ("Virgin", 2, 14.3)]
    assert view.unlabelled_plays == 3
    assert texts(view.tables["labels"]) == [["Go! Beat", "5", "35.7"], ["Island", "4", "28.6"],
                                            ["Virgin", "2", "14.3"]]


def test_it_counts_release_eras_with_unknown_years_last(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    assert [(bar["label"], bar["value"]) for bar in view.eras] == [
        ("1970s", 4), ("1990s", 5), ("2010s", 2), ("Unknown", 2)]
    assert texts(view.tables["eras"]) == [["1970s", "4", "30.8"], ["1990s", "5", "38.5"], ["2010s", "2", "15.4"],
                                          ["Unknown", "2", "15.4"]]


def test_it_stacks_each_years_share_of_the_top_tags_to_100_percent(library):
    view = shelf.shelf_view(period=period(period="all"))
    assert view.plays == 18
    assert view.year_tags == ["Downtempo", "Trip Hop", "Folk", "Electronic", "Pop"]
    first, second = view.years
    assert (first.year, first.plays, second.year, second.plays) == (2023, 5, 2024, 24)
    assert [(s.name, s.plays, s.share) for s in first.segments] == [
        ("Downtempo", 2, 40.0), ("Trip Hop", 1, 20.0), ("Electronic", 1, 20.0), ("Pop", 1, 20.0)]
    assert [s.start for s in first.segments] == [0, 40.0, 60.0, 80.0]
    assert texts(view.tables["years"]) == [
        ["2023", "40.0", "20.0", "0.0", "20.0", "20.0", "0.0", "5"],
        ["2024", "37.5", "29.2", "16.7", "8.3", "8.3", "0.0", "24"],
    ]


def test_it_puts_the_tags_past_the_top_into_other_tags(library, monkeypatch):
    monkeypatch.setattr(shelf, "YEAR_TAGS", 2)
    view = shelf.shelf_view(period=period(period="2023"))
    assert view.year_tags == ["Downtempo", "Electronic"]  # Electronic, Pop and Trip Hop tie at 1: by name
    assert [(s.name, s.color, s.plays, s.share) for s in view.years[0].segments] == [
        ("Downtempo", 1, 2, 40.0), ("Electronic", 2, 1, 20.0), ("Other tags", 9, 2, 40.0)]


def test_it_weighs_owned_records_against_the_periods_plays(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    owned = view.owned
    # Owned: the remaster (Dummy's plays count), Moon Safari, Third, Blue Lines; Pink Moon's copy is gone.
    assert (owned.records, owned.played_in_period, owned.never_played) == (4, 2, 2)
    assert (owned.owned_plays, owned.share) == (7, 50.0)
    assert texts(view.tables["owned_top"]) == [
        ["Dummy (Remastered)", "Portishead", "5", "2024-02-01"], ["Moon Safari", "Air", "2", "2023-06-01"]]
    assert texts(view.tables["never_played"]) == [["Third", "Portishead", "2022-01-01"],
                                                  ["Blue Lines", "Massive Attack", ""]]


def test_it_lists_the_most_played_albums_not_owned_with_a_discogs_link(library):
    rows = shelf.shelf_view(period=period(**PERIOD)).tables["buy"].rows
    assert [[cell.text for cell in row] for row in rows] == [
        ["Pink Moon", "Nick Drake", "4", "Release page"], ["Untitled", "Beak>", "2", "Search Discogs"]]
    assert rows[0][3].url == "https://www.discogs.com/release/404"
    assert rows[1][3].url == "https://www.discogs.com/search/?q=Beak%3E+Untitled&type=release"
    assert rows[0][0].album_id == library["pink"].pk


def test_it_counts_plays_before_and_after_each_record_was_added(library):
    view = shelf.shelf_view(period=period(**PERIOD))
    # The remaster, added 1 Feb 2024 12:00: before, Dummy's 2023-05-01, 01-10, 01-20 and its own 10:00
    # play; after, Dummy's 02-05, 02-06, 03-12 and its own 13:00 play.
    assert texts(view.tables["added"]) == [
        ["Dummy (Remastered)", "Portishead", "2024-02-01", "4", "4"],
        ["Moon Safari", "Air", "2023-06-01", "0", "3"],
        ["Third", "Portishead", "2022-01-01", "0", "0"],
    ]


def test_an_edition_inherits_its_editions_year_when_it_has_none(library):
    library["dummy"].year = None
    library["dummy"].save()
    eras = shelf.shelf_view(period=period(**PERIOD)).eras
    assert [(bar["label"], bar["value"]) for bar in eras] == [("1970s", 4), ("1990s", 2), ("2010s", 5),
                                                               ("Unknown", 2)]


def test_an_empty_period_has_nothing_to_rank(library):
    view = shelf.shelf_view(period=period(period="2010"))
    assert (view.plays, view.tags, view.labels, view.years, view.eras) == (0, [], [], [], [])
    assert view.owned.share == 0.0 and view.tables["owned_top"].rows == [] and view.tables["buy"].rows == []
    assert len(view.tables["never_played"].rows) == 2  # never played does not depend on the period


def test_without_a_collection_every_played_album_is_on_the_buy_list(db):
    album = make_album("Mezzanine", make_artist("Massive Attack"), year=1998)
    make_scrobble(make_track("Angel", album), utc(2024, 2, 3))
    view = shelf.shelf_view(period=period(period="2024"))
    assert view.owned is None
    assert texts(view.tables["buy"]) == [["Mezzanine", "Massive Attack", "1", "Search Discogs"]]
    assert view.tables["owned_top"].rows == view.tables["added"].rows == view.tables["never_played"].rows == []


def test_it_reads_a_fixed_number_of_queries_whatever_the_library(library):
    with CaptureQueriesContext(connection) as small:
        shelf.shelf_view(period=period(**PERIOD))
    for n in range(12):
        artist = make_artist(f"Artist {n}")
        album = make_album(f"Album {n}", artist, year=1980 + n, discogs_release_id=1000 + n)
        tag(album, f"Tag {n}", 50)
        make_copy(album, 100 + n, date_added=utc(2024, 1, 1 + n))
        make_scrobble(make_track(f"Track {n}", album), utc(2024, 1, 16 + n))
        make_scrobble(make_track(f"Other {n}", album), utc(2024, 2, 1 + n))
    with CaptureQueriesContext(connection) as large:
        view = shelf.shelf_view(period=period(**PERIOD))
    assert view.plays == 14 + 24
    assert len(large.captured_queries) == len(small.captured_queries) <= 16


def test_past_the_most_played_albums_tags_labels_and_eras_count_only_those(library, monkeypatch):
    """With more albums than ALBUMS, the attributions count the ALBUMS most played (here Pink Moon 4
    and Dummy 3 of PERIOD's 13 album plays); the shares are of the plays counted (7, and the play
    without an album), while the period's figures and the collection's stay exact."""
    monkeypatch.setattr(shelf, "ALBUMS", 2)
    view = shelf.shelf_view(period=period(**PERIOD))
    assert (view.plays, view.album_plays) == (14, 13)
    assert (view.counted_albums, view.counted_plays, view.counted_share, view.uncounted_plays) == (2, 7, 53.8, 6)
    assert bars(view.tags) == [("Folk", 4, 50.0), ("Downtempo", 3, 37.5), ("Trip Hop", 3, 37.5)]
    assert view.untagged_plays == 1
    assert bars(view.labels) == [("Island", 4, 50.0), ("Go! Beat", 3, 37.5)]
    assert texts(view.tables["eras"]) == [["1970s", "4", "57.1"], ["1990s", "3", "42.9"]]
    assert (view.owned.owned_plays, view.owned.share, view.owned.played_in_period) == (7, 50.0, 2)
    assert [row[0] for row in texts(view.tables["buy"])] == ["Pink Moon"]  # among the two counted


def test_all_time_past_the_most_played_albums_stacks_their_years(library, monkeypatch):
    monkeypatch.setattr(shelf, "ALBUMS", 2)
    view = shelf.shelf_view(period=period(period="all"))
    assert (view.plays, view.counted_albums, view.counted_plays) == (18, 2, 10)  # Dummy 6, Pink Moon 4
    assert view.year_tags == ["Downtempo", "Trip Hop", "Folk"]
    assert [(stack.year, stack.plays, [(s.name, s.plays) for s in stack.segments]) for stack in view.years] == [
        (2023, 2, [("Downtempo", 1), ("Trip Hop", 1)]),
        (2024, 14, [("Downtempo", 5), ("Trip Hop", 5), ("Folk", 4)]),
    ]


def test_every_album_counted_is_said_so(library):
    view = shelf.shelf_view(period=period(period="all"))
    assert (view.counted_albums, view.counted_plays, view.uncounted_plays) == (None, 17, 0)


def test_the_api_gives_the_pages_figures(library, owner):
    from django.test import Client

    from core.models import ApiToken

    _token, raw = ApiToken.issue(user=owner, name="automation")
    api, query = Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), "period=custom&from=2024-01-15&to=2024-03-10"
    tags = api.get(f"/api/v1/analytics/tags?{query}").json()
    assert [(t["name"], t["plays"], t["share"]) for t in tags["items"]][:2] == [("Downtempo", 7, 50.0),
                                                                               ("Trip Hop", 5, 35.7)]
    assert (tags["plays"], tags["without"], tags["counted_share"]) == (14, 3, 100.0)
    labels = api.get(f"/api/v1/analytics/labels?{query}").json()
    assert [(t["name"], t["plays"]) for t in labels["items"]] == [("Go! Beat", 5), ("Island", 4), ("Virgin", 2)]
    era = api.get(f"/api/v1/analytics/era?{query}").json()
    assert [(e["decade"], e["plays"]) for e in era["items"]] == [("1970s", 4), ("1990s", 5), ("2010s", 2),
                                                                ("Unknown", 2)]
    owned = api.get(f"/api/v1/analytics/owned-vs-played?{query}").json()
    assert (owned["records"], owned["played_in_period"], owned["never_played"], owned["share"]) == (4, 2, 2, 50.0)
    assert owned["most_played_owned"]["rows"][0] == ["Dummy (Remastered)", "Portishead", "5", "2024-02-01"]
    assert owned["buy_list"]["rows"] == [
        ["Pink Moon", "Nick Drake", "4", "https://www.discogs.com/release/404"],
        ["Untitled", "Beak>", "2", "https://www.discogs.com/search/?q=Beak%3E+Untitled&type=release"]]
    assert api.get("/api/v1/analytics/owned-vs-played?period=2024-13").status_code == 400
