"""What /healthz reports: the database answers, and when a worker last checked in."""

from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.tasks import HEARTBEAT_KEY, HEARTBEAT_SECONDS

# Three beats missed: the worker is gone (within a minute of its death).
WORKER_STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


def health_report() -> dict:
    report = {"status": "ok", "database": _database_status(), "worker": _worker_status()}
    if not report["database"]["ok"]:
        report["status"] = "error"
    elif not report["worker"]["ok"]:
        report["status"] = "degraded"
    return report


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; say which
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}


def _worker_status() -> dict:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "last_heartbeat": None, "error": f"cache unavailable ({exc.__class__.__name__})"}
    if not last:
        return {"ok": False, "last_heartbeat": None, "age_seconds": None}
    age = (timezone.now() - datetime.fromisoformat(last)).total_seconds()
    return {"ok": age <= WORKER_STALE_AFTER_SECONDS, "last_heartbeat": last, "age_seconds": round(age)}
