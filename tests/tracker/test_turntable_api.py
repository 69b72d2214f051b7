"""`POST /api/v1/history/log` and its undo: what automations get, with a token or the browser
session (CSRF enforced), and the errors they are told."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from core.models import ApiToken
from tests.tracker.test_turntable import owned_record
from tracker.models import Scrobble, TurntableSession

pytestmark = pytest.mark.django_db

LOG = "/api/v1/history/log"


@pytest.fixture
def bearer(owner) -> Client:
    raw = ApiToken.issue(user=owner, name="turntable button")[1]
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def record():
    return owned_record()


def post(client: Client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


def test_a_token_logs_a_side_and_gets_the_stored_plays(bearer, record):
    start = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    response = post(bearer, LOG, {"album_id": record.pk, "side": "a", "started_at": start.isoformat()})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["album"] == {"id": record.pk, "name": "Dummy"} and body["side"] == "A"
    assert body["side_label"] == "Side A" and (body["stored"], body["pending"], body["estimated"]) == (3, 0, 1)
    assert [(p["position"], p["title"], p["state"], p["estimated"]) for p in body["plays"]] == [
        ("A1", "Mysterons", "stored", False), ("A2", "Sour Times", "stored", False),
        ("A3", "Strangers", "stored", True)]
    assert {p["scrobble_id"] for p in body["plays"]} == set(Scrobble.objects.values_list("pk", flat=True))
    assert body["plays"][1]["played_at"].startswith((start + timedelta(seconds=302)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["plays"][0]["lastfm"] == "off"


def test_a_start_without_offset_is_local_and_without_start_it_is_now(bearer, record, settings):
    settings.TIME_ZONE = "Europe/Paris"
    body = post(bearer, LOG, {"album_id": record.pk, "side": "B"}).json()
    assert abs((timezone.now() - datetime.fromisoformat(body["started_at"])).total_seconds()) < 5
    assert [p["state"] for p in body["plays"]] == ["stored", "pending"]
    local = timezone.localtime(timezone.now() - timedelta(hours=3)).replace(tzinfo=None, microsecond=0)
    body = post(bearer, LOG, {"album_id": record.pk, "side": "A", "started_at": local.isoformat()}).json()
    assert datetime.fromisoformat(body["started_at"]) == local.replace(tzinfo=ZoneInfo("Europe/Paris"))


def test_it_reads_a_session_and_undoes_it(bearer, record):
    session_id = post(bearer, LOG, {"album_id": record.pk, "side": "whole",
                                    "started_at": (timezone.now() - timedelta(hours=2)).isoformat()}).json()["id"]
    read = bearer.get(f"{LOG}/{session_id}")
    assert read.status_code == 200 and len(read.json()["plays"]) == 5
    undone = post(bearer, f"{LOG}/{session_id}/undo")
    assert undone.status_code == 200, undone.content
    body = undone.json()
    assert (body["removed"], body["stopped"], body["on_lastfm"]) == (5, 0, 0) and body["session"]["undone"] is True
    assert not Scrobble.objects.exists()
    again = post(bearer, f"{LOG}/{session_id}/undo")
    assert again.status_code == 409 and again.json() == {"detail": "This session was already undone."}


@pytest.mark.parametrize("change, body, status, words", [
    (None, {"album_id": 999_999}, 404, "No album with id 999999"),
    ("unowned", {}, 409, "is not in your collection"),
    ("no tracks", {}, 409, "is not known yet"),
    (None, {"side": "Z"}, 422, "has no side “Z”"),
    (None, {"started_at": "2099-01-01T20:00:00"}, 422, "in the future"),
    (None, {"started_at": "1999-01-01T20:00:00"}, 422, "before 2002"),
])
def test_it_answers_what_cannot_be_logged_and_stores_nothing(bearer, record, change, body, status, words):
    if change == "unowned":
        record.copies.all().delete()
    elif change == "no tracks":
        record.tracks.all().delete()
    response = post(bearer, LOG, {"album_id": record.pk, "side": "A", **body})
    assert response.status_code == status, response.content
    assert words in response.json()["detail"]
    assert not Scrobble.objects.exists() and not TurntableSession.objects.exists()


def test_a_second_press_is_a_conflict(bearer, record):
    assert post(bearer, LOG, {"album_id": record.pk, "side": "A"}).status_code == 201
    again = post(bearer, LOG, {"album_id": record.pk, "side": "A"})
    assert again.status_code == 409 and "already logged" in again.json()["detail"]
    assert TurntableSession.objects.count() == 1


def test_a_malformed_body_is_refused_by_its_schema(bearer, record):
    response = post(bearer, LOG, {"album_id": "first", "started_at": "tonight"})
    assert response.status_code == 422 and not TurntableSession.objects.exists()


def test_unknown_sessions_are_404(bearer):
    assert bearer.get(f"{LOG}/12345").status_code == 404
    assert post(bearer, f"{LOG}/12345/undo").status_code == 404


def test_the_browser_session_needs_its_csrf_token(owner, record):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    refused = post(browser, LOG, {"album_id": record.pk, "side": "A"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not TurntableSession.objects.exists()
    browser.get("/settings/")  # a page sets the CSRF cookie
    accepted = post(browser, LOG, {"album_id": record.pk, "side": "A"},
                    HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert accepted.status_code == 201


@pytest.mark.parametrize("authorization", [None, "Bearer mj_not-a-real-token"])
def test_without_credentials_nothing_is_logged(record, authorization):
    caller = Client(enforce_csrf_checks=True, **({"HTTP_AUTHORIZATION": authorization} if authorization else {}))
    assert post(caller, LOG, {"album_id": record.pk, "side": "A"}).status_code == 401
    assert caller.get(f"{LOG}/1").status_code == 401
    assert not TurntableSession.objects.exists()


def test_only_the_owner_logs_records(other_user, record):
    raw = ApiToken.issue(user=other_user, name="visitor")[1]
    visitor = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = post(visitor, LOG, {"album_id": record.pk, "side": "A"})
    assert response.status_code == 403 and response.json() == {"detail": "Only the owner logs records as played."}
    assert not TurntableSession.objects.exists()
