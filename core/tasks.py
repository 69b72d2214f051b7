"""Tasks of the shared kernel: the worker's heartbeat, what a worker does as it starts, database upkeep
and backups."""

import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.priority import background_priority
from core.services.backups import backup_create
from core.services.jobs import jobs_resume_interrupted
from core.services.maintenance import database_optimize

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker:heartbeat"
# Each worker process beats this often, so /healthz notices a dead worker within a minute.
HEARTBEAT_SECONDS = 15
_beating = threading.Event()


def worker_heartbeat() -> str:
    """Record that a django-q2 worker is alive; /healthz reads it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=24 * 3600)
    return now


def database_optimize_task() -> str:
    return database_optimize()


def database_backup_task() -> str:
    """The nightly backup (JOURNAL_SCHEDULES), the same as `python manage.py backup`."""
    return backup_create().summary()


def worker_started(**_signal_kwargs) -> None:
    """Sent by django-q2 as each worker process starts: beat from now on, and resume the jobs a
    killed worker left interrupted (each from its checkpoint). Its work runs below the pages' priority."""
    background_priority()
    try:
        worker_heartbeat()
    except Exception as exc:
        logger.warning("worker heartbeat failed: %s", exc.__class__.__name__)
    if not _beating.is_set():
        _beating.set()
        threading.Thread(target=_heartbeat_loop, name="worker-heartbeat", daemon=True).start()
    try:
        resumed = jobs_resume_interrupted()
    except Exception:  # the worker must start even when the database is not there yet
        logger.exception("could not look for interrupted jobs")
        return
    if resumed:
        logger.info("resumed %s interrupted job(s)", resumed)


def worker_spawned(**signal_kwargs) -> None:
    """django-q2's `post_spawn`, sent as a worker process starts — and, in sync mode (tests), before
    every task run in the caller's own process, where no worker starts."""
    if settings.Q_CLUSTER.get("sync"):
        return
    worker_started(**signal_kwargs)


def _heartbeat_loop() -> None:
    while not threading.Event().wait(HEARTBEAT_SECONDS):
        try:
            worker_heartbeat()
        except Exception as exc:  # a busy or restarting cache: try again at the next beat
            logger.warning("worker heartbeat failed: %s", exc.__class__.__name__)
        finally:
            connection.close()
