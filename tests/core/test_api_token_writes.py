"""Writes through the API with CSRF enforced, as a real browser or script meets it.

Django's test client skips CSRF checks unless asked: every client here enforces them.
A bearer token stands alone (no cookie, no CSRF token); the browser session needs its CSRF
token to write; no or wrong credentials get 401, reads and writes alike.
"""

import pytest
from django.test import Client

from core.models import ApiToken
from tracker.models import TrackerState

LASTFM = {"LASTFM_API_KEY": "k" * 32, "LASTFM_USERNAME": "rj"}
WRITES = ["/api/v1/services/tracker/stop", "/api/v1/services/tracker/start", "/api/v1/services/discogs/sync"]
READS = ["/api/v1/me", "/api/v1/history/tracks", "/api/v1/services/tracker/status"]


def csrf_client(**defaults) -> Client:
    return Client(enforce_csrf_checks=True, **defaults)


@pytest.fixture
def configured(settings):
    for name, value in LASTFM.items():
        setattr(settings, name, value)
    settings.DISCOGS_USERNAME = ""  # the sync then answers 503 "not configured": past the auth, without a call


@pytest.fixture
def token(owner):
    return ApiToken.issue(user=owner, name="scripts")[1]


@pytest.mark.django_db
def test_a_bearer_token_writes_without_any_csrf_token(token, configured):
    bearer = csrf_client(HTTP_AUTHORIZATION=f"Bearer {token}")
    stopped = bearer.post("/api/v1/services/tracker/stop")
    assert stopped.status_code == 200, stopped.content
    assert stopped.json()["enabled"] is False and TrackerState.load().enabled is False
    started = bearer.post("/api/v1/services/tracker/start")
    assert started.status_code == 200 and TrackerState.load().enabled is True
    sync = bearer.post("/api/v1/services/discogs/sync")
    assert sync.status_code == 503 and "DISCOGS_USERNAME" in sync.json()["detail"]


@pytest.mark.django_db
def test_a_bearer_token_wins_over_a_session_without_csrf_token(token, owner, configured):
    both = csrf_client(HTTP_AUTHORIZATION=f"Bearer {token}")
    both.force_login(owner)
    assert both.post("/api/v1/services/tracker/stop").status_code == 200


@pytest.mark.django_db
def test_a_session_write_needs_its_csrf_token(owner, configured):
    browser = csrf_client()
    browser.force_login(owner)
    refused = browser.post("/api/v1/services/tracker/stop")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert TrackerState.load().enabled is True

    browser.get("/settings/")  # a page sets the CSRF cookie and puts the token in hx-headers
    csrf_token = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/v1/services/tracker/stop", HTTP_X_CSRFTOKEN=csrf_token)
    assert accepted.status_code == 200 and TrackerState.load().enabled is False
    assert browser.get("/api/v1/me").status_code == 200  # reads need no CSRF token


@pytest.mark.django_db
@pytest.mark.parametrize("authorization", [None, "Bearer mj_not-a-real-token", "Bearer ", "Basic b3duZXI6eA=="])
def test_no_or_wrong_credentials_get_401_on_reads_and_writes(owner, configured, authorization):
    caller = csrf_client(**({"HTTP_AUTHORIZATION": authorization} if authorization else {}))
    for url in WRITES:
        response = caller.post(url)
        assert response.status_code == 401, (url, response.status_code, response.content)
    for url in READS:
        assert caller.get(url).status_code == 401, url
    assert TrackerState.load().enabled is True


@pytest.mark.django_db
def test_a_revoked_token_or_an_inactive_owner_gets_401(owner, configured):
    _, revoked = ApiToken.issue(user=owner, name="old")
    ApiToken.objects.filter(name="old").delete()
    assert csrf_client(HTTP_AUTHORIZATION=f"Bearer {revoked}").post(WRITES[0]).status_code == 401

    _, raw = ApiToken.issue(user=owner, name="current")
    owner.is_active = False
    owner.save()
    assert csrf_client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(WRITES[0]).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/docs", "/api/v1/openapi.json"])
def test_the_api_docs_need_a_login(owner, url):
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")
    owner_browser = Client()
    owner_browser.force_login(owner)
    assert owner_browser.get(url).status_code == 200


@pytest.mark.django_db
def test_the_openapi_document_declares_both_ways_in(owner):
    owner_browser = Client()
    owner_browser.force_login(owner)
    schemes = owner_browser.get("/api/v1/openapi.json").json()["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


class TestGuessedTokens:
    GUESSER = "203.0.113.9"

    @pytest.fixture(autouse=True)
    def small_limit(self, settings):
        settings.API_TOKEN_FAILURE_LIMIT = 3
        settings.API_TOKEN_FAILURE_WINDOW = 600

    @pytest.mark.django_db
    def test_an_address_sending_wrong_tokens_gets_429_for_a_while(self, token):
        guesser = csrf_client(REMOTE_ADDR=self.GUESSER)
        for n in range(3):
            assert guesser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer mj_guess-{n}").status_code == 401
        blocked = guesser.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer mj_guess-4")
        assert blocked.status_code == 429 and "try again in 10 minutes" in blocked.json()["detail"]
        assert guesser.post(WRITES[0], HTTP_AUTHORIZATION="Bearer mj_guess-5").status_code == 429
        # Blocked before the lookup: even a right token from that address waits.
        assert guesser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 429

    @pytest.mark.django_db
    def test_a_valid_token_from_elsewhere_is_never_blocked_by_a_guesser(self, token, owner):
        guesser = csrf_client(REMOTE_ADDR=self.GUESSER)
        for n in range(5):
            guesser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer mj_guess-{n}")
        assert guesser.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer mj_guess").status_code == 429
        owner_script = csrf_client(REMOTE_ADDR="198.51.100.7", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert owner_script.get("/api/v1/me").json()["username"] == "owner"
        # The guesser's own browser session still works: only tokens are throttled.
        guesser.force_login(owner)
        assert guesser.get("/api/v1/me").status_code == 200
