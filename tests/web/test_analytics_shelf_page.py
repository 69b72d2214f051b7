"""The "Shelf & sound" analytics page: who may see it, its views and empty states, CSV downloads equal
to its tables, a bad period, and a fixed number of queries."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import AlbumTag, Tag
from tests.factories import make_album, make_artist, make_copy, make_label, make_scrobble, make_track, utc
from tracker.selectors.shelf import TABLES

pytestmark = pytest.mark.django_db

URL = "/analytics/shelf/"
PERIOD = {"period": "custom", "from": "2024-01-15", "to": "2024-03-10"}


@pytest.fixture
def library(db):
    """An owned remaster linked to the listened Dummy (3 plays in PERIOD, 1 of its own), an owned
    Third never played, and a Pink Moon played twice but not owned (no year, no label)."""
    portishead, drake = make_artist("Portishead"), make_artist("Nick Drake")
    dummy = make_album("Dummy", portishead, year=1994)
    remaster = make_album("Dummy (Remastered)", portishead, year=2014, label=make_label("Go! Beat"),
                          discogs_release_id=101, listened_album=dummy)
    third = make_album("Third", portishead, year=2008, discogs_release_id=505)
    pink = make_album("Pink Moon", drake)
    AlbumTag.objects.create(album=remaster, tag=Tag.objects.create(name="Trip Hop"), weight=100)
    make_copy(remaster, 1, date_added=utc(2024, 2, 1, 12))
    make_copy(third, 2, date_added=utc(2022, 1, 1))
    roads = make_track("Roads", dummy)
    for when in [utc(2024, 1, 20), utc(2024, 2, 5)]:
        make_scrobble(roads, when)
    make_scrobble(make_track("Roads", remaster), utc(2024, 2, 2))
    pink_moon = make_track("Pink Moon", pink)
    make_scrobble(pink_moon, utc(2024, 2, 11))
    make_scrobble(pink_moon, utc(2024, 3, 1))
    return {"dummy": dummy, "remaster": remaster, "pink": pink}


class Tables(HTMLParser):
    """Each <table>'s rows of cell texts, by the CSV link that follows it."""

    def __init__(self):
        super().__init__()
        self.tables, self.pending, self.current, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.current = []
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = ""
        elif tag == "a" and self.pending is not None and "csv=" in (attrs.get("href") or ""):
            self.tables[attrs["href"].split("csv=")[1]] = self.pending
            self.pending = None

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.current[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.pending, self.current = self.current, None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def page_tables(response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def test_anonymous_user_is_redirected_to_login(client, library):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(URL, {"csv": "tags"}).status_code == 302


def test_it_is_the_analytics_shelf_url(owner_client):
    assert reverse("analytics_shelf") == URL
    assert 'aria-current="page">Shelf &amp; sound' in owner_client.get(URL).content.decode()


def test_it_shows_every_view_of_the_period(owner_client, library):
    response = owner_client.get(URL, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ["Top genres &amp; tags", "Top labels", "Genres over the years", "Release era", "Owned vs played",
                    "Most played records you own", "Played most, not owned", "Owned, never played",
                    "Before and after buying"]:
        assert heading in html, heading
    assert "5 plays in this period" in html
    assert "<title>Trip Hop: 3 plays, 60.0 %</title>" in html
    assert "<title>2024 · Trip Hop: 100.0 % (3 plays)</title>" in html
    assert "<strong>60.0 %</strong> of this period's plays are of records you own (3 of 5)" in html
    assert 'href="https://www.discogs.com/search/?q=Nick+Drake+Pink+Moon&amp;type=release"' in html
    assert f'href="{reverse("album_detail", args=[library["remaster"].pk])}"' in html
    tables = page_tables(response)
    assert tables["owned_top"][1:] == [["Dummy (Remastered)", "Portishead", "3", "2024-02-01"]]
    assert tables["never_played"][1:] == [["Third", "Portishead", "2022-01-01"]]
    assert tables["eras"][1:] == [["1990s", "2", "40.0"], ["2010s", "1", "20.0"], ["Unknown", "2", "40.0"]]
    assert tables["added"][1:] == [["Dummy (Remastered)", "Portishead", "2024-02-01", "1", "2"],
                                   ["Third", "Portishead", "2022-01-01", "0", "0"]]


def test_each_csv_download_equals_its_table(owner_client, library):
    tables = page_tables(owner_client.get(URL, PERIOD))
    assert set(tables) == set(TABLES)
    for key in TABLES:
        response = owner_client.get(URL, {**PERIOD, "csv": key})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f'filename="shelf-{key}-custom.csv"' in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == tables[key], key
        assert len(rows) > 1, key


def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted(owner_client, db):
    album = make_album("=HYPERLINK(1)", make_artist("Someone"))
    make_scrobble(make_track("Song", album), utc(2024, 2, 3))
    rows = list(csv.reader(io.StringIO(owner_client.get(URL, {"period": "2024", "csv": "buy"}).content.decode())))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_a_bad_period_shows_the_error_and_the_default_period(owner_client, library):
    response = owner_client.get(URL, {"period": "soon"})
    assert response.status_code == 200
    assert response.context["period"].key == "30d"
    html = response.content.decode()
    assert 'role="alert">Unknown period &#x27;soon&#x27;' in html and "showing the last 30 days." in html


def test_an_empty_period_says_what_to_do(owner_client, library):
    response = owner_client.get(URL, {"period": "2010"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No plays in this period" in html and "?period=all" in html
    assert "Owned vs played" in html and "Played most, not owned" not in html


def test_without_a_collection_it_points_to_the_discogs_sync(owner_client, db):
    album = make_album("Mezzanine", make_artist("Massive Attack"), year=1998)
    make_scrobble(make_track("Angel", album), utc(2024, 2, 3))
    html = owner_client.get(URL, {"period": "2024"}).content.decode()
    assert "No records in the collection yet" in html and "Sync Discogs" in html
    assert f'href="{reverse("settings")}#discogs"' in html and "python manage.py sync_discogs" in html
    assert "Most played records you own" not in html and "Mezzanine" in html  # still on the buy list


def test_without_tags_or_labels_it_says_where_they_come_from(owner_client, db):
    album = make_album("Mezzanine", make_artist("Massive Attack"))
    make_scrobble(make_track("Angel", album), utc(2024, 2, 3))
    html = owner_client.get(URL, {"period": "2024"}).content.decode()
    assert "No tags for these plays yet" in html and "python manage.py enrich" in html
    assert "No labels for these plays yet" in html and "--provider label_resolver" in html


def test_without_history_it_shows_how_to_bring_it_in(owner_client, db):
    html = owner_client.get(URL).content.decode()
    assert "LASTFM_USERNAME" in html and "python manage.py import_history PATH" in html


def test_it_reads_a_fixed_number_of_queries(owner_client, library):
    with CaptureQueriesContext(connection) as small:
        owner_client.get(URL, PERIOD)
    for n in range(10):
        album = make_album(f"Album {n}", make_artist(f"Artist {n}"), year=1980 + n, discogs_release_id=900 + n)
        make_copy(album, 10 + n, date_added=utc(2024, 1, 1 + n))
        make_scrobble(make_track(f"Track {n}", album), utc(2024, 2, 1 + n))
    with CaptureQueriesContext(connection) as large:
        response = owner_client.get(URL, PERIOD)
    assert "Album 9" in response.content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)


def test_it_says_when_only_the_most_played_albums_are_counted(owner_client, library, monkeypatch):
    from tracker.selectors import shelf

    assert 'id="shelf-counted"' not in owner_client.get(URL, PERIOD).content.decode()
    monkeypatch.setattr(shelf, "ALBUMS", 1)  # Dummy (2 plays, ties with Pink Moon: the lower id) of 5
    html = owner_client.get(URL, PERIOD).content.decode()
    assert ("count the 1 most played albums of this period, 40.0 % of its album plays: the 3 plays of the "
            "other albums are left out") in html
    assert "<title>Trip Hop: 2 plays, 100.0 %</title>" in html  # of the 2 plays counted
