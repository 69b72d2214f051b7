"""Retries, backoff with Retry-After, what is never retried, timeouts, the read-through cache, metrics."""

import logging
import time

import pytest

from core.clients.discogs import discogs_user
from core.clients.lastfm import lastfm_artist_info
from core.clients.spotify import spotify_artist, spotify_artists
from core.clients.wikidata import wikidata_ask
from core.models import ServiceMetric
from core.resilience import AuthFailed, Forbidden, NotConfigured, NotFound, RateLimited, Unavailable, resilient_call

RADIOHEAD = "4Z8W4fKeB5YxbusRsdQVPb"
ASK = "ASK { wd:Q44190 wdt:P31 wd:Q215380 }"


def artist_requests(fake) -> int:
    return len(fake.requests_to("spotify", f"/v1/artists/{RADIOHEAD}"))


def test_it_waits_what_retry_after_asks_then_succeeds(fake_services, recorded_sleeps):
    fake_services.fail("spotify", status=429, retry_after=3, times=1, path="/v1/artists/")
    assert spotify_artist(artist_id=RADIOHEAD)["name"] == "Radiohead"
    assert recorded_sleeps == [3.0]
    assert artist_requests(fake_services) == 2


def test_it_backs_off_exponentially_without_retry_after(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_RETRY_BACKOFF_FACTOR = 0.5
    fake_services.fail("wikidata", status=503, times=3)
    assert wikidata_ask(query=ASK) is True
    assert recorded_sleeps == [0.5, 1.0, 2.0]
    assert len(fake_services.requests_to("wikidata")) == 4


def test_it_gives_up_after_max_retries(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_MAX_RETRIES = 2
    fake_services.fail("wikidata", status=502, times=None)
    with pytest.raises(Unavailable):
        wikidata_ask(query=ASK)
    assert len(fake_services.requests_to("wikidata")) == 3
    assert len(recorded_sleeps) == 2


def test_it_never_retries_a_401(fake_services, recorded_sleeps):
    fake_services.reject_auth("discogs")
    with pytest.raises(AuthFailed) as raised:
        discogs_user()
    assert raised.value.status == 401
    assert len(fake_services.requests_to("discogs")) == 1
    assert recorded_sleeps == []


@pytest.mark.parametrize("status, error", [(403, Forbidden), (404, NotFound)])
def test_it_never_retries_403_or_404(fake_services, recorded_sleeps, status, error):
    fake_services.fail("spotify", status=status, times=None, path="/v1/artists/")
    with pytest.raises(error):
        spotify_artists(ids=[RADIOHEAD])
    assert len(fake_services.requests_to("spotify", "/v1/artists/")) == 1
    assert recorded_sleeps == []


def test_it_never_retries_lastfm_error_10(fake_services, recorded_sleeps):
    fake_services.reject_auth("lastfm")
    with pytest.raises(AuthFailed):
        lastfm_artist_info(name="Radiohead")
    assert len(fake_services.requests_to("lastfm")) == 1 and recorded_sleeps == []


def test_it_does_not_wait_for_an_unreasonable_retry_after(fake_services, recorded_sleeps):
    fake_services.fail("spotify", status=429, retry_after=3600, times=1, path="/v1/artists/")
    with pytest.raises(RateLimited) as raised:
        spotify_artist(artist_id=RADIOHEAD)
    assert raised.value.retry_after == 3600
    assert recorded_sleeps == []


def test_it_retries_a_malformed_answer(fake_services, recorded_sleeps):
    fake_services.malformed("discogs", times=1)
    assert discogs_user()["username"] == "rj_demo"
    assert len(fake_services.requests_to("discogs")) == 2 and len(recorded_sleeps) == 1


def test_it_times_out_a_stalled_service_per_its_setting(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_TIMEOUT_WIKIDATA = 0.2
    settings.ENRICHMENT_MAX_RETRIES = 1
    fake_services.delay("wikidata", 1.0)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="timed out"):
        wikidata_ask(query=ASK)
    assert time.monotonic() - started < 1.5
    assert len(fake_services.requests_to("wikidata")) == 2


def test_it_serves_a_second_call_from_the_cache(fake_services):
    first = spotify_artist(artist_id=RADIOHEAD)
    second = spotify_artist(artist_id=RADIOHEAD)
    assert first == second
    assert artist_requests(fake_services) == 1
    metric = ServiceMetric.objects.get(service="spotify")
    assert (metric.cache_hits, metric.cache_misses) == (1, 1)


def test_it_makes_a_request_when_forced_to_refresh(fake_services):
    spotify_artist(artist_id=RADIOHEAD)
    spotify_artist(artist_id=RADIOHEAD, force_refresh=True)
    assert artist_requests(fake_services) == 2
    spotify_artist(artist_id=RADIOHEAD)
    assert artist_requests(fake_services) == 2


def test_it_keeps_cached_values_for_their_kind_of_data(fake_services, settings):
    settings.ENRICHMENT_CACHE_TTL_MONTHLY_LISTENERS = 1
    calls = []
    for _ in range(2):
        resilient_call("apify", lambda: calls.append(1) or 42, cache_key="ml:x", ttl_kind="monthly_listeners")
    assert len(calls) == 1
    time.sleep(1.2)
    resilient_call("apify", lambda: calls.append(1) or 42, cache_key="ml:x", ttl_kind="monthly_listeners")
    assert len(calls) == 2


def test_it_refuses_to_build_a_client_without_its_credential(fake_services, settings):
    settings.DISCOGS_TOKEN = ""
    with pytest.raises(NotConfigured) as raised:
        discogs_user()
    assert raised.value.missing == ["DISCOGS_TOKEN"]
    assert fake_services.requests_to("discogs") == []


def test_it_persists_metrics_per_service(fake_services, recorded_sleeps):
    fake_services.fail("wikidata", status=500, times=1)
    wikidata_ask(query=ASK)
    fake_services.reject_auth("discogs")
    with pytest.raises(AuthFailed):
        discogs_user()
    wikidata = ServiceMetric.objects.get(service="wikidata")
    assert (wikidata.requests, wikidata.retries, wikidata.successes, wikidata.failures) == (2, 1, 1, 0)
    assert wikidata.last_success_at is not None and wikidata.average_latency_ms > 0
    discogs = ServiceMetric.objects.get(service="discogs")
    assert (discogs.failures, discogs.successes) == (1, 0) and "401" in discogs.last_error


def test_it_logs_each_retry_with_the_caller_and_the_wait(fake_services, recorded_sleeps, caplog):
    fake_services.fail("spotify", status=503, times=2, path="/v1/artists/")
    client_call = __import__("core.clients.spotify", fromlist=["spotify_client"]).spotify_client()
    with caplog.at_level(logging.INFO, logger="core.resilience"):
        resilient_call("spotify", lambda: client_call.artist(RADIOHEAD), what=RADIOHEAD, caller="SpotifyProvider")
    lines = [r.getMessage() for r in caplog.records if r.name == "core.resilience"]
    assert any(line.startswith(f"SpotifyProvider: Retry 1/3 for {RADIOHEAD} after 1s") for line in lines)
    assert any(line.startswith(f"SpotifyProvider: Retry 2/3 for {RADIOHEAD} after 2s") for line in lines)


def test_it_lets_our_own_bugs_through_unchanged(fake_services):
    with pytest.raises(ZeroDivisionError):
        resilient_call("wikidata", lambda: 1 / 0)
    assert ServiceMetric.objects.get(service="wikidata").failures == 1


@pytest.mark.django_db
def test_a_not_found_answer_is_kept_a_while_so_the_next_run_does_not_ask_again():
    """Last.fm's "no such artist" was asked again on every run; now it is cached (a day at most)."""
    asked = []

    def unknown():
        asked.append(1)
        raise NotFound("lastfm", "Last.fm error 6: The artist you supplied could not be found")

    for _ in range(2):
        with pytest.raises(NotFound, match="could not be found"):
            resilient_call("lastfm", unknown, cache_key="artist.getInfo:nobody", ttl_kind="artist")
    assert asked == [1]
    with pytest.raises(NotFound):
        resilient_call("lastfm", unknown, cache_key="artist.getInfo:nobody", ttl_kind="artist", force_refresh=True)
    assert asked == [1, 1]
