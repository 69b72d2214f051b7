"""/metrics: the shared figures in Prometheus' text format, behind a bearer token or a staff login."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from core.models import Job, ServiceMetric
from core.resilience import clock
from core.resilience.services import SERVICES
from core.tasks import worker_heartbeat

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"


def families(response) -> dict:
    """{family name: {(sample name, sorted label pairs): value}} of an exposition."""
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        found[family.name] = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}
    return found


def value(found, family, sample=None, **labels):
    return found[family].get((sample or family, tuple(sorted(labels.items()))))


@pytest.fixture
def no_token(settings):
    settings.METRICS_TOKEN = ""


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token_value=TOKEN, **extra):
    return client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token_value}", **extra)


def make_job(kind, status, *, done=0, total=None, age_seconds=0, created_minutes_ago=0):
    job = Job.objects.create(kind=kind, status=status, done=done, total=total,
                             created_at=timezone.now() - timedelta(minutes=created_minutes_ago))
    if age_seconds:
        Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=age_seconds))
    return job


def test_it_serves_the_figures_of_a_service_metric_row(client, token):
    ServiceMetric.objects.create(service="discogs", requests=12, successes=8, failures=2, retries=3, cache_hits=5,
                                 cache_misses=7, short_circuits=1, latency_ms_total=1500.0)
    found = families(scrape(client))
    for family, expected in [("journal_service_requests", 12), ("journal_service_successes", 8),
                             ("journal_service_failures", 2), ("journal_service_retries", 3),
                             ("journal_service_cache_hits", 5), ("journal_service_cache_misses", 7),
                             ("journal_service_short_circuits", 1)]:
        assert value(found, family, f"{family}_total", service="discogs") == expected, family
        assert value(found, family, f"{family}_total", service="wikidata") == 0, family  # no row yet: zero
    assert value(found, "journal_service_latency_ms_average", service="discogs") == 125.0
    assert value(found, "journal_service_latency_ms_average", service="wikidata") is None  # no request yet
    assert {labels[0][1] for _name, labels in found["journal_service_configured"]} == set(SERVICES)
    assert value(found, "journal_service_configured", service="wikidata") == 1  # needs no setting
    assert value(found, "journal_service_breaker_open", service="discogs") == 0
    assert value(found, "journal_service_breaker_state", service="discogs", state="closed") == 1
    assert value(found, "journal_service_breaker_state", service="discogs", state="open") == 0


def test_it_says_which_settings_are_missing_only_as_configured_zero(client, token, settings):
    settings.APIFY_TOKEN = ""
    settings.DISCOGS_TOKEN = "set"
    settings.DISCOGS_USERNAME = "rj_demo"
    found = families(scrape(client))
    assert value(found, "journal_service_configured", service="apify") == 0
    assert value(found, "journal_service_configured", service="discogs") == 1


def test_it_reports_an_open_and_a_half_open_breaker_from_the_shared_cache(client, token, settings):
    settings.ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT = 60
    caches["default"].set("mj:breaker:spotify:opened", clock.now(), 3600)
    caches["default"].set("mj:breaker:ai:opened", clock.now() - 600, 3600)
    found = families(scrape(client))
    assert value(found, "journal_service_breaker_open", service="spotify") == 1
    assert value(found, "journal_service_breaker_state", service="spotify", state="open") == 1
    assert value(found, "journal_service_breaker_state", service="spotify", state="closed") == 0
    assert value(found, "journal_service_breaker_open", service="ai") == 0
    assert value(found, "journal_service_breaker_state", service="ai", state="half_open") == 1


def test_it_serves_running_jobs_their_progress_and_counts(client, token):
    make_job("lastfm_backfill", Job.Status.RUNNING, done=900, total=1000, created_minutes_ago=30)
    make_job("lastfm_backfill", Job.Status.RUNNING, done=250, total=1000)  # the newest: its progress counts
    make_job("lastfm_backfill", Job.Status.SUCCEEDED, done=10, total=10, created_minutes_ago=60)
    make_job("discogs_sync", Job.Status.RUNNING, done=40, total=None)  # total unknown yet
    make_job("history_import", Job.Status.RUNNING, done=5, total=10, age_seconds=3600)  # its worker died
    found = families(scrape(client))
    assert value(found, "journal_job_running", kind="lastfm_backfill") == 2
    assert value(found, "journal_job_running", kind="discogs_sync") == 1
    assert value(found, "journal_job_running", kind="history_import") == 0
    assert value(found, "journal_job_interrupted", kind="history_import") == 1
    assert value(found, "journal_job_progress_ratio", kind="lastfm_backfill") == 0.25
    assert value(found, "journal_job_progress_ratio", kind="discogs_sync") is None
    assert value(found, "journal_job_progress_ratio", kind="history_import") is None
    assert value(found, "journal_jobs_total", kind="lastfm_backfill", status="running") == 2
    assert value(found, "journal_jobs_total", kind="lastfm_backfill", status="succeeded") == 1
    assert value(found, "journal_jobs_total", kind="history_import", status="running") == 1


def test_it_serves_the_worker_heartbeat_and_the_database(client, token):
    found = families(scrape(client))
    assert value(found, "journal_worker_up") == 0
    assert found["journal_worker_heartbeat_age_seconds"] == {}  # no beat yet: absent, not 0
    worker_heartbeat()
    found = families(scrape(client))
    assert value(found, "journal_worker_up") == 1
    assert 0 <= value(found, "journal_worker_heartbeat_age_seconds") < 5
    assert value(found, "journal_database_up") == 1


def test_it_builds_its_own_registry_not_the_process_one(client, token):
    body = scrape(client).content.decode()
    assert "python_info" not in body and "process_cpu" not in body
    assert "histogram" in body.split("journal_service_latency_ms_average")[1].split("\n")[0]  # the HELP says so


def test_a_right_token_reads_without_a_session(client, token):
    response = scrape(client)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ",
                                    f"Token {TOKEN}"])
def test_a_wrong_or_missing_token_is_refused(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(reverse("metrics"), **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"journal_" not in response.content


def test_with_a_token_set_a_staff_session_alone_is_refused(owner_client, token):
    assert owner_client.get(reverse("metrics")).status_code == 401


def test_an_address_guessing_the_token_is_paused(client, token, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    for _ in range(3):
        assert scrape(client, "guess").status_code == 401
    paused = scrape(client)  # even the right token: a blocked address learns nothing more
    assert paused.status_code == 429 and int(paused["Retry-After"]) > 0
    assert scrape(Client(REMOTE_ADDR="198.51.100.7")).status_code == 200


def test_without_a_token_only_a_staff_login_reads_it(no_token, owner_client, other_user):
    anonymous = Client().get(reverse("metrics"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert Client().get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 302
    visitor = Client()
    visitor.force_login(other_user)
    assert visitor.get(reverse("metrics")).status_code == 403
    found = families(owner_client.get(reverse("metrics")))
    assert value(found, "journal_service_requests", "journal_service_requests_total", service="lastfm") == 0


def test_it_answers_get_only(owner_client, no_token):
    assert owner_client.post(reverse("metrics")).status_code == 405


def test_it_never_shows_a_secret_or_a_setting_value(client, settings, token):
    values = {}
    for spec in SERVICES.values():
        for name in {*spec.required, *spec.secrets, spec.base_url_setting, spec.user_setting} - {""}:
            values[name] = f"https://value-of-{name.lower()}.example/{name}-zz9"
            setattr(settings, name, values[name])
    ServiceMetric.objects.create(service="spotify", requests=1, failures=1, last_error=f"boom {TOKEN}")
    body = scrape(client).content.decode()
    assert "SPOTIFY_CLIENT_SECRET" in values
    for name, secret in values.items():
        assert secret not in body and f"{name}-zz9" not in body, name
    assert TOKEN not in body and "boom" not in body  # nor the token, nor a stored error text


def test_it_answers_when_the_cache_is_down(client, token, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    for method in ("get", "get_many", "set", "add", "incr", "delete", "delete_many"):
        monkeypatch.setattr(caches["default"], method, down)
    ServiceMetric.objects.create(service="lastfm", requests=4)
    found = families(scrape(client))
    assert value(found, "journal_service_requests", "journal_service_requests_total", service="lastfm") == 4
    assert value(found, "journal_service_breaker_state", service="lastfm", state="unknown") == 1
    assert value(found, "journal_service_breaker_open", service="lastfm") is None  # not claimed closed
    assert value(found, "journal_worker_up") == 0
    assert scrape(client, "wrong").status_code == 401


def test_a_scrape_never_writes_to_the_database(client, token):
    ServiceMetric.objects.create(service="wikidata", requests=3)
    make_job("lastfm_backfill", Job.Status.RUNNING, done=1, total=2)
    worker_heartbeat()
    with CaptureQueriesContext(connection) as captured:
        assert scrape(client).status_code == 200
    reads = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")
    assert [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(reads)] == []
    assert len(captured.captured_queries) < 20
