"""The analytics overview page: its views of a period, their tables and CSV downloads, who may see it."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db

VIEWS = ["top-artists", "top-albums", "top-tracks", "over-time", "heatmap"]


@pytest.fixture
def history():
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    roads = make_track("Roads", make_album("Dummy", portishead), duration_ms=300_000)
    teardrop = make_track("Teardrop", make_album("Mezzanine", massive))
    make_scrobble(roads, utc(2024, 3, 2, 10), ms_played=60_000)
    make_scrobble(roads, utc(2024, 3, 2, 11))
    make_scrobble(roads, utc(2024, 3, 9, 20))
    make_scrobble(teardrop, utc(2024, 3, 9, 21))
    make_scrobble(teardrop, utc(2023, 3, 20, 8))


class _Tables(HTMLParser):
    """The rows of each `<table data-view=…>` of a page, as text."""

    def __init__(self):
        super().__init__()
        self.tables, self._view, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-view" in attrs:
            self._view = attrs["data-view"]
            self.tables[self._view] = []
        elif self._view and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._view].append(self._row)
            self._row = None
        elif tag == "table":
            self._view = None


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_it_redirects_anonymous_visitors_to_login(client, history):
    for query in ({"period": "2024"}, {"period": "2024", "csv": "top-artists"}):
        response = client.get(reverse("analytics"), query)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_shows_every_view_of_a_period(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "2024"})
    html = response.content.decode()
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.totals.current.plays == 4 and overview.totals.previous.plays == 1
    assert overview.totals.plays_change == 300.0 and "+300.0 %" in html
    assert [row.obj.name for row in overview.tops["artists"].rows] == ["Portishead", "Massive Attack"]
    assert overview.over_time.step == "week"  # 366 days: by week
    for heading in ("Top artists", "Top albums", "Top tracks", "Plays per", "Listening clock", "Weekday × hour",
                    "Calendar"):
        assert heading in html, heading
    assert "time listened" in html and "% estimated" in html
    assert "<title>Portishead: 3 plays" in html  # values on hover
    assert set(page_tables(html)) == set(VIEWS)
    assert html.count("<summary>Table</summary>") == 5


def test_each_csv_download_equals_the_table_on_the_page(owner_client, history):
    for query in ({"period": "2024-03"}, {"period": "2024", "by": "time"}, {"period": "all"}):
        tables = page_tables(owner_client.get(reverse("analytics"), query).content.decode())
        for view in VIEWS:
            response = owner_client.get(reverse("analytics"), {**query, "csv": view})
            assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
            rows = list(csv.reader(io.StringIO(response.content.decode())))
            assert rows == tables[view], (query, view)
            assert len(rows) > 1 and rows[0][0] in ("Rank", "From", "Weekday")


def test_the_csv_is_named_after_the_view_and_the_period(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "2024", "csv": "top-artists"})
    assert response["Content-Disposition"] == 'attachment; filename="top-artists-2024.csv"'
    assert next(csv.reader(io.StringIO(response.content.decode()))) == [
        "Rank", "Artist", "Plays", "Minutes", "Estimated minutes"]
    custom = owner_client.get(reverse("analytics"), {"period": "custom", "from": "2024-03-01", "to": "2024-03-09",
                                                     "csv": "over-time"})
    assert 'filename="over-time-2024-03-01-to-2024-03-09.csv"' in custom["Content-Disposition"]


def test_an_unknown_csv_view_is_a_clear_error(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "2024", "csv": "everything"})
    assert response.status_code == 400 and b"top-artists" in response.content


def test_it_ranks_by_time_and_keeps_by_in_the_period_links(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "2024-03", "by": "time"})
    html = response.content.decode()
    assert response.context["by"] == "time"
    # Teardrop: 210 s (no length known), Roads: 60 + 2 x 300 s
    assert [row.obj.title for row in response.context["overview"].tops["tracks"].rows] == ["Roads", "Teardrop"]
    start = html.index('<form class="period-picker"')
    picker = html[start:html.index("</form>", start)]
    period_links = re.findall(r'href="/analytics/\?(period=[^"]*)"', picker)
    assert period_links and all("by=time" in link for link in period_links), period_links
    assert '<input type="hidden" name="by" value="time">' in picker  # a year, month or range asked for keeps it
    assert 'href="?period=2024-03&amp;by=plays"' in html  # the toggle keeps the period
    assert 'aria-current="page">By time listened' in html


def test_an_empty_period_shows_the_empty_state(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "2010"})
    html = response.content.decode()
    assert response.status_code == 200 and "No plays in this period" in html
    assert "Top artists" not in html and 'class="period-picker"' in html


def test_without_history_it_explains_how_to_bring_it_in(owner_client):
    html = owner_client.get(reverse("analytics")).content.decode()
    assert "python manage.py import_history PATH" in html and "LASTFM_API_KEY" in html


def test_a_bad_period_shows_the_error_and_the_default_period(owner_client, history):
    response = owner_client.get(reverse("analytics"), {"period": "forever", "by": "sideways"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["period"].key == "30d" and response.context["by"] == "plays"
    assert 'class="form-error" role="alert">Unknown period' in html


def test_it_escapes_names_in_charts_tables_and_csv(owner_client):
    hostile = "<script>alert(1)</script>"
    make_scrobble(make_track(hostile, make_album(hostile, make_artist(hostile))), utc(2024, 3, 2, 10))
    html = owner_client.get(reverse("analytics"), {"period": "2024"}).content.decode()
    assert hostile not in html and "&lt;script&gt;" in html
    assert hostile in owner_client.get(reverse("analytics"), {"period": "2024", "csv": "top-tracks"}).content.decode()
