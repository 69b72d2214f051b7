"""The resilience layer: timeouts, retries with backoff, circuit breaker, politeness, cache, metrics.

Every outside call goes through `resilient_call(service, fn, ...)`; see executor.py.
"""

from core.resilience.breaker import BreakerState, breaker_reset, breaker_state
from core.resilience.errors import (
    AuthFailed,
    BadRequest,
    BadResponse,
    Busy,
    CircuitOpen,
    Forbidden,
    NotConfigured,
    NotFound,
    RateLimited,
    ServiceError,
    Unavailable,
)
from core.resilience.executor import backoff_delay, cached_value_forget, resilient_call
from core.resilience.metrics import ServiceOverview, metrics_record, service_overview_list
from core.resilience.redact import redact
from core.resilience.services import SERVICES, service_configured, service_missing_settings

__all__ = [
    "AuthFailed", "BadRequest", "BadResponse", "BreakerState", "Busy", "CircuitOpen", "Forbidden",
    "NotConfigured", "NotFound", "RateLimited", "SERVICES", "ServiceError", "ServiceOverview", "Unavailable",
    "backoff_delay", "breaker_reset", "breaker_state", "cached_value_forget", "metrics_record", "redact",
    "resilient_call", "service_configured", "service_missing_settings", "service_overview_list",
]
