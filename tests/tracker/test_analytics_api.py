"""/api/v1/analytics/…: the pages' figures as JSON, for the same periods, to a token; 400 for a bad query."""

import csv
import io

import pytest
from django.test import Client

from core.models import ApiToken
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """March 2024 in UTC: a session of three plays (Roads, Roads, Teardrop), a gap of two hours,
    then Angel; Björk first heard on 3 March."""
    portishead, massive, bjork = make_artist("Portishead"), make_artist("Massive Attack"), make_artist("Björk")
    roads = make_track("Roads", make_album("Dummy", portishead), duration_ms=300_000)
    teardrop = make_track("Teardrop", make_album("Mezzanine", massive), duration_ms=330_000)
    angel = make_track("Angel", teardrop.album, duration_ms=380_000)
    joga = make_track("Jóga", make_album("Homogenic", bjork), duration_ms=305_000)
    make_scrobble(roads, utc(2024, 3, 2, 10, 0), ms_played=300_000)
    make_scrobble(roads, utc(2024, 3, 2, 10, 5))
    make_scrobble(teardrop, utc(2024, 3, 2, 10, 30), ms_played=330_000)
    make_scrobble(angel, utc(2024, 3, 2, 12, 31))
    make_scrobble(joga, utc(2024, 3, 3, 9, 0))
    make_scrobble(roads, utc(2024, 2, 10, 9, 0))


@pytest.fixture
def api(owner):
    _token, raw = ApiToken.issue(user=owner, name="automation")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def page_csv(client, url: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).content.decode())))


def test_top_equals_the_pages_table(api, owner_client, history):
    for kind in ("artists", "albums", "tracks"):
        for by in ("plays", "time"):
            body = api.get(f"/api/v1/analytics/top?period=2024-03&kind={kind}&by={by}").json()
            table = page_csv(owner_client, f"/analytics/?period=2024-03&by={by}&csv=top-{kind}")
            assert body["period"] == {"key": "2024-03", "label": "March 2024", "start": "2024-03-01",
                                      "end": "2024-03-31"}
            assert [[str(i["rank"]), i["name"], *([] if kind == "artists" else [i["artist"]]), str(i["plays"]),
                     str(i["minutes"]), str(i["estimated_minutes"])] for i in body["items"]] == table[1:], (kind, by)
    top = api.get("/api/v1/analytics/top?period=2024-03&kind=tracks").json()["items"]
    # Ties by id.
    assert [(i["name"], i["plays"]) for i in top] == [("Roads", 2), ("Teardrop", 1), ("Angel", 1), ("Jóga", 1)]


def test_over_time_and_heatmap_equal_the_pages_tables(api, owner_client, history):
    body = api.get("/api/v1/analytics/over-time?period=2024-03").json()
    table = page_csv(owner_client, "/analytics/?period=2024-03&csv=over-time")
    assert body["step"] == "day" and [[b["start"], b["end"], str(b["plays"])] for b in body["buckets"]] == table[1:]
    assert (body["totals"]["plays"], body["previous"]["plays"], body["plays_change"]) == (5, 1, 400.0)
    assert body["previous_period"]["key"] == "2024-02"
    heatmap = api.get("/api/v1/analytics/heatmap?period=2024-03").json()
    rows = page_csv(owner_client, "/analytics/?period=2024-03&csv=heatmap")[1:]
    assert [[day, *map(str, hours)] for day, hours in zip(heatmap["weekdays"], heatmap["grid"], strict=True)] == rows
    assert heatmap["grid"][5][10] == 3 and heatmap["hours"][12] == 1  # Saturday 10:00; 12:00


def test_discoveries_streaks_and_sessions(api, history):
    found = api.get("/api/v1/analytics/discoveries?period=2024-03").json()
    assert [(d["artist"]["name"], d["first_track"]["name"]) for d in found["items"]] == [
        ("Björk", "Jóga"), ("Massive Attack", "Teardrop")]  # newest first; Portishead was heard in February
    assert found["per_month"] == [{"month": "2024-03-01", "plays": 2}]
    streaks = api.get("/api/v1/analytics/streaks?period=2024").json()
    assert streaks["listening_days"] == 3 and streaks["longest"] == {"start": "2024-03-02", "end": "2024-03-03",
                                                                        "days": 2}
    assert streaks["longest_artist_run"]["artist"]["name"] == "Portishead"  # February's Roads, then two more
    assert streaks["longest_artist_run"]["plays"] == 3
    sessions = api.get("/api/v1/analytics/sessions?period=2024-03").json()
    # 10:00, 10:05, 10:30 is one session (gaps of 5 and 25 min); 12:31 and the next morning are two more.
    assert sessions["sessions"] == 3 and sessions["longest"]["plays"] == 3
    assert sessions["longest"]["start"].startswith("2024-03-02T10:00")
    assert sessions["longest"]["minutes"] == round((30 * 60 + 330) / 60)  # to Teardrop's end
    assert sum(b["sessions"] for b in sessions["by_length"]) == 3


@pytest.mark.parametrize("url", ["/api/v1/analytics/top?period=decade", "/api/v1/analytics/top?kind=labels",
                                 "/api/v1/analytics/top?by=minutes", "/api/v1/analytics/top?limit=0",
                                 "/api/v1/analytics/top?limit=9223372036854775808",
                                 "/api/v1/analytics/over-time?period=custom&from=2024-01-01",
                                 "/api/v1/analytics/sessions?period=9999"])
def test_a_bad_query_is_a_400_with_its_reason(api, history, url):
    response = api.get(url)
    assert response.status_code in (400, 422) and response.json()["detail"], url


def test_the_analytics_api_needs_a_token_or_a_session(history):
    assert Client().get("/api/v1/analytics/top").status_code == 401
