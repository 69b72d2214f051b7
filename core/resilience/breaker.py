"""A circuit breaker per service whose state lives in the Django cache.

CLOSED: calls go through; consecutive failures are counted. At the threshold the
breaker OPENS: calls fail fast for `ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT` seconds. Then it
is HALF-OPEN: exactly one process wins `cache.add` of the trial key and makes one trial
call; success closes the breaker, failure opens it again.

Three keys per service, so no process rewrites a structure another one is reading:
`failures` (a counter), `opened` (when it opened; its presence means open or half-open)
and `trial` (held by the one trial call). On Redis `add` and `incr` are atomic. On the
database cache `add` of a new key is atomic (a racing INSERT fails), `incr` is a read
then a write, so two simultaneous failures may count as one — the breaker then opens one
failure later, which is safe enough; and a failure streak is forgotten after five quiet
minutes because the database cache's `incr` resets the key's timeout to the default.
"""

import logging
from dataclasses import dataclass

from django.core.cache import cache

from core.resilience import clock
from core.resilience.errors import CircuitOpen
from core.resilience.services import breaker_threshold, breaker_timeout, lease_seconds, service_get

logger = logging.getLogger("core.resilience")

CLOSED, OPEN, HALF_OPEN, UNKNOWN = "closed", "open", "half-open", "unknown"
_STATE_TTL = 24 * 3600


def _key(service: str, part: str) -> str:
    return f"mj:breaker:{service}:{part}"


@dataclass(frozen=True)
class Admission:
    """What the breaker said before a call; handed back when the outcome is known."""

    trial: bool = False
    dirty: bool = False  # there is state to clear on success


@dataclass(frozen=True)
class BreakerState:
    service: str
    state: str
    failures: int = 0
    opened_at: float | None = None
    retry_in_seconds: float | None = None


def cache_incr(*, key: str, ttl: int) -> int:
    """Increment a counter, creating it with a timeout when absent."""
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=ttl)
        return 1


def breaker_state(*, service: str) -> BreakerState:
    """The breaker as every process sees it; never raises (an odd cache shows "unknown")."""
    try:
        values = cache.get_many([_key(service, "failures"), _key(service, "opened")])
    except Exception as exc:
        logger.warning("%s: circuit breaker state unreadable (%s)", service, exc.__class__.__name__)
        return BreakerState(service=service, state=UNKNOWN)
    failures = _as_int(values.get(_key(service, "failures")))
    opened_at = _as_float(values.get(_key(service, "opened")))
    if opened_at is None:
        return BreakerState(service=service, state=CLOSED, failures=failures)
    remaining = breaker_timeout() - (clock.now() - opened_at)
    if remaining > 0:
        return BreakerState(service=service, state=OPEN, failures=failures, opened_at=opened_at,
                            retry_in_seconds=round(remaining, 1))
    return BreakerState(service=service, state=HALF_OPEN, failures=failures, opened_at=opened_at, retry_in_seconds=0)


def breaker_admit(*, service: str) -> Admission:
    """Let a call through, or raise `CircuitOpen` without touching the network."""
    values = cache.get_many([_key(service, "failures"), _key(service, "opened")])
    opened_at = _as_float(values.get(_key(service, "opened")))
    if opened_at is None:
        return Admission(dirty=bool(values.get(_key(service, "failures"))))
    label = service_get(service=service).label
    remaining = breaker_timeout() - (clock.now() - opened_at)
    if remaining > 0:
        raise CircuitOpen(service, f"{label} is paused after repeated failures; next try in {remaining:.0f}s",
                          retry_after=remaining)
    if cache.add(_key(service, "trial"), clock.now(), timeout=lease_seconds(service=service)):
        logger.info("%s: circuit breaker half-open, making one trial call", label)
        return Admission(trial=True, dirty=True)
    raise CircuitOpen(service, f"{label} is paused; a trial call is under way")


def breaker_record_success(*, service: str, admission: Admission) -> None:
    if not admission.dirty:
        return
    cache.delete_many([_key(service, "failures"), _key(service, "opened"), _key(service, "trial")])
    if admission.trial:
        logger.info("%s: circuit breaker closed after a successful trial call", service_get(service=service).label)


def breaker_record_failure(*, service: str, admission: Admission) -> bool:
    """Count a failure that says the service is unhealthy; True when the breaker is now open."""
    label = service_get(service=service).label
    if admission.trial:
        cache.set(_key(service, "opened"), clock.now(), timeout=_STATE_TTL)
        cache.delete(_key(service, "trial"))
        logger.warning("%s: circuit breaker opened again, the trial call failed", label)
        return True
    failures = cache_incr(key=_key(service, "failures"), ttl=_STATE_TTL)
    if failures < breaker_threshold():
        return False
    if cache.add(_key(service, "opened"), clock.now(), timeout=_STATE_TTL):
        logger.warning("%s: circuit breaker opened after %d consecutive failures", label, failures)
    return True


def breaker_release_trial(*, service: str, admission: Admission) -> None:
    """A trial call ended in something that says nothing about the service's health."""
    if admission.trial:
        cache.delete(_key(service, "trial"))


def breaker_reset(*, service: str) -> None:
    cache.delete_many([_key(service, "failures"), _key(service, "opened"), _key(service, "trial")])


def _as_int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _as_float(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
