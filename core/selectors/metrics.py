"""What `/metrics` reports, read from the figures every process shares.

The outside services' counters live in the database (`ServiceMetric`) and their breakers in
the shared cache, jobs in `Job`, the worker's heartbeat in the cache: any web process answers
with the same figures. Reading never raises on a database or cache that is down: what cannot
be read is left out (or shown as "unknown"), the rest is still reported.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import DatabaseError
from django.db.models import Count

from core.models import Job, job_stale_before
from core.resilience.metrics import ServiceOverview, service_overview_list
from core.resilience.services import SERVICES, service_missing_settings
from core.selectors.health import health_report

logger = logging.getLogger("core.resilience")


@dataclass(frozen=True)
class JobFigures:
    """Jobs per kind: rows by status, running (and beating) ones, interrupted ones, newest progress."""

    by_status: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, status) -> jobs
    running: dict[str, int] = field(default_factory=dict)  # kind -> running and beating
    interrupted: dict[str, int] = field(default_factory=dict)  # kind -> marked running, beat stopped
    progress: dict[str, float] = field(default_factory=dict)  # kind -> done/total of the newest running job

    @property
    def kinds(self) -> list[str]:
        return sorted({kind for kind, _status in self.by_status} | set(self.running) | set(self.interrupted))


@dataclass(frozen=True)
class MetricsSnapshot:
    services: list[ServiceOverview]
    jobs: JobFigures
    database_up: bool
    worker_up: bool
    worker_heartbeat_age_seconds: float | None  # None: no heartbeat seen, or the cache is unreadable


def metrics_snapshot() -> MetricsSnapshot:
    """Every figure `/metrics` shows, read once; never raises on odd state."""
    health = health_report()
    worker = health["worker"]
    return MetricsSnapshot(
        services=_service_overviews(),
        jobs=_job_figures(),
        database_up=bool(health["database"]["ok"]),
        worker_up=bool(worker.get("ok")),
        worker_heartbeat_age_seconds=worker.get("age_seconds"),
    )


def _service_overviews() -> list[ServiceOverview]:
    try:
        return service_overview_list()
    except Exception as exc:  # like the settings panel: an odd cache or database shows configuration only
        logger.warning("metrics show configuration only: %s", exc.__class__.__name__)
        overviews = []
        for service in SERVICES.values():
            missing = service_missing_settings(service=service.id)
            overviews.append(ServiceOverview(service=service.id, label=service.label, configured=not missing,
                                             missing=missing,
                                             breaker={"state": "unknown", "failures": 0, "retry_in_seconds": None}))
        return overviews


def _job_figures() -> JobFigures:
    try:
        counts = Job.objects.order_by().values_list("kind", "status").annotate(jobs=Count("id"))
        by_status = {(kind, status): jobs for kind, status, jobs in counts}
        # Few rows: at most a live job per kind, plus interrupted ones waiting for a worker to resume them.
        rows = list(Job.objects.filter(status=Job.Status.RUNNING).order_by("kind", "-created_at", "-pk")
                    .values_list("kind", "done", "total", "updated_at"))
    except DatabaseError as exc:
        logger.warning("job figures unreadable (%s)", exc.__class__.__name__)
        return JobFigures()
    stale_before = job_stale_before()
    running, interrupted, progress = Counter(), Counter(), {}
    for kind, done, total, updated_at in rows:
        if updated_at is not None and updated_at < stale_before:
            interrupted[kind] += 1
            continue
        if not running[kind] and total:  # the newest running job of its kind, when it knows its total
            progress[kind] = min(1.0, done / total)
        running[kind] += 1
    return JobFigures(by_status=by_status, running=dict(running), interrupted=dict(interrupted), progress=progress)
