"""The habits page: who may see it, its empty states, its figures, its tables and their CSV files,
a bad period, escaping, and a number of queries that does not grow with the rows."""

import csv
import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from web.charts import bump_geometry

pytestmark = pytest.mark.django_db

URL = reverse("analytics_habits")
Q1 = "period=custom&from=2025-01-01&to=2025-03-31"
CSV_KEYS = ["discoveries-months", "discoveries", "streaks", "sessions", "ranks", "on-this-day"]


class Tables(HTMLParser):
    """The text of every `<table data-table=...>`: {key: [header row, *rows]}."""

    def __init__(self):
        super().__init__()
        self.tables, self.key, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.key = attrs["data-table"]
            self.tables[self.key] = []
        elif self.key and tag == "tr":
            self.row = []
        elif self.key and tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.key = None
        elif self.key and tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif self.key and tag == "tr" and self.row is not None:
            if not (len(self.row) == 1 and self.row[0] == "Nothing to list."):
                self.tables[self.key].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def tables_of(html: str) -> dict:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def earlier_year():
    """Today's month and day in an earlier year (four years back on 29 February)."""
    today = timezone.localdate()
    return today.replace(year=today.year - (4 if (today.month, today.day) == (2, 29) else 1))


@pytest.fixture
def history():
    """Jan-Mar 2025: Air (discovered 10 Jan), Beak (3 Mar), Can (known since 2024)."""
    air, beak, can = make_artist("Air"), make_artist("Beak"), make_artist("Can")
    tracks = {a.name: make_track(f"{a.name} song", make_album(f"{a.name} LP", a), duration_ms=300_000)
              for a in (air, beak, can)}
    make_scrobble(tracks["Can"], utc(2024, 12, 1, 12))
    make_scrobble(tracks["Air"], utc(2025, 1, 10, 9))
    make_scrobble(tracks["Air"], utc(2025, 1, 10, 9, 20))
    make_scrobble(tracks["Can"], utc(2025, 1, 11, 9))
    make_scrobble(tracks["Can"], utc(2025, 1, 12, 9))
    make_scrobble(tracks["Beak"], utc(2025, 3, 3, 22))
    return tracks


def test_anonymous_visitor_is_redirected_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_says_how_to_bring_history_in_on_an_empty_database(owner_client):
    html = owner_client.get(URL).content.decode()
    assert "<h1>Listening habits</h1>" in html
    assert "python manage.py import_history PATH" in html


def test_it_shows_an_empty_state_for_a_period_without_plays(owner_client, history):
    response = owner_client.get(f"{URL}?period=2023")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No plays in this period" in html
    assert "Discoveries" not in html and "<svg class=\"bump\"" not in html


def test_it_shows_the_error_and_the_default_period_for_a_bad_one(owner_client, history):
    response = owner_client.get(f"{URL}?period=nonsense")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown period" in html and 'role="alert"' in html
    assert response.context["period"].key == "30d"


def test_it_shows_each_figure_of_the_period(owner_client, history):
    response = owner_client.get(f"{URL}?{Q1}")
    html = response.content.decode()
    tables = tables_of(html)
    assert response.status_code == 200
    assert 'aria-current="page">Habits</a>' in html
    assert tables["discoveries-months"] == [["Month", "New artists"], ["Jan 2025", "1"], ["Feb 2025", "0"],
                                            ["Mar 2025", "1"]]
    assert tables["discoveries"][1:] == [["2025-03-03 22:00", "Beak", "Beak song"],
                                         ["2025-01-10 09:00", "Air", "Air song"]]
    streaks = {row[0]: row[1:] for row in tables["streaks"][1:]}
    assert streaks["Longest listening streak"] == ["", "3 days", "2025-01-10", "2025-01-12"]
    assert streaks["Longest run of one artist"] == ["Air", "2 plays", "2025-01-10 09:00", "2025-01-10 09:20"]
    # Four sessions: 10 Jan (9:00-9:25), 11 Jan, 12 Jan, 3 Mar, of 25, 5, 5 and 5 minutes.
    assert tables["sessions"][1:] == [["< 15 min", "3"], ["15–30 min", "1"], ["30–60 min", "0"], ["1–2 h", "0"],
                                      ["2–4 h", "0"], ["> 4 h", "0"]]
    assert "1.0 per listening day" in html and "10 min" in html  # 4 sessions, 4 days; 40 min / 4
    assert tables["ranks"] == [["Artist", "Plays", "Jan 2025", "Feb 2025", "Mar 2025"],
                               ["Air", "2", "1", "–", "–"], ["Can", "2", "2", "–", "–"],
                               ["Beak", "1", "–", "–", "1"]]
    assert "<polyline" in html and "<title>Air: #1 in Jan 2025, 2 plays</title>" in html
    assert "<title>Jan 2025: 1</title>" in html


@pytest.mark.parametrize("key", CSV_KEYS)
def test_the_csv_file_holds_the_rows_of_the_table(owner_client, history, key):
    earlier = earlier_year()
    make_scrobble(history["Air"], utc(earlier.year, earlier.month, earlier.day, 12))
    page = tables_of(owner_client.get(f"{URL}?{Q1}").content.decode())
    response = owner_client.get(f"{URL}?{Q1}&csv={key}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"habits-{key}-custom.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == page[key]
    assert len(rows) > 1


def test_the_csv_of_an_empty_period_has_only_its_header(owner_client, history):
    rows = list(csv.reader(io.StringIO(owner_client.get(f"{URL}?period=2023&csv=discoveries").content.decode())))
    assert rows == [["First heard", "Artist", "First track"]]


def test_it_lists_this_day_in_earlier_years(owner_client, history):
    earlier = earlier_year()
    make_scrobble(history["Beak"], utc(earlier.year, earlier.month, earlier.day, 12))
    make_scrobble(history["Beak"], utc(earlier.year, earlier.month, earlier.day, 13))
    tables = tables_of(owner_client.get(URL).content.decode())
    assert tables["on-this-day"][1:] == [[earlier.isoformat(), "2", "Beak – Beak song (2)"]]


def test_it_escapes_names_from_outside(owner_client):
    artist = make_artist("<script>alert(1)</script>")
    make_scrobble(make_track("<b>x</b>", artist=artist), timezone.now() - timedelta(hours=1))
    html = owner_client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_its_queries_do_not_grow_with_the_discoveries(owner_client, history):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(f"{URL}?{Q1}").status_code == 200
        return len(queries)

    before = count()
    for index in range(12):
        make_scrobble(make_track(f"Song {index}", artist=make_artist(f"Band {index}")), utc(2025, 2, 1 + index, 12))
    assert count() == before


def test_the_bump_chart_breaks_a_line_where_the_artist_had_no_play():
    chart = bump_geometry(ticks=["Jan", "Feb", "Mar"], titles=["Jan 2025", "Feb 2025", "Mar 2025"], ranks=2,
                          lines=[{"name": "Air", "ranks": [1, None, 2], "values": [3, 0, 1]},
                                 {"name": "Beak", "ranks": [2, 1, 1], "values": [1, 2, 2]}])
    air, beak = chart["lines"]
    assert air["segments"] == ["26,14", "98,36"] and len(beak["segments"]) == 1
    assert beak["segments"][0] == "26,36 62,14 98,14"
    assert [p["title"] for p in air["points"]] == ["Air: #1 in Jan 2025, 3 plays", "Air: #2 in Mar 2025, 1 play"]
    assert [m["rank"] for m in chart["rank_marks"]] == [1, 2]
