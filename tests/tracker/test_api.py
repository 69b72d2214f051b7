"""The history and tracker API (session, bearer token, anonymous), and the tracker section of
the settings page, which calls the same tracker_set / lastfm_backfill_start."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import ApiToken, Job
from core.services.jobs import job_create
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.models import TrackerState

pytestmark = pytest.mark.django_db

LASTFM = {"LASTFM_API_KEY": "test-key", "LASTFM_USERNAME": "rj"}


@pytest.fixture
def history():
    dummy = make_album("Dummy", make_artist("Portishead"))
    roads, glory = make_track("Roads", dummy), make_track("Glory Box", dummy)
    angel = make_track("Angel", make_album("Mezzanine", make_artist("Massive Attack")))
    plays = [
        make_scrobble(roads, utc(2024, 5, 1, 8, 0), source="lastfm"),
        make_scrobble(glory, utc(2024, 5, 1, 8, 30), source="spotify", loved=True),
        make_scrobble(angel, utc(2024, 5, 1, 21, 0), source="lastfm"),
        make_scrobble(roads, utc(2024, 5, 2, 9, 0), source="listenbrainz"),
    ]
    return {"plays": plays, "roads": roads, "artist": dummy.artist}


@pytest.fixture
def bearer(owner):
    _token, raw = ApiToken.issue(user=owner, name="automation")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


class TestHistoryTracks:
    def test_it_lists_plays_newest_first_with_names_and_ids(self, owner_client, history):
        body = owner_client.get("/api/v1/history/tracks").json()
        assert [item["id"] for item in body["items"]] == [p.pk for p in reversed(history["plays"])]
        first = body["items"][0]
        assert first["track"] == {"id": history["roads"].pk, "name": "Roads"}
        assert first["artist"] == {"id": history["artist"].pk, "name": "Portishead"}
        assert first["album"]["name"] == "Dummy" and first["source"] == "listenbrainz" and first["loved"] is False
        assert first["played_at"].startswith("2024-05-02T09:00:00")
        assert body["next_cursor"] is None and body["total"] == len(history["plays"])

    def test_it_pages_by_cursor_without_gaps(self, owner_client, history):
        seen, cursor = [], ""
        while True:
            body = owner_client.get("/api/v1/history/tracks", {"limit": 3, "cursor": cursor}).json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert seen == [p.pk for p in reversed(history["plays"])]

    def test_it_takes_the_journal_filters(self, owner_client, history):
        def ids(**params):
            return {item["id"] for item in owner_client.get("/api/v1/history/tracks", params).json()["items"]}

        plays = history["plays"]
        assert ids(artist=history["artist"].pk) == {plays[0].pk, plays[1].pk, plays[3].pk}
        assert ids(track=history["roads"].pk) == {plays[0].pk, plays[3].pk}
        assert ids(album=plays[2].album_id) == {plays[2].pk}
        assert ids(source="spotify") == {plays[1].pk}
        assert ids(loved="true") == {plays[1].pk}
        assert ids(q="glory") == {plays[1].pk}
        assert ids(**{"from": "2024-05-02", "to": "2024-05-02"}) == {plays[3].pk}

    @pytest.mark.parametrize("params", [
        {"from": "2024-13-01"}, {"to": "yesterday"}, {"source": "napster"}, {"artist": "abc"},
        {"loved": "maybe"}, {"cursor": "garbage"}, {"limit": 0}, {"limit": 5000},
        {"from": "2024-05-03", "to": "2024-05-01"},
    ])
    def test_it_answers_400_for_a_bad_filter(self, owner_client, history, params):
        response = owner_client.get("/api/v1/history/tracks", params)
        assert response.status_code == 400
        assert response.json()["detail"]

    def test_it_answers_404_for_an_unknown_artist(self, owner_client, history):
        response = owner_client.get("/api/v1/history/tracks", {"artist": 999999})
        assert response.status_code == 404 and "artist" in response.json()["detail"]


class TestHistoryTimeline:
    def test_it_gives_the_days_plays_by_hour(self, owner_client, history):
        body = owner_client.get("/api/v1/history/timeline", {"date": "2024-05-01"}).json()
        assert body["date"] == "2024-05-01" and body["total"] == 3 and len(body["hours"]) == 24
        assert body["hours"][8]["count"] == 2
        assert [p["track"]["name"] for p in body["hours"][8]["plays"]] == ["Roads", "Glory Box"]
        assert body["hours"][21]["plays"][0]["artist"]["name"] == "Massive Attack"

    def test_it_answers_400_for_a_bad_date(self, owner_client):
        response = owner_client.get("/api/v1/history/timeline", {"date": "2024-02-30"})
        assert response.status_code == 400 and "YYYY-MM-DD" in response.json()["detail"]


class TestTrackerEndpoints:
    def test_it_reports_the_tracker_status_with_now_playing(self, owner_client, history):
        state = TrackerState.load()
        state.interval_seconds, state.last_error = 300, "Last.fm answered 29 (rate limit)"
        state.last_poll_at = timezone.now()
        state.now_playing_track, state.now_playing_seen_at = history["roads"], timezone.now()
        state.save()
        with override_settings(**LASTFM):
            body = owner_client.get("/api/v1/services/tracker/status").json()
        assert body["configured"] is True and body["enabled"] is True and body["interval_seconds"] == 300
        assert body["last_error"] == "Last.fm answered 29 (rate limit)" and body["last_poll_at"]
        assert body["now_playing"]["track"] == {"id": history["roads"].pk, "name": "Roads"}

    def test_it_reports_nothing_playing_once_stale(self, owner_client, history):
        state = TrackerState.load()
        state.now_playing_track, state.now_playing_seen_at = history["roads"], timezone.now() - timedelta(minutes=11)
        state.save()
        assert owner_client.get("/api/v1/services/tracker/status").json()["now_playing"] is None

    def test_it_stops_and_starts_polling(self, owner_client):
        with override_settings(**LASTFM):
            stopped = owner_client.post("/api/v1/services/tracker/stop")
            assert stopped.status_code == 200 and stopped.json()["enabled"] is False
            assert TrackerState.load().enabled is False
            started = owner_client.post("/api/v1/services/tracker/start")
            assert started.json()["enabled"] is True and TrackerState.load().enabled is True

    def test_it_refuses_to_start_without_lastfm_settings(self, owner_client):
        with override_settings(LASTFM_API_KEY="", LASTFM_USERNAME=""):
            response = owner_client.post("/api/v1/services/tracker/start")
        assert response.status_code == 409 and "LASTFM_API_KEY" in response.json()["detail"]


class TestAuth:
    ENDPOINTS = [
        ("get", "/api/v1/history/tracks"), ("get", "/api/v1/history/timeline"),
        ("get", "/api/v1/services/tracker/status"), ("post", "/api/v1/services/tracker/start"),
        ("post", "/api/v1/services/tracker/stop"),
    ]

    def test_it_answers_401_to_anonymous_callers(self, client, history):
        for method, url in self.ENDPOINTS:
            assert getattr(client, method)(url).status_code == 401, url
        assert TrackerState.load().enabled is True

    def test_it_accepts_a_bearer_token(self, bearer, history):
        body = bearer.get("/api/v1/history/tracks", {"source": "spotify"}).json()
        assert [item["track"]["name"] for item in body["items"]] == ["Glory Box"]
        assert body["total"] is None  # a filtered total would mean counting plays
        with override_settings(**LASTFM):
            assert bearer.post("/api/v1/services/tracker/stop").json()["enabled"] is False

    def test_it_refuses_a_wrong_token(self, history):
        assert Client(HTTP_AUTHORIZATION="Bearer mj_not-a-token").get("/api/v1/history/tracks").status_code == 401


class TestSettingsTrackerSection:
    def test_it_says_which_variables_to_set_and_disables_the_buttons(self, owner_client):
        with override_settings(LASTFM_API_KEY="", LASTFM_USERNAME=""):
            html = owner_client.get(reverse("settings")).content.decode()
        section = html.split('id="tracker"')[1].split("</section>")[0]
        assert "<code>LASTFM_USERNAME</code>" in section and "<code>LASTFM_API_KEY</code>" in section
        assert section.count(" disabled>") >= 2 and "Backfill full history" in section

    def test_it_shows_state_last_error_and_now_playing(self, owner_client, history):
        state = TrackerState.load()
        state.last_error, state.last_poll_at = "<b>boom</b>", timezone.now()
        state.now_playing_track, state.now_playing_seen_at = history["roads"], timezone.now()
        state.save()
        with override_settings(**LASTFM):
            html = owner_client.get(reverse("settings")).content.decode()
        section = html.split('id="tracker"')[1].split("</section>")[0]
        assert "Following <strong>rj</strong>" in section and "&lt;b&gt;boom&lt;/b&gt;" in section
        assert "Roads — Portishead" in section and "every 120 s" in section
        assert " disabled>" not in section

    def test_it_switches_polling_and_sets_the_interval(self, owner_client):
        with override_settings(**LASTFM):
            response = owner_client.post(reverse("tracker_update"), {"interval_seconds": "600"}, HTTP_HX_REQUEST="true")
        state = TrackerState.load()
        assert state.enabled is False and state.interval_seconds == 600
        assert "Polling off, every 600 s" in response.content.decode() and "<html" not in response.content.decode()
        with override_settings(**LASTFM):
            response = owner_client.post(reverse("tracker_update"), {"enabled": "1", "interval_seconds": "180"})
        assert response.status_code == 302 and response["Location"].endswith("#tracker")
        assert TrackerState.load().enabled is True and TrackerState.load().interval_seconds == 180

    def test_it_changes_nothing_when_lastfm_is_not_configured(self, owner_client):
        with override_settings(LASTFM_API_KEY="", LASTFM_USERNAME=""):
            response = owner_client.post(reverse("tracker_update"), {"interval_seconds": "600"}, HTTP_HX_REQUEST="true")
        assert "not configured" in response.content.decode()
        assert TrackerState.load().enabled is True and TrackerState.load().interval_seconds == 120

    def test_it_starts_a_backfill_and_shows_its_progress_bar(self, owner_client, monkeypatch):
        job = job_create(kind="lastfm_backfill")
        monkeypatch.setattr("tracker.services.lastfm.lastfm_backfill_start", lambda: job)
        with override_settings(**LASTFM):
            html = owner_client.post(reverse("tracker_backfill"), HTTP_HX_REQUEST="true").content.decode()
        assert f'id="job-{job.pk}"' in html and f'hx-get="/jobs/{job.pk}/progress/"' in html
        with override_settings(**LASTFM):  # the page shows the running backfill after a reload too
            page = owner_client.get(reverse("settings")).content.decode()
        assert f'id="job-{job.pk}"' in page.split('id="tracker"')[1]

    def test_it_starts_no_backfill_without_lastfm_settings(self, owner_client, monkeypatch):
        monkeypatch.setattr("tracker.services.lastfm.lastfm_backfill_start", lambda: pytest.fail("must not start"))
        with override_settings(LASTFM_API_KEY="", LASTFM_USERNAME=""):
            response = owner_client.post(reverse("tracker_backfill"))
        assert response.status_code == 302
        assert not Job.objects.exists()

    def test_it_refuses_anonymous_posts(self, client):
        assert client.post(reverse("tracker_update"), {"interval_seconds": "60"}).status_code == 302
        assert TrackerState.load().interval_seconds == 120
