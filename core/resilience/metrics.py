"""Per-service figures, persisted in `core.ServiceMetric` so any process reads the same.

Each call costs one atomic `UPDATE ... SET n = n + 1`; the row is created on first use.
"""

import logging
from dataclasses import asdict, dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.models import ServiceMetric
from core.resilience.breaker import breaker_state
from core.resilience.services import SERVICES, service_missing_settings

logger = logging.getLogger("core.resilience")


def metrics_record(
    *,
    service: str,
    requests: int = 0,
    retries: int = 0,
    latency_ms: float = 0.0,
    succeeded: bool = False,
    failed: bool = False,
    cache_hit: bool = False,
    cache_miss: bool = False,
    short_circuit: bool = False,
    error: str = "",
) -> None:
    """Add one call's outcome to the service's counters; a metrics failure never fails the call."""
    now = timezone.now()
    changes = {"updated_at": now}
    for name, amount in (("requests", requests), ("retries", retries), ("successes", int(succeeded)),
                         ("failures", int(failed)), ("cache_hits", int(cache_hit)),
                         ("cache_misses", int(cache_miss)), ("short_circuits", int(short_circuit))):
        if amount:
            changes[name] = F(name) + amount
    if latency_ms:
        changes["latency_ms_total"] = F("latency_ms_total") + latency_ms
    if succeeded:
        changes["last_success_at"] = now
    if failed or short_circuit:
        changes["last_error_at"] = now
        changes["last_error"] = error[:300]
    try:
        if not ServiceMetric.objects.filter(service=service).update(**changes):
            try:
                with transaction.atomic():
                    ServiceMetric.objects.get_or_create(service=service)
            except IntegrityError:  # another process created it first
                pass
            ServiceMetric.objects.filter(service=service).update(**changes)
    except DatabaseError as exc:
        logger.warning("%s: metrics not recorded (%s)", service, exc.__class__.__name__)


@dataclass
class ServiceOverview:
    """Everything the settings page and the metrics endpoint show for one service."""

    service: str
    label: str
    configured: bool
    missing: list[str]
    requests: int = 0
    successes: int = 0
    failures: int = 0
    retries: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    short_circuits: int = 0
    success_rate: float | None = None
    cache_hit_rate: float | None = None
    average_latency_ms: float | None = None
    last_success_at: object = None
    last_error_at: object = None
    last_error: str = ""
    breaker: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def service_overview_list() -> list[ServiceOverview]:
    """One overview per known service, in a fixed order; never raises on odd state."""
    try:
        rows = {m.service: m for m in ServiceMetric.objects.filter(service__in=list(SERVICES))}
    except DatabaseError as exc:
        logger.warning("service metrics unreadable (%s)", exc.__class__.__name__)
        rows = {}
    overviews = []
    for service in SERVICES.values():
        missing = service_missing_settings(service=service.id)
        overview = ServiceOverview(service=service.id, label=service.label, configured=not missing, missing=missing)
        metric = rows.get(service.id)
        if metric is not None:
            for name in ("requests", "successes", "failures", "retries", "cache_hits", "cache_misses",
                         "short_circuits", "last_success_at", "last_error_at", "last_error"):
                setattr(overview, name, getattr(metric, name))
            overview.success_rate = metric.success_rate
            overview.cache_hit_rate = metric.cache_hit_rate
            latency = metric.average_latency_ms
            overview.average_latency_ms = round(latency, 1) if latency is not None else None
        state = breaker_state(service=service.id)
        overview.breaker = {"state": state.state, "failures": state.failures,
                            "retry_in_seconds": state.retry_in_seconds}
        overviews.append(overview)
    return overviews
