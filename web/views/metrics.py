"""`/metrics`: the shared figures in Prometheus' text format, for a Prometheus server or a person.

A registry is built per request from `core.selectors.metrics` (the database and the shared
cache), never from counters kept in this process: every web process answers the same.
With `METRICS_TOKEN` set the request must carry `Authorization: Bearer <METRICS_TOKEN>` (no
session needed, none used); without it only a logged-in staff user may read the figures.
Only counts, states and names are shown, never a setting's value.
"""

import logging
import secrets
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from core.selectors.health import WORKER_STALE_AFTER_SECONDS
from core.selectors.metrics import MetricsSnapshot, metrics_snapshot
from core.services.throttle import api_token_failure_record, api_token_throttle_wait, client_address, wait_text

logger = logging.getLogger(__name__)

SERVICE_COUNTERS = (
    ("requests", "journal_service_requests", "HTTP attempts made to the outside service, retries included."),
    ("successes", "journal_service_successes", "Calls to the outside service that succeeded, after any retries."),
    ("failures", "journal_service_failures", "Calls to the outside service that failed, after their retries."),
    ("retries", "journal_service_retries", "Attempts that repeated a failed one."),
    ("cache_hits", "journal_service_cache_hits", "Calls answered from the read-through cache, without a request."),
    ("cache_misses", "journal_service_cache_misses", "Cacheable calls the read-through cache could not answer."),
    ("short_circuits", "journal_service_short_circuits", "Calls refused by an open circuit breaker."),
)
# Our breaker's states, as `state` label values (Prometheus label values: no hyphen).
BREAKER_STATES = {"closed": "closed", "open": "open", "half-open": "half_open", "unknown": "unknown"}


class JournalCollector:
    """The families of one snapshot; `describe` lists none so registering it does not read twice."""

    def __init__(self, snapshot: MetricsSnapshot):
        self.snapshot = snapshot

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield from self._services()
        yield from self._jobs()
        yield from self._worker()

    def _services(self) -> Iterator[Metric]:
        services = self.snapshot.services
        for attribute, name, documentation in SERVICE_COUNTERS:
            family = CounterMetricFamily(name, documentation, labels=["service"])
            for overview in services:
                family.add_metric([overview.service], getattr(overview, attribute) or 0)
            yield family
        latency = GaugeMetricFamily(
            "journal_service_latency_ms_average",
            "Mean latency of one HTTP attempt, in milliseconds, since the counters began. An average, not a "
            "histogram: per-request latencies and buckets are not stored. Absent before the first request.",
            labels=["service"])
        breaker_open = GaugeMetricFamily(
            "journal_service_breaker_open",
            "1 while the circuit breaker is open (calls fail fast), else 0; absent when its state is unreadable.",
            labels=["service"])
        breaker_state = GaugeMetricFamily(
            "journal_service_breaker_state",
            "The circuit breaker's state: 1 for the current one (closed, open, half_open; unknown when the "
            "shared cache is unreadable), 0 for the others.",
            labels=["service", "state"])
        configured = GaugeMetricFamily(
            "journal_service_configured", "1 when every setting the service needs is set, else 0.",
            labels=["service"])
        for overview in services:
            if overview.average_latency_ms is not None:
                latency.add_metric([overview.service], overview.average_latency_ms)
            state = BREAKER_STATES.get(overview.breaker.get("state"), "unknown")
            if state != "unknown":
                breaker_open.add_metric([overview.service], int(state == "open"))
            for value in BREAKER_STATES.values():
                breaker_state.add_metric([overview.service, value], int(value == state))
            configured.add_metric([overview.service], int(overview.configured))
        yield from (latency, breaker_open, breaker_state, configured)

    def _jobs(self) -> Iterator[Metric]:
        jobs = self.snapshot.jobs
        running = GaugeMetricFamily("journal_job_running", "Jobs running now (and beating), per kind.",
                                    labels=["kind"])
        interrupted = GaugeMetricFamily(
            "journal_job_interrupted", "Jobs marked running whose beat stopped (their worker died), per kind.",
            labels=["kind"])
        for kind in jobs.kinds:
            running.add_metric([kind], jobs.running.get(kind, 0))
            interrupted.add_metric([kind], jobs.interrupted.get(kind, 0))
        progress = GaugeMetricFamily(
            "journal_job_progress_ratio",
            "done/total (0 to 1) of the newest running job of each kind; absent while its total is unknown.",
            labels=["kind"])
        for kind, ratio in sorted(jobs.progress.items()):
            progress.add_metric([kind], ratio)
        # A gauge: a job changes status, so a (kind, status) count goes down as well as up.
        total = GaugeMetricFamily("journal_jobs_total", "Jobs stored, per kind and status (a gauge: jobs change "
                                  "status).", labels=["kind", "status"])
        for (kind, status), count in sorted(jobs.by_status.items()):
            total.add_metric([kind, status], count)
        yield from (running, interrupted, progress, total)

    def _worker(self) -> Iterator[Metric]:
        snapshot = self.snapshot
        age = GaugeMetricFamily(
            "journal_worker_heartbeat_age_seconds",
            "Seconds since a background worker last beat; absent when none has, or the cache is unreadable.")
        if snapshot.worker_heartbeat_age_seconds is not None:
            age.add_metric([], snapshot.worker_heartbeat_age_seconds)
        yield age
        yield GaugeMetricFamily(
            "journal_worker_up", f"1 while a worker beat within the last {WORKER_STALE_AFTER_SECONDS} seconds, else 0.",
            value=int(snapshot.worker_up))
        yield GaugeMetricFamily("journal_database_up", "1 when the database answers, else 0.",
                                value=int(snapshot.database_up))


@login_not_required  # a Prometheus server has a token, not a session: the check is below
@require_GET
@never_cache
def metrics(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        refusal = _token_refusal(request, token)
        if refusal is not None:
            return refusal
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    elif not request.user.is_staff:
        raise PermissionDenied
    registry = CollectorRegistry()
    registry.register(JournalCollector(metrics_snapshot()))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _token_refusal(request, token: str) -> HttpResponse | None:
    """None when the request carries the metrics token; else 401 (or 429 for an address that keeps guessing)."""
    address = client_address(request)
    try:
        wait = api_token_throttle_wait(address=address)
    except Exception as exc:  # the cache is down: no throttling, the token is still checked
        logger.warning("metrics token throttle unreadable (%s)", exc.__class__.__name__)
        wait = 0
    if wait:  # before the comparison: a blocked address learns nothing more about the token
        response = HttpResponse(f"Too many wrong tokens from this address, try again in {wait_text(wait)}.\n",
                                status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(wait)
        return response
    presented = _bearer_token(request)
    if presented is not None and secrets.compare_digest(presented.encode(), token.encode()):
        return None
    if presented is not None:
        try:
            api_token_failure_record(address=address)
        except Exception as exc:
            logger.warning("metrics token failure not counted (%s)", exc.__class__.__name__)
    response = HttpResponse("Send Authorization: Bearer <METRICS_TOKEN>.\n", status=401,
                            content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def _bearer_token(request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()
