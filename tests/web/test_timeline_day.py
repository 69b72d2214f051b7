"""The timeline: one day hour by hour with its listening clock, day navigation, the year
heatmap linking each day, and names shown as text."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}"


@pytest.fixture
def day_of_plays():
    track = make_track("Roads")
    for hour, minute in [(8, 0), (8, 30), (21, 5)]:
        make_scrobble(track, utc(2024, 5, 1, hour, minute))
    make_scrobble(track, utc(2024, 5, 2, 9, 0))
    return date(2024, 5, 1)


def test_it_shows_the_day_hour_by_hour(owner_client, day_of_plays):
    response = owner_client.get(reverse("timeline"), {"date": "2024-05-01"})
    assert [(b.hour, len(b.plays)) for b in response.context["blocks"]] == [(8, 2), (21, 1)]
    html = response.content.decode()
    assert 'href="?date=2024-04-30"' in html and 'href="?date=2024-05-02"' in html
    assert 'type="date"' in html and 'value="2024-05-01"' in html


def test_it_draws_a_listening_clock_of_that_day(owner_client, day_of_plays):
    response = owner_client.get(reverse("timeline"), {"date": "2024-05-01"})
    clock = response.context["clock"]
    assert len(clock) == 24 and clock[8]["plays"] == 2 and clock[21]["plays"] == 1 and clock[12]["plays"] == 0
    html = response.content.decode()
    assert "Listening clock" in html and html.count('class="clock-wedge') == 24
    assert "08:00: 2 plays" in html


def test_it_answers_day_navigation_with_the_day_fragment(owner_client, day_of_plays):
    response = owner_client.get(reverse("timeline"), {"date": "2024-05-02"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Listening clock" in html and "heatmap-grid" not in html


def test_it_links_every_heatmap_day_to_its_timeline(owner_client):
    track = make_track("Roads")
    yesterday = timezone.now() - timedelta(days=1)
    make_scrobble(track, yesterday)
    html = owner_client.get(reverse("timeline")).content.decode()
    day = timezone.localdate() - timedelta(days=1)
    assert f'href="/timeline/?date={day.isoformat()}"' in html


def test_it_shows_hostile_names_as_text(owner_client):
    track = make_track(HOSTILE, make_album(HOSTILE, make_artist(HOSTILE)))
    make_scrobble(track, utc(2024, 5, 1, 12, 0))
    html = owner_client.get(reverse("timeline"), {"date": "2024-05-01"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html


def test_it_renders_a_busy_day_in_pages_that_continue_as_it_scrolls(owner_client, monkeypatch):
    from tracker.selectors import timeline

    monkeypatch.setattr(timeline, "DAY_PAGE_SIZE", 4)
    track = make_track("Roads")
    plays = [make_scrobble(track, utc(2024, 5, 1, 8 + n // 3, 10 * (n % 3))) for n in range(10)]
    response = owner_client.get(reverse("timeline"), {"date": "2024-05-01"})
    assert [p.pk for p in response.context["page"].plays] == [p.pk for p in plays[:4]]
    assert response.context["day_total"] == 10  # the chart and clock count the whole day
    html = response.content.decode()
    assert 'id="day-more"' in html and 'hx-trigger="revealed"' in html and "after=" in html
    seen, page = [p.pk for p in response.context["page"].plays], response.context["page"]
    while page.next_cursor:
        more = owner_client.get(reverse("timeline"), {"date": "2024-05-01", "after": page.next_cursor, "hour": "9"},
                                HTTP_HX_REQUEST="true", HTTP_HX_TARGET="day-more")
        assert "<html" not in more.content.decode() and "heatmap" not in more.content.decode()
        page = more.context["page"]
        seen += [p.pk for p in page.plays]
    assert seen == [p.pk for p in plays]


def test_it_draws_a_new_play_into_the_cached_year_heatmap(owner_client):
    track = make_track("Roads")
    make_scrobble(track, timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    label = f"{today.day} {today:%B %Y}"
    assert f"{label}: 0 plays" in owner_client.get("/timeline/").content.decode()
    make_scrobble(track, timezone.now())
    assert f"{label}: 1 plays" in owner_client.get("/timeline/").content.decode()
