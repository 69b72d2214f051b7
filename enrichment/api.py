"""Enrichment endpoints: the outside services' figures (providers add theirs here)."""

from datetime import datetime

from ninja import Router, Schema

from core.resilience.metrics import service_overview_list

router = Router(tags=["enrichment"])


class BreakerOut(Schema):
    state: str
    failures: int
    retry_in_seconds: float | None


class ServiceMetricsOut(Schema):
    service: str
    label: str
    configured: bool
    missing: list[str]
    requests: int
    successes: int
    failures: int
    retries: int
    cache_hits: int
    cache_misses: int
    short_circuits: int
    success_rate: float | None
    cache_hit_rate: float | None
    average_latency_ms: float | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    breaker: BreakerOut


class MetricsOut(Schema):
    services: list[ServiceMetricsOut]


@router.get("/metrics", response=MetricsOut, summary="Per-service call figures and circuit breaker state")
def metrics(request):
    """The same figures as the settings page, from whichever process answers."""
    return {"services": [overview.as_dict() for overview in service_overview_list()]}
