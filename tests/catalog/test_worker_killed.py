"""The worker killed in the middle of a Discogs sync: the job says so, and the next worker finishes it.

Real processes, as in production: a django-q2 `qcluster` on its own SQLite file, the real
discogs_client against the fake Discogs, SIGKILL to the whole cluster half-way, then a new
cluster. Beats and the stale limit are shortened through their settings so it takes seconds.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakes.discogs_gen import DiscogsCollection

ROOT = Path(__file__).resolve().parent.parent.parent
COPIES = 1000  # ten pages of 100


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def job_row(database: Path):
    try:
        with sqlite3.connect(database, timeout=10) as db:
            query = "SELECT status, done, message, checkpoint FROM core_job ORDER BY id DESC LIMIT 1"
            return db.execute(query).fetchone()
    except sqlite3.OperationalError:
        return None


def copies(database: Path) -> int:
    with sqlite3.connect(database, timeout=10) as db:
        return db.execute("SELECT COUNT(*) FROM catalog_collectionitem").fetchone()[0]


def cluster(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db
def test_a_sync_killed_with_its_worker_is_shown_interrupted_and_resumed_by_the_next_worker(fake_services, tmp_path):
    DiscogsCollection.generate(COPIES).install(fake_services)
    fake_services.delay("discogs", 0.4)  # every answer waits: the kill lands mid-sync
    env = {
        **os.environ, **{name: str(value) for name, value in fake_services.settings().items()},
        "DJANGO_SETTINGS_MODULE": "config.settings", "JOURNAL_DATA_DIR": str(tmp_path),
        "REDIS_URL": "", "ENRICHMENT_RATE_LIMIT_DISCOGS": "", "Q_WORKERS": "1", "BACKGROUND_NICENESS": "0",
        "JOB_BEAT_SECONDS": "0.5", "JOB_STALE_AFTER_SECONDS": "3",
    }
    env.pop("DATABASE_URL", None)  # its own SQLite file, whatever the suite runs on
    database = tmp_path / "journal.sqlite3"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    queue = "from catalog.services.discogs_sync import discogs_sync_queue; discogs_sync_queue(requested_by='test')"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", queue], cwd=ROOT, env=env, check=True)

    first = cluster(env)
    try:
        wait_for(lambda: (job_row(database) or ("", 0))[1] >= 300, timeout=60, what="three pages stored")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    status, done, message, checkpoint = job_row(database)
    assert status == "running" and 300 <= done < COPIES and '"next_page"' in checkpoint
    time.sleep(3.5)  # no beat any more: interrupted

    second = cluster(env)
    try:
        finished = wait_for(lambda: (job_row(database) or ("",))[0] in ("succeeded", "failed") and job_row(database),
                            timeout=90, what="the resumed sync to finish")
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(timeout=10)
    status, done, message, checkpoint = finished
    assert status == "succeeded", message
    assert "resumed from page" in message and checkpoint == "{}"
    assert copies(database) == COPIES  # every copy once: nothing lost, nothing doubled
