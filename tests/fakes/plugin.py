"""pytest fixtures for the fake outside services.

Register once in tests/conftest.py with `pytest_plugins = ["tests.fakes.plugin"]`, or import
the fixtures into a test module. `fake_services` starts (once per session) the local
server, resets its knobs and points every client setting at it for one test.
"""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from core.clients.base import clients_forget
from core.resilience import clock
from core.resilience.breaker import breaker_reset
from core.resilience.services import SERVICES
from tests.fakes.server import FakeServices


@pytest.fixture(scope="session")
def fake_services_server():
    fake = FakeServices().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_services(fake_services_server, settings, db):
    """The running fake, fresh knobs, settings pointing at it, and a clean resilience state."""
    fake = fake_services_server
    fake.reset()
    clients_forget()  # a client built by an earlier test keeps its token: each test starts from none
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    # The fake has no quota: politeness limits have their own tests and would only slow these.
    settings.ENRICHMENT_RATE_LIMIT_LASTFM = ""
    settings.ENRICHMENT_RATE_LIMIT_DISCOGS = ""
    _clear_resilience_state()
    yield fake
    fake.reset()
    _clear_resilience_state()


@pytest.fixture
def recorded_sleeps(monkeypatch):
    """Backoff waits are recorded instead of slept; the list holds the seconds asked for."""
    waits: list[float] = []
    monkeypatch.setattr(clock, "sleep", waits.append)
    return waits


@pytest.fixture
def advancing_sleeps(monkeypatch):
    """Like recorded_sleeps, but each wait moves the resilience clock forward by its length,
    so a circuit breaker opened during the test half-opens after the waits, as in real time."""
    waits: list[float] = []
    offset = [0.0]
    real_now, real_monotonic = clock.now, clock.monotonic

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        offset[0] += seconds

    monkeypatch.setattr(clock, "sleep", sleep)
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset[0])
    monkeypatch.setattr(clock, "monotonic", lambda: real_monotonic() + offset[0])
    return waits


def _clear_resilience_state() -> None:
    """Breaker, politeness and cached answers start empty for every test."""
    backend = django_settings.CACHES["default"]["BACKEND"]
    if backend.endswith("DatabaseCache"):
        cache.clear()  # the cache table is not flushed between transactional tests
    elif backend.endswith("RedisCache"):
        client = cache._cache.get_client(write=True)  # only our "mj:" keys, never FLUSHDB
        for key in client.scan_iter(cache.make_key("mj:*")):
            client.delete(key)
    else:
        for service in SERVICES:
            breaker_reset(service=service)
