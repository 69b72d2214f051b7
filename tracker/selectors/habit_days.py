"""The plays summarized by local day and by month (tracker.selectors.stretch): the streaks,
sessions and runs of one artist of any period without a pass over its plays, and each day's most
played tracks (tracker.selectors.habits shows them).

A period's figures merge the stored stretches of its whole months and of its other days: a few
hundred rows for fifteen years, where a pass read a million plays. HabitDay and HabitMonth store
them; a day whose plays changed since is marked stale in the writer's own transaction
(tracker.services.rollups), and tracker.services.habit_days stores it again. A read never writes:
it summarizes the period's stale days from their plays, and reads a month holding one through its
days, so figures are exact whatever was refreshed.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.db.models.sql.constants import MULTI

from catalog.models import Track
from tracker.models import HabitDay, HabitDayStale, HabitMonth, Scrobble
from tracker.selectors.stats import local_midnight, next_month
from tracker.selectors.stretch import Play, Stretch, merged

DAY_TOP_TRACKS = 3  # the most played tracks of a day kept for "this day in earlier years"
_CHUNK = 5000
_SPANS_A_QUERY = 200  # played_at ranges in one query: below SQLite's 500 SELECTs of one compound


# --- the plays in order ---------------------------------------------------------------------------
class EpochMs(Func):
    """An instant as whole milliseconds since 1970 (UTC), computed by the database, so no datetime
    is built per play. SQLite's julianday is a double exact to ~50 µs: rounded, it is exact."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, **extra,
                           template="CAST(round((julianday(%(expressions)s) - 2440587.5) * 86400000.0) AS INTEGER)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, **extra,
                           template="CAST(round(EXTRACT(EPOCH FROM %(expressions)s) * 1000) AS BIGINT)")


def plays_in_order(spans: Sequence[tuple[datetime, datetime]]) -> Iterator[Play]:
    """The plays of the [start, end) ranges of played_at `spans` (sorted, apart), oldest first (ties
    by id), streamed in chunks: never all in memory.

    One span is read along the played_at index, in its order. Several, up to 200 a query, are
    each a range of that index, merged in the order of their start to the millisecond (UNION ALL):
    as one WHERE of OR-ed ranges, SQLite's planner walked the whole index, testing each."""
    if len(spans) == 1:
        yield from _without_jit(_plays_between(*spans[0]).order_by("played_at", "id"))
        return
    for start in range(0, len(spans), _SPANS_A_QUERY):
        ranges = [_plays_between(since, until) for since, until in spans[start:start + _SPANS_A_QUERY]]
        yield from _without_jit(ranges[0].union(*ranges[1:], all=True).order_by("at_ms", "id"))


def _without_jit(rows: QuerySet) -> Iterator[tuple]:
    """`unconverted(rows)`; on PostgreSQL in a transaction of their own with JIT compilation off:
    it compiled each span of the UNION (19 s for a million plays in 280 spans, read in 1.8 s
    without; 55 ms for three spans, 19 without)."""
    if connection.vendor != "postgresql":
        yield from unconverted(rows)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield from unconverted(rows)


def _plays_between(since: datetime, until: datetime) -> QuerySet:
    # The track's duration is looked up only for a play without ms_played (a quarter faster than
    # a join when most have one). The day as text, not a date built for every play by SQLite's
    # converter of date columns.
    duration = Track.objects.filter(pk=OuterRef("track_id")).order_by().values("duration_ms")
    plays = Scrobble.objects.filter(played_at__gte=since, played_at__lt=until)
    return (plays.order_by().annotate(at_ms=EpochMs("played_at"),
                                      length_ms=Coalesce("ms_played", Subquery(duration), Value(0)),
                                      day=Cast("local_date", CharField()))
            .values_list("at_ms", "artist_id", "length_ms", "id", "track_id", "day"))


def unconverted(rows: QuerySet, *, stream: bool = True) -> Iterator[tuple]:
    """The rows of a values_list() as the database sends them, without the per-value converters of
    .iterator(): they were half the time of a pass over plays, for plain integers. `stream`: in
    chunks (a server-side cursor on PostgreSQL), for more rows than memory should hold."""
    compiler = rows.query.get_compiler(using=rows.db)
    for chunk in compiler.execute_sql(MULTI, chunked_fetch=stream, chunk_size=_CHUNK):
        yield from chunk


