"""Politeness limits: requests per second and runs at once, shared through the cache."""

import threading
import time
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.resilience import Busy, resilient_call
from core.resilience.politeness import polite_slot
from core.resilience.services import rate_interval


@pytest.fixture
def redis_cache():
    prefix = f"mjtest-{uuid.uuid4().hex[:12]}"
    caches_setting = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                  "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": prefix}}
    with override_settings(CACHES=caches_setting):
        yield
        client = caches["default"]._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_it_reads_the_default_limits():
    assert rate_interval(service="lastfm") == pytest.approx(0.2)
    assert rate_interval(service="discogs") == pytest.approx(1.0)
    assert rate_interval(service="wikidata") == 0


def test_it_spaces_lastfm_calls_to_five_per_second(db, settings):
    settings.LASTFM_API_KEY, settings.LASTFM_USERNAME = "k" * 8, "rj_demo"
    started = time.monotonic()
    for _ in range(6):
        resilient_call("lastfm", lambda: None)
    assert time.monotonic() - started >= 0.8


def test_it_understands_per_minute_limits(settings):
    settings.ENRICHMENT_RATE_LIMIT_DISCOGS = "120/m"
    assert rate_interval(service="discogs") == pytest.approx(0.5)
    settings.ENRICHMENT_RATE_LIMIT_DISCOGS = "lots"
    with pytest.raises(ValueError):
        rate_interval(service="discogs")


def test_it_runs_one_wikidata_query_at_a_time_across_threads(redis_cache):
    running, peak, lock = [0], [0], threading.Lock()

    def query():
        with polite_slot(service="wikidata", max_wait=10):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.1)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=query) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 1


def test_it_allows_five_apify_runs_and_makes_the_sixth_wait(redis_cache):
    held = [polite_slot(service="apify", max_wait=1) for _ in range(5)]
    for slot in held:
        slot.__enter__()
    with pytest.raises(Busy):
        with polite_slot(service="apify", max_wait=0.2):
            pass
    held[0].__exit__(None, None, None)
    with polite_slot(service="apify", max_wait=1):
        pass
    for slot in held[1:]:
        slot.__exit__(None, None, None)


def test_it_shares_the_rate_limit_between_threads(redis_cache, settings):
    settings.ENRICHMENT_RATE_LIMIT_DISCOGS = "10/s"
    starts: list[float] = []

    def call():
        with polite_slot(service="discogs", max_wait=5):
            starts.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    # Five starts take five distinct 0.1 s windows: the first may start at the very end of its
    # window and the last at the very start of its own, so they span more than three windows
    # (less a little jitter between the cache's wall clock and this monotonic one).
    assert starts[-1] - starts[0] >= 0.28
