"""No secret value appears in a log line, an error message or a page, whatever goes wrong."""

import logging

import pytest

from core.clients.ai import ai_models
from core.clients.apify import apify_me
from core.clients.checks import connection_check
from core.clients.discogs import discogs_user
from core.clients.lastfm import lastfm_user_info
from core.clients.spotify import spotify_search
from core.resilience import ServiceError
from core.resilience.services import SERVICES


def secrets_of(fake) -> list[str]:
    c = fake.credentials
    return [c["lastfm_api_key"], c["lastfm_api_secret"], c["spotify_client_secret"], c["discogs_token"],
            c["apify_token"], c["ai_api_key"]]


def assert_clean(text: str, fake) -> None:
    for secret in secrets_of(fake):
        assert secret not in text


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, including the client libraries that settings quiet down."""
    caplog.set_level(logging.DEBUG)
    for name in ("pylast", "httpx2", "httpcore2", "urllib3", "spotipy", "openai"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_it_keeps_secrets_out_of_debug_logs_of_every_library(fake_services, everything_logged):
    lastfm_user_info()
    spotify_search(query="Portishead")
    discogs_user()
    apify_me()
    ai_models()
    text = everything_logged.text + "\n".join(r.getMessage() for r in everything_logged.records)
    assert "/discogs/users/rj_demo?token=[redacted]" in text  # urllib3 logs the URL it fetched
    assert_clean(text, fake_services)


def test_it_keeps_secrets_out_of_errors_and_their_logs(fake_services, everything_logged, recorded_sleeps, settings):
    settings.ENRICHMENT_TIMEOUT_DISCOGS = 0.2
    fake_services.delay("discogs", 0.6)  # requests puts the URL, token included, in the timeout message
    for service in SERVICES:
        fake_services.reject_auth(service)
    errors = []
    for call in (discogs_user, lastfm_user_info, lambda: spotify_search(query="x"), apify_me, ai_models):
        with pytest.raises(ServiceError) as raised:
            call()
        errors.append(raised.value)
    text = everything_logged.text + "".join(f"{e} {e.args} {e.__cause__} {e.__context__}" for e in errors)
    assert_clean(text, fake_services)


def test_it_keeps_secrets_out_of_connection_answers(fake_services, settings):
    settings.SPOTIFY_CLIENT_SECRET = "a-wrong-secret-12345"
    answer = connection_check(service="spotify")
    assert not answer.ok and "a-wrong-secret-12345" not in answer.message
    assert "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET" in answer.message
