"""One ServiceSpec per outside service: everything the app says and does about a service comes from it."""

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from core.resilience import resilient_call
from core.resilience.errors import NotConfigured
from core.resilience.services import SERVICES, TTL_DEFAULTS, classify, service_not_configured


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_service_is_described_completely(service):
    spec = SERVICES[service]
    assert callable(import_string(spec.check))
    assert set(spec.cache_kinds) <= set(TTL_DEFAULTS)
    for name in (*spec.required, *spec.secrets, spec.base_url_setting):
        assert hasattr(settings, name), f"{service}: settings has no {name}"
    assert spec.credential_settings.split(" and ")[0] in (*spec.required, spec.base_url_setting)


def test_not_configured_is_said_in_one_way_naming_only_what_is_missing(settings):
    settings.DISCOGS_TOKEN, settings.DISCOGS_USERNAME = "", "rj"
    error = service_not_configured(service="discogs")
    assert isinstance(error, NotConfigured) and error.missing == ["DISCOGS_TOKEN"]
    assert str(error) == "Discogs is not configured: set DISCOGS_TOKEN"
    settings.DISCOGS_TOKEN = "t0ken"
    assert service_not_configured(service="discogs") is None


def test_a_service_understands_its_own_librarys_errors_and_the_networks():
    import requests
    from spotipy.exceptions import SpotifyException

    spotify_error = SpotifyException(429, -1, "too many", headers={"Retry-After": "7"})
    assert classify(service="spotify", exc=spotify_error).retry_after == 7
    assert classify(service="wikidata", exc=spotify_error) is None  # not Wikidata's library
    assert classify(service="wikidata", exc=requests.ConnectionError()).retryable


def test_a_cache_kind_a_service_does_not_declare_is_refused():
    with pytest.raises(ValueError, match="caches no 'similar' answers"):
        resilient_call("apify", lambda: 1, cache_key="x", ttl_kind="similar")


def test_a_token_error_whose_body_is_not_a_string_is_a_failure_to_retry_not_a_crash():
    from spotipy.exceptions import SpotifyOauthError

    refused = classify(service="spotify", exc=SpotifyOauthError("token", error="invalid_client"))
    assert refused.__class__.__name__ == "AuthFailed"
    odd = classify(service="spotify", exc=SpotifyOauthError("token", error={"status": 503, "message": "down"}))
    assert odd.retryable  # an object where Spotify's OAuth error code belongs (a proxy's answer)
