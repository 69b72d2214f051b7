"""The circuit breaker: opens at the threshold, fails fast, half-opens, closes — seen by every process."""

import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.clients.wikidata import wikidata_ask
from core.models import ServiceMetric
from core.resilience import CircuitOpen, Unavailable, breaker_state, clock
from core.resilience.breaker import breaker_admit

ASK = "ASK { wd:Q44190 wdt:P31 wd:Q215380 }"
REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def breaker_settings(settings):
    settings.ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD = 3
    settings.ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT = 30
    settings.ENRICHMENT_MAX_RETRIES = 0
    return settings


def fail_until_open(fake) -> None:
    fake.fail("wikidata", status=503, times=None)
    for _ in range(3):
        with pytest.raises(Unavailable):
            wikidata_ask(query=ASK)


def test_it_opens_after_the_threshold_and_fails_fast(fake_services, breaker_settings, caplog):
    with caplog.at_level(logging.WARNING, logger="core.resilience"):
        fail_until_open(fake_services)
    assert breaker_state(service="wikidata").state == "open"
    assert any("circuit breaker opened" in r.getMessage() for r in caplog.records)

    with pytest.raises(CircuitOpen):
        wikidata_ask(query=ASK)
    assert len(fake_services.requests_to("wikidata")) == 3  # the fourth call never left
    assert ServiceMetric.objects.get(service="wikidata").short_circuits == 1


def test_it_stops_retrying_once_the_breaker_opens(fake_services, breaker_settings, recorded_sleeps):
    breaker_settings.ENRICHMENT_MAX_RETRIES = 10
    fake_services.fail("wikidata", status=503, times=None)
    with pytest.raises(Unavailable):
        wikidata_ask(query=ASK)
    assert len(fake_services.requests_to("wikidata")) == 3
    assert breaker_state(service="wikidata").state == "open"


def test_it_half_opens_after_the_timeout_and_closes_on_success(fake_services, breaker_settings, monkeypatch):
    fail_until_open(fake_services)
    opened_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: opened_at + 31)
    assert breaker_state(service="wikidata").state == "half-open"

    fake_services.reset()  # the service recovered
    assert wikidata_ask(query=ASK) is True
    assert breaker_state(service="wikidata").state == "closed"
    assert breaker_state(service="wikidata").failures == 0


def test_it_allows_one_trial_call_at_a_time_and_reopens_when_it_fails(fake_services, breaker_settings, monkeypatch):
    fail_until_open(fake_services)
    opened_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: opened_at + 31)
    trial = breaker_admit(service="wikidata")
    assert trial.trial
    with pytest.raises(CircuitOpen, match="trial call"):
        breaker_admit(service="wikidata")

    from core.resilience.breaker import breaker_record_failure

    assert breaker_record_failure(service="wikidata", admission=trial)
    assert breaker_state(service="wikidata").state == "open"


def test_it_does_not_count_client_errors_against_the_service(fake_services, breaker_settings):
    fake_services.fail("wikidata", status=400, times=None)
    for _ in range(5):
        with pytest.raises(Exception):
            wikidata_ask(query=ASK)
    assert breaker_state(service="wikidata").state == "closed"


def test_it_shows_the_state_through_a_second_cache_connection(fake_services, breaker_settings):
    fail_until_open(fake_services)
    second = caches.create_connection("default")
    assert second is not caches["default"]
    assert second.get("mj:breaker:wikidata:opened") is not None


REDIS_URL = "redis://127.0.0.1:6379/15"
SECOND_PROCESS = """
import json, os, sys
import django
django.setup()
from django.test import override_settings
from core.resilience import CircuitOpen, breaker_state
from core.resilience.breaker import breaker_admit
caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": sys.argv[1], "KEY_PREFIX": sys.argv[2]}}
with override_settings(CACHES=caches, ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT=30):
    state = breaker_state(service="wikidata")
    try:
        breaker_admit(service="wikidata")
        refused = False
    except CircuitOpen:
        refused = True
print(json.dumps({"state": state.state, "failures": state.failures, "refused": refused}))
"""


@pytest.fixture
def redis_cache():
    prefix = f"mjtest-{uuid.uuid4().hex[:12]}"
    caches_setting = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                  "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    with override_settings(CACHES=caches_setting):
        yield prefix
        client = caches["default"]._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def test_it_shares_the_open_breaker_with_another_process_through_redis(fake_services, breaker_settings, redis_cache):
    fail_until_open(fake_services)
    assert breaker_state(service="wikidata").state == "open"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, REDIS_URL, redis_cache], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"state": "open", "failures": 3, "refused": True}

    fake_services.reset()
    caches["default"].delete("mj:breaker:wikidata:opened")  # as if the timeout passed and a trial succeeded
    caches["default"].delete("mj:breaker:wikidata:failures")
    done = subprocess.run([sys.executable, "-c", SECOND_PROCESS, REDIS_URL, redis_cache], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout.strip().splitlines()[-1])["state"] == "closed"


def test_it_runs_the_whole_cycle_on_redis(fake_services, breaker_settings, redis_cache, monkeypatch):
    fail_until_open(fake_services)
    with pytest.raises(CircuitOpen):
        wikidata_ask(query=ASK)
    opened_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: opened_at + 31)
    fake_services.reset()
    assert wikidata_ask(query=ASK) is True
    assert breaker_state(service="wikidata").state == "closed"


def test_it_reports_unknown_rather_than_failing_when_the_cache_holds_garbage(db, settings):
    caches["default"].set("mj:breaker:lastfm:opened", "not a number")
    caches["default"].set("mj:breaker:lastfm:failures", {"odd": True})
    state = breaker_state(service="lastfm")
    assert state.state == "closed" and state.failures == 0


def test_a_success_after_retries_clears_the_failures_it_counted(fake_services, breaker_settings, recorded_sleeps):
    breaker_settings.ENRICHMENT_MAX_RETRIES = 3
    fake_services.fail("wikidata", status=503, times=2)  # two failures, then the retry succeeds
    assert wikidata_ask(query=ASK) is True
    assert breaker_state(service="wikidata").failures == 0
    fake_services.fail("wikidata", status=503, times=2)  # two more must not reach the threshold of 3
    assert wikidata_ask(query=ASK) is True
    assert breaker_state(service="wikidata").state == "closed"
