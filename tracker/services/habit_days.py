"""Store the habits' day summaries and month stretches (tracker.models.HabitDay, HabitMonth) of
the days marked stale (see tracker.selectors.habit_days).

Writers only mark the days they touch, in their own transaction (tracker.services.rollups): an
import pays one grouped statement a batch. The stale days are stored again where plays were
written: right away when they are few (a poll, a submission: milliseconds), by a worker after the
commit when they are many (an import, a backfill: under a second for 200,000 plays, which the
import then does not wait for); after a rebuild, a demo seed and every `migrate`, right away.
Until then reads summarize the stale days from their plays: never wrong, only slower.
"""

from __future__ import annotations

from django.db import connection, transaction

from tracker.models import HabitDay, HabitDayStale, HabitMonth
from tracker.selectors.habit_days import day_summaries
from tracker.selectors.stats import next_month
from tracker.selectors.stretch import Stretch, merged

INLINE_DAYS = 7  # stale days a writer stores itself; more go to a worker
TASK = "tracker.tasks.habit_days_refresh_task"
# PostgreSQL: refreshes take turns (a transaction-level advisory lock), so two never store one
# month from each other's older days.
_LOCK = 7_205_830_417
_STALE = HabitDayStale._meta.db_table


def habit_days_refresh_soon() -> None:
    """Store the stale days now when they are few, else have a worker store them once this commits."""
    if HabitDayStale.objects.count() <= INLINE_DAYS:
        habit_days_refresh()
    else:
        from django_q.tasks import async_task

        transaction.on_commit(lambda: async_task(TASK, task_name="habit days refresh"))


def habit_days_refresh() -> int:
    """Store the summaries of the stale days and their months' stretches; returns how many days were stale.

    A day another transaction is marking right now (its row is locked) is left for later: that
    transaction's plays may not be visible yet. One it marks after this took it waits for this
    commit, then marks it again."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            skip_locked = " FOR UPDATE SKIP LOCKED"
        else:
            skip_locked = ""  # SQLite: this transaction holds the one writer's lock from its start
        cursor.execute(f"DELETE FROM {_STALE} WHERE local_date IN (SELECT local_date FROM {_STALE}{skip_locked}) "
                       "RETURNING local_date")
        days = sorted(HabitDayStale._meta.pk.to_python(day) for (day,) in cursor.fetchall())
        if not days:
            return 0
        summaries = day_summaries(days)
        HabitDay.objects.filter(local_date__in=days).delete()
        HabitDay.objects.bulk_create(HabitDay(local_date=day, plays=summary.plays, tracks=summary.tracks,
                                              stretch=summary.stretch.as_json()) for day, summary in summaries.items())
        months = sorted({day.replace(day=1) for day in days})
        HabitMonth.objects.filter(month__in=months).delete()
        HabitMonth.objects.bulk_create(_months(months))
        return len(days)


def _months(months: list) -> list[HabitMonth]:
    """The stretches of `months`, each merged from its days' stored stretches."""
    found = []
    for month in months:
        days = (HabitDay.objects.filter(local_date__gte=month, local_date__lt=next_month(month))
                .order_by("local_date").values_list("stretch", flat=True))
        stretch = merged(Stretch.from_json(day) for day in days)
        if stretch is not None:
            found.append(HabitMonth(month=month, stretch=stretch.as_json()))
    return found
