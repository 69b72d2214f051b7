"""The year in review against a small history whose every figure can be checked by hand."""

import pytest

from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.selectors.analytics import analytics_overview, unknown_play_ms
from tracker.selectors.periods import period_parse
from tracker.selectors.year_review import year_in_range, year_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    portishead, massive, bjork = make_artist("Portishead"), make_artist("Massive Attack"), make_artist("Björk")
    dummy = make_album("Dummy", portishead, year=1994)
    mezzanine = make_album("Mezzanine", massive, year=1998)
    roads = make_track("Roads", dummy, duration_ms=305_000)
    teardrop = make_track("Teardrop", mezzanine, duration_ms=330_000)
    joga = make_track("Jóga", artist=bjork)
    make_scrobble(roads, utc(2023, 6, 1, 12))  # the year before: Portishead is no discovery in 2024
    # 23:30 UTC on 31 December is 00:30 on 1 January in Berlin: a play of 2024.
    make_scrobble(roads, utc(2023, 12, 31, 23, 30), ms_played=300_000)
    make_scrobble(teardrop, utc(2024, 3, 30, 20), ms_played=330_000)
    # The clocks go forward on 31 March 2024: 22:30 UTC is 00:30 on 1 April in Berlin.
    make_scrobble(teardrop, utc(2024, 3, 31, 22, 30))
    make_scrobble(joga, utc(2024, 3, 31, 22, 40))
    make_scrobble(joga, utc(2024, 12, 31, 23, 30))  # 00:30 on 1 January 2025: next year's
    vinyl = make_album("Mezzanine (Vinyl)", massive, listened_album=mezzanine, discogs_release_id=10)
    make_copy(vinyl, instance_id=1, date_added=utc(2024, 4, 2, 10))
    make_copy(make_album("Homogenic", bjork, discogs_release_id=11), instance_id=2, date_added=utc(2024, 5, 1))
    make_copy(dummy, instance_id=3, date_added=utc(2023, 1, 1))  # bought the year before
    return {"roads": roads, "teardrop": teardrop, "joga": joga, "mezzanine": mezzanine, "vinyl": vinyl,
            "massive": massive, "bjork": bjork}


def test_the_years_figures_count_local_days(history):
    review = year_review(year=2024)
    assert review.plays == 4
    assert review.previous_plays == 1
    assert review.change == 300
    # Two plays of known length (300 s + 330 s), two estimated.
    assert review.minutes == round((300_000 + 330_000 + 2 * unknown_play_ms()) / 60_000)
    # The overview of the same year says the same.
    assert review.minutes == analytics_overview(period=period_parse({"period": "2024"})).totals.current.minutes
    assert review.estimated_share == 50
    assert review.days_played == 3  # 1 January, 30 March, 1 April
    assert [m["value"] for m in review.months] == [1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0]
    assert review.peak_day[0].isoformat() == "2024-04-01" and review.peak_day[1] == 2
    assert review.years == [2025, 2024, 2023]


def test_the_tops_and_the_discoveries_of_the_year(history):
    review = year_review(year=2024)
    assert [(row.obj.title, row.plays) for row in review.top_tracks] == [("Teardrop", 2), ("Roads", 1),
                                                                        ("Jóga", 1)]  # ties by id
    assert [(row.obj.name, row.plays) for row in review.top_artists][0] == ("Massive Attack", 2)
    assert review.discoveries_count == 2  # Massive Attack and Björk; Portishead was heard in 2023
    found = {d.artist.name: d for d in review.discoveries}
    assert set(found) == {"Massive Attack", "Björk"}
    assert found["Massive Attack"].first_track == "Teardrop"
    assert found["Björk"].plays == 2  # all-time plays, 2025's too


def test_records_bought_in_the_year_with_their_plays_and_the_listens_before(history):
    review = year_review(year=2024)
    assert review.bought_count == 2
    bought = {b.album.title: b for b in review.bought}
    assert list(bought) == ["Homogenic", "Mezzanine (Vinyl)"]  # newest first
    # The vinyl is an edition of Mezzanine: its listened album's plays count, and they came first.
    assert bought["Mezzanine (Vinyl)"].plays_in_year == 2
    assert bought["Mezzanine (Vinyl)"].first_heard_at == utc(2024, 3, 30, 20)
    assert bought["Mezzanine (Vinyl)"].days_heard_before == 2
    assert bought["Homogenic"].plays_in_year == 0 and bought["Homogenic"].first_heard_at is None
    assert [b.album.title for b in review.led_to_purchase] == ["Mezzanine (Vinyl)"]


def test_a_year_without_plays_and_the_years_that_can_be_asked_for(history):
    review = year_review(year=2019)
    assert (review.plays, review.top_tracks, review.peak_day, review.bought) == (0, [], None, [])
    assert review.change is None
    assert not year_in_range(1) and not year_in_range(9998) and not year_in_range(9999)
    assert year_in_range(2) and year_in_range(9997)
    assert year_review(year=9997).plays == 0


def test_the_page_shows_the_year_and_its_empty_state(history, owner_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        page = owner_client.get("/analytics/year/2024/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "2024 in review" in text and "Teardrop" in text and "Mezzanine (Vinyl)" in text
    assert "heard 2 days before" in text
    assert 'href="/timeline/?date=2024-04-01"' in text
    empty = owner_client.get("/analytics/year/2019/").content.decode()
    assert "No plays in 2019" in empty and 'href="/analytics/year/2025/"' in empty
    assert owner_client.get("/analytics/year/9999/").status_code == 404
    assert owner_client.get("/analytics/year/99999999999999999999/").status_code == 404
    assert owner_client.get("/analytics/year/").url == "/analytics/year/2025/"


def test_the_newest_year_is_this_year_before_the_first_play(owner_client):
    from django.utils import timezone

    assert owner_client.get("/analytics/year/").url == f"/analytics/year/{timezone.localdate().year}/"
    page = owner_client.get(f"/analytics/year/{timezone.localdate().year}/")
    assert page.status_code == 200 and "A review appears once there are plays" in page.content.decode()


def test_the_api_gives_the_pages_figures_to_a_token(history, owner):
    from django.test import Client

    from core.models import ApiToken

    _token, raw = ApiToken.issue(user=owner, name="automation")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api.get("/api/v1/analytics/year/2024").json()
    review = year_review(year=2024)
    assert (body["plays"], body["minutes"], body["days_played"]) == (review.plays, review.minutes, 3)
    assert (body["peak_day"], body["peak_day_plays"]) == ("2024-04-01", 2)
    assert [t["name"] for t in body["top_tracks"]] == [row.obj.title for row in review.top_tracks]
    assert [b["title"] for b in body["bought"]] == ["Homogenic", "Mezzanine (Vinyl)"]
    assert body["bought"][1]["first_heard_at"].startswith("2024-03-30T20:00")
    assert api.get("/api/v1/analytics/year/9999").json() == {"detail": "No review of that year"}
    assert Client().get("/api/v1/analytics/year/2024").status_code == 401
