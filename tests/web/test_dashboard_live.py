"""The dashboard: now playing from the tracker state (hidden once stale), refreshing itself
every 30 s with today's figures and the last plays, and names shown as text."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_album, make_artist, make_scrobble, make_track
from tracker.models import TrackerState

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}"


def playing(track, *, seen_minutes_ago: float):
    state = TrackerState.load()
    state.now_playing_track = track
    state.now_playing_since = timezone.now() - timedelta(minutes=seen_minutes_ago + 1)
    state.now_playing_seen_at = timezone.now() - timedelta(minutes=seen_minutes_ago)
    state.save()


def test_it_shows_the_track_playing_now_with_its_cover(owner_client):
    track = make_track("Teardrop", make_album("Mezzanine", make_artist("Massive Attack")))
    make_scrobble(track, timezone.now() - timedelta(minutes=30))
    playing(track, seen_minutes_ago=1)
    html = owner_client.get(reverse("dashboard")).content.decode()
    card = html.split('id="now-playing"')[1].split("</section>")[0]
    assert "Teardrop" in card and "Massive Attack" in card and 'alt="Cover of Mezzanine"' in card
    assert 'hx-trigger="every 30s"' in card


def test_it_hides_now_playing_after_ten_minutes(owner_client):
    track = make_track("Teardrop")
    make_scrobble(track, timezone.now() - timedelta(hours=1))
    playing(track, seen_minutes_ago=11)
    html = owner_client.get(reverse("dashboard_live")).content.decode()
    assert "Teardrop" not in html and "Nothing is playing right now" in html


def test_it_refreshes_today_and_the_last_plays_out_of_band(owner_client):
    track = make_track("Roads")
    make_scrobble(track, timezone.now() - timedelta(minutes=20))
    html = owner_client.get(reverse("dashboard")).content.decode()
    assert f'hx-get="{reverse("dashboard_live")}?oob=1"' in html
    make_scrobble(make_track("Glory Box", track.album), timezone.now() - timedelta(minutes=2))
    live = owner_client.get(reverse("dashboard_live"), {"oob": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in live
    assert 'id="today-card" aria-labelledby="today-title" hx-swap-oob="true"' in live
    assert 'id="recent-card" aria-labelledby="recent-title" hx-swap-oob="true"' in live
    assert "Glory Box" in live and ">2</span> <span class=\"stat-label\">plays" in live


def test_it_keeps_polling_on_an_empty_journal_when_lastfm_is_configured(owner_client):
    with override_settings(LASTFM_API_KEY="k", LASTFM_USERNAME="rj"):
        html = owner_client.get(reverse("dashboard")).content.decode()
    assert 'id="now-playing"' in html and "Your journal is waiting" in html
    assert "?oob=1" not in html  # nothing to swap out of band yet


def test_it_shows_hostile_names_as_text(owner_client):
    track = make_track(HOSTILE, make_album(HOSTILE, make_artist(HOSTILE)))
    make_scrobble(track, timezone.now() - timedelta(minutes=5))
    playing(track, seen_minutes_ago=0)
    for url in (reverse("dashboard"), reverse("dashboard_live")):
        html = owner_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html, url


def test_it_refuses_anonymous_visitors(client):
    assert client.get(reverse("dashboard_live")).status_code == 302