def _spans(days: list[date]) -> list[tuple[datetime, datetime]]:
    """The played_at ranges of local `days` (sorted), consecutive days in one range."""
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and spans[-1][1] == day:
            spans[-1] = (spans[-1][0], day + timedelta(days=1))
        else:
            spans.append((day, day + timedelta(days=1)))
    return [(local_midnight(first), local_midnight(end)) for first, end in spans]


@dataclass(frozen=True)
class DaySummary:
    """What a local day's plays tell the habits page: how many, its most played tracks (for this
    day in earlier years) and its stretch."""

    plays: int
    tracks: list[list[int]]  # [track id, plays], most played first (ties by id), DAY_TOP_TRACKS at most
    stretch: Stretch

    @classmethod
    def of(cls, day: date, plays: list[Play]) -> DaySummary:
        counts = Counter(play[4] for play in plays)
        tracks = heapq.nsmallest(DAY_TOP_TRACKS, counts.items(), key=lambda item: (-item[1], item[0]))
        return cls(len(plays), [list(track) for track in tracks], Stretch.of_day(day, plays))


def day_summaries(days: Iterable[date]) -> dict[date, DaySummary]:
    """The summary of each of the local `days` that has plays, from one pass over their plays."""
    wanted, found = set(days), {}
    for text, plays in groupby(plays_in_order(_spans(sorted(wanted))), key=itemgetter(5)):
        local_date = date.fromisoformat(text)
        if local_date in wanted:  # not a neighbour's play, in a zone whose clocks change at midnight
            found[local_date] = DaySummary.of(local_date, list(plays))
    return found


def day_tops(days: list[date]) -> dict[date, tuple[int, list[list[int]]]]:
    """(plays, most played tracks) of each of the local `days` that has plays: as stored, or for a
    stale day, from its plays. Three queries."""
    stale = set(HabitDayStale.objects.filter(local_date__in=days).values_list("local_date", flat=True))
    stored = HabitDay.objects.filter(local_date__in=days).values_list("local_date", "plays", "tracks")
    found = {day: (plays, tracks) for day, plays, tracks in stored if day not in stale}
    found.update({day: (summary.plays, summary.tracks) for day, summary in day_summaries(stale).items()})
    return found


# --- a period ------------------------------------------------------------------------------------
def _month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def _cover(start: date | None, end: date) -> tuple[tuple[date | None, date] | None, list[tuple[date, date]]]:
    """The whole months of the local days `start` (None: open) to `end`, as (first, last; None
    when there is none), and the ranges of the period's other days (both ends included)."""
    first = start if start is None or start.day == 1 else next_month(start)
    last = date(end.year, end.month, 1)
    if end != _month_end(last):
        last = (last - timedelta(days=1)).replace(day=1)
    if first is not None and first > last:
        return None, [(start, end)]
    days = [(start, first - timedelta(days=1))] if start is not None and start < first else []
    if end > _month_end(last):
        days.append((next_month(last), end))
    return (first, last), days


def _between(qs, field: str, first: date | None, last: date | None):
    qs = qs.filter(**{f"{field}__lte": last}) if last else qs
    return qs.filter(**{f"{field}__gte": first}) if first else qs


def period_stretch(*, start: date | None, end: date) -> Stretch | None:
    """The stretch of the plays of the local days `start` (None: the first) to `end`: its whole
    months' and its other days' stored stretches merged, its stale days summarized from their plays
    (a month holding one is read through its days). Four queries, whatever the period (one more
    for each 200 runs of stale days)."""
    stale = set(_between(HabitDayStale.objects, "local_date", start, end).values_list("local_date", flat=True))
    months, day_ranges = _cover(start, end)
    pieces: list[tuple[date, Stretch]] = []
    if months:
        first, last = months
        stale_months = {day.replace(day=1) for day in stale}
        stale_months = {month for month in stale_months if (first is None or month >= first) and month <= last}
        day_ranges += [(month, _month_end(month)) for month in sorted(stale_months)]
        rows = _between(HabitMonth.objects, "month", *months).values_list("month", "stretch")
        pieces += [(month, Stretch.from_json(stretch)) for month, stretch in rows if month not in stale_months]
    if day_ranges:
        ranges = Q()
        for first, last in day_ranges:
            ranges |= Q(local_date__gte=first, local_date__lte=last)
        rows = HabitDay.objects.filter(ranges).values_list("local_date", "stretch")
        pieces += [(day, Stretch.from_json(stretch)) for day, stretch in rows if day not in stale]
    if stale:
        pieces += [(day, summary.stretch) for day, summary in day_summaries(stale).items()]
    return merged(stretch for _key, stretch in sorted(pieces, key=itemgetter(0)))

