"""`resilient_call`: the one door every outside call goes through.

Order of things: read-through cache → circuit breaker → politeness limits → the call
(its timeout is set on the client library by `core.clients`) → classification of what
went wrong → retry with exponential backoff that honours Retry-After → metrics.
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from core.resilience import clock
from core.resilience.breaker import (
    breaker_admit,
    breaker_record_failure,
    breaker_record_success,
    breaker_release_trial,
)
from core.resilience.errors import CircuitOpen, NotFound, ServiceError
from core.resilience.metrics import metrics_record
from core.resilience.politeness import polite_slot
from core.resilience.redact import install_log_redaction, redact
from core.resilience.services import backoff_factor, cache_ttl, classify, max_retries, service_get, service_timeout

logger = logging.getLogger("core.resilience")
T = TypeVar("T")
_MISSING = object()
_NOT_FOUND = "not-found"
# A "no such artist" answer is kept this long at most (a day), so a run does not ask again at once.
NOT_FOUND_TTL_SECONDS = 24 * 3600


def data_cache_key(*, service: str, cache_key: str) -> str:
    digest = hashlib.sha1(cache_key.encode("utf-8")).hexdigest()
    return f"mj:data:{service}:{digest}"


def backoff_delay(*, attempt: int, retry_after: float | None) -> float:
    """Seconds before try number `attempt + 1`: factor × 2^(attempt-1), at least Retry-After."""
    delay = backoff_factor() * (2 ** (attempt - 1))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def resilient_call(
    service: str,
    fn: Callable[[], T],
    *,
    what: str = "",
    caller: str | None = None,
    cache_key: str | None = None,
    ttl_kind: str = "default",
    force_refresh: bool = False,
    retries: int | None = None,
) -> T:
    """Run `fn()` (one request through a client library) under this service's policy.

    `cache_key` turns on the read-through cache for `ttl_kind`'s lifetime (the result must
    be picklable: return plain data, not library objects); `force_refresh` skips the read
    but still stores the fresh answer. Raises a `ServiceError` subclass with a message that
    is safe to show; exceptions that are not outside failures (our bugs) pass unchanged.
    """
    install_log_redaction()
    spec = service_get(service=service)
    if cache_key is not None and ttl_kind not in (*spec.cache_kinds, "default"):
        raise ValueError(f"{spec.label} caches no {ttl_kind!r} answers; add the kind to its ServiceSpec")
    label = spec.label
    caller = caller or label
    what = what or "request"

    data_key = data_cache_key(service=service, cache_key=cache_key) if cache_key is not None else None
    if data_key is not None and not force_refresh:
        stored = cache.get(data_key, _MISSING)
        if stored is not _MISSING and isinstance(stored, tuple) and len(stored) == 1:
            metrics_record(service=service, cache_hit=True)
            return stored[0]
        if stored is not _MISSING and isinstance(stored, tuple) and len(stored) == 2 and stored[0] == _NOT_FOUND:
            metrics_record(service=service, cache_hit=True)
            raise NotFound(service, stored[1])  # the service said so a short while ago

    try:
        admission = breaker_admit(service=service)
    except CircuitOpen as refused:
        metrics_record(service=service, short_circuit=True, error=refused.message)
        logger.info("%s: %s refused, %s", caller, what, refused.message)
        raise

    allowed_retries = max_retries() if retries is None else max(0, retries)
    max_retry_after = float(getattr(settings, "ENRICHMENT_MAX_RETRY_AFTER", 120))
    attempts, latency_ms = 0, 0.0
    while True:
        attempts += 1
        started = clock.monotonic()
        try:
            with polite_slot(service=service, max_wait=service_timeout(service=service)):
                started = clock.monotonic()
                result = fn()
        except Exception as exc:
            latency_ms += (clock.monotonic() - started) * 1000
            error = classify(service=service, exc=exc)
            if error is None:
                breaker_release_trial(service=service, admission=admission)
                metrics_record(service=service, requests=attempts, retries=attempts - 1, latency_ms=latency_ms,
                               failed=True, cache_miss=data_key is not None,
                               error=redact(f"unexpected {exc.__class__.__name__}"))
                raise
            error.message = redact(error.message)
            error.args = (error.message,)
            opened = False
            if error.trips_breaker:
                opened = breaker_record_failure(service=service, admission=admission)
                admission = replace(admission, dirty=True)  # a later success must clear this failure
            else:
                breaker_release_trial(service=service, admission=admission)
            delay = backoff_delay(attempt=attempts, retry_after=error.retry_after) if error.retryable else 0.0
            if not error.retryable or attempts > allowed_retries or opened or delay > max_retry_after:
                metrics_record(service=service, requests=attempts, retries=attempts - 1, latency_ms=latency_ms,
                               failed=True, cache_miss=data_key is not None, error=error.message)
                logger.warning("%s: %s failed after %d attempt%s: %s", caller, what, attempts,
                               "" if attempts == 1 else "s", error.message)
                if data_key is not None and isinstance(error, NotFound):  # "no such thing" holds a while too
                    cache.set(data_key, (_NOT_FOUND, error.message),
                              timeout=min(cache_ttl(kind=ttl_kind), NOT_FOUND_TTL_SECONDS))
                raise error from None  # the library's exception may carry a token in a URL
            logger.info("%s: Retry %d/%d for %s after %gs (%s)", caller, attempts, allowed_retries, what,
                        round(delay, 2), error.message)
            clock.sleep(delay)
            continue
        latency_ms += (clock.monotonic() - started) * 1000
        break

    breaker_record_success(service=service, admission=admission)
    if data_key is not None:
        cache.set(data_key, (result,), timeout=cache_ttl(kind=ttl_kind))
    metrics_record(service=service, requests=attempts, retries=attempts - 1, latency_ms=latency_ms,
                   succeeded=True, cache_miss=data_key is not None)
    return result


def cached_value_forget(*, service: str, cache_key: str) -> None:
    cache.delete(data_cache_key(service=service, cache_key=cache_key))


__all__ = ["resilient_call", "backoff_delay", "data_cache_key", "cached_value_forget", "ServiceError"]
