"""First-run setup: owner account, schedules, health check, the SQLite file in WAL mode."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from core.schedules import schedules_upsert
from core.tasks import HEARTBEAT_KEY, worker_heartbeat

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
@override_settings(JOURNAL_ADMIN_USER="rj", JOURNAL_ADMIN_PASSWORD="", SEED_DEMO=False)
def test_it_creates_the_owner_with_a_generated_password_printed_once():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    printed = out.getvalue()
    password = printed.split("password: ")[1].split()[0]
    owner = get_user_model().objects.get(username="rj")
    assert owner.is_superuser and owner.check_password(password)

    again = StringIO()
    call_command("bootstrap", stdout=again)
    assert password not in again.getvalue()
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
@override_settings(JOURNAL_ADMIN_USER="rj", JOURNAL_ADMIN_PASSWORD="from-the-env-123", SEED_DEMO=False)
def test_it_takes_the_owner_password_from_the_environment_and_never_prints_it():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    assert "from-the-env-123" not in out.getvalue()
    assert get_user_model().objects.get(username="rj").check_password("from-the-env-123")


@pytest.mark.django_db
@override_settings(SEED_DEMO=False)
def test_it_skips_demo_data_when_seed_demo_is_off():
    from catalog.models import Artist

    out = StringIO()
    call_command("bootstrap", stdout=out)
    assert "skipped" in out.getvalue()
    assert not Artist.objects.exists()


@pytest.mark.django_db
def test_it_declares_schedules_and_upserts_them_by_name():
    assert Schedule.objects.filter(name="worker heartbeat", func="core.tasks.worker_heartbeat").count() == 1
    declared = [{"name": "worker heartbeat", "func": "core.tasks.worker_heartbeat", "schedule_type": "I", "minutes": 5}]
    with override_settings(JOURNAL_SCHEDULES=declared):
        schedules_upsert()
        schedules_upsert()
    assert Schedule.objects.filter(name="worker heartbeat").count() == 1
    assert Schedule.objects.get(name="worker heartbeat").minutes == 5


@pytest.mark.django_db
def test_healthz_is_public_and_reports_database_and_worker(client):
    cache.delete(HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["database"]["ok"] is True
    assert report["worker"]["ok"] is False
    assert report["status"] == "degraded"

    worker_heartbeat()
    report = client.get("/healthz").json()
    assert report["worker"]["ok"] is True and report["status"] == "ok"


@pytest.mark.django_db
def test_healthz_calls_a_silent_worker_degraded(client):
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=10)).isoformat())
    report = client.get("/healthz").json()
    assert report["worker"]["ok"] is False
    assert report["worker"]["age_seconds"] >= 600


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="checks the SQLite default")
def test_it_migrates_a_fresh_sqlite_file_in_wal_mode_with_its_cache_table(tmp_path):
    env = {**os.environ, "JOURNAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    db = sqlite3.connect(tmp_path / "journal.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"journal_cache", "tracker_scrobble", "django_q_schedule"} <= tables
    health = subprocess.run(
        [sys.executable, "-c", "import django,json;django.setup();"
         "from core.selectors.health import health_report;print(json.dumps(health_report()))"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    assert json.loads(health.stdout)["database"] == {"ok": True, "vendor": "sqlite"}


def test_the_example_environment_file_runs_as_it_is(tmp_path):
    """.env.example leaves DATABASE_URL (and the other services) empty: copied as .env, the app starts on SQLite."""
    env = {**os.environ, "JOURNAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    example = (ROOT / ".env.example").read_text()
    env.update(line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#"))
    engine = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();from django.conf import settings;"
         "print(settings.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )
    assert engine.stdout.strip() == "django.db.backends.sqlite3"
