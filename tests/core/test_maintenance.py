"""The daily database upkeep: SQLite's planner gets statistics for every table, sampled."""

import pytest
from django.conf import settings
from django.db import connection

from core.services.maintenance import database_optimize
from tests.factories import make_listening_history

pytestmark = pytest.mark.django_db


def test_it_gives_the_planner_statistics_of_the_plays():
    make_listening_history(plays_per_day=5, days=3)
    message = database_optimize()
    if connection.vendor != "sqlite":
        assert message == f"{connection.vendor} keeps its own statistics"
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analysed = {row[0] for row in cursor.fetchall()}
    assert {"tracker_scrobble", "tracker_tracktotal", "catalog_track"} <= analysed
    assert message == "SQLite statistics refreshed"


def test_it_runs_every_day():
    schedule = next(s for s in settings.JOURNAL_SCHEDULES if s["func"] == "core.tasks.database_optimize_task")
    assert schedule["schedule_type"] == "C" and schedule["cron"].endswith("* * *")
