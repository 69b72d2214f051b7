"""Politeness limits shared by every process: requests per second, runs at once.

Rate: time is cut into windows of `interval` seconds (0.2 s for Last.fm's 5/s, 1 s for
Discogs' 60/min) and a request may only start in a window whose cache key it created
with `add`. Keys live in a ring, so the cache holds a fixed number of them per service.
Concurrency: `limit` slot keys; a call holds one (with a lease, in case its process dies).
"""

import logging
import math
import uuid
from contextlib import contextmanager

from django.core.cache import cache

from core.resilience import clock
from core.resilience.errors import Busy
from core.resilience.services import concurrency_limit, lease_seconds, rate_interval, service_get

logger = logging.getLogger("core.resilience")


@contextmanager
def polite_slot(*, service: str, max_wait: float):
    """Wait for this service's rate and concurrency limits; raise `Busy` after `max_wait`."""
    deadline = clock.monotonic() + max_wait
    interval = rate_interval(service=service)
    if interval:
        _wait_for_rate_window(service=service, interval=interval, deadline=deadline)
    limit = concurrency_limit(service=service)
    slot = _acquire_slot(service=service, limit=limit, deadline=deadline) if limit else None
    try:
        yield
    finally:
        if slot:
            _release_slot(*slot)


def _wait_for_rate_window(*, service: str, interval: float, deadline: float) -> None:
    ttl = max(1, math.ceil(interval))
    ring = max(64, 2 * math.ceil(ttl / interval) + 2)  # a key is expired before its turn comes again
    while True:
        now = clock.now()
        window = int(now // interval)
        if cache.add(f"mj:rate:{service}:{window % ring}", window, timeout=ttl):
            return
        if clock.monotonic() >= deadline:
            raise Busy(service, f"{service_get(service=service).label}: no request slot free in time")
        clock.sleep(max(0.001, (window + 1) * interval - now))


def _acquire_slot(*, service: str, limit: int, deadline: float) -> tuple[str, str]:
    token = uuid.uuid4().hex
    lease = lease_seconds(service=service)
    pause = 0.05
    while True:
        for index in range(limit):
            key = f"mj:slot:{service}:{index}"
            if cache.add(key, token, timeout=lease):
                return key, token
        if clock.monotonic() >= deadline:
            raise Busy(service, f"{service_get(service=service).label}: {limit} calls already running")
        logger.debug("%s: all %d slots taken, waiting %.2fs", service, limit, pause)
        clock.sleep(pause)
        pause = min(0.5, pause * 2)


def _release_slot(key: str, token: str) -> None:
    try:
        if cache.get(key) == token:
            cache.delete(key)
    except Exception as exc:  # the lease frees the slot anyway
        logger.warning("could not release %s (%s)", key, exc.__class__.__name__)
