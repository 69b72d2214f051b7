"""Listening habits of a period: discoveries, streaks, sessions, rank over time, on this day.

Counts come from the rollups (ArtistTotal, ArtistMonth, DayHour) where they can. Streaks, sessions
and runs of one artist need the plays in order: they merge the stored summaries of the period's
months and days (tracker.selectors.habit_days), whatever its length; this day in earlier years
reads those of its days.
"""

from __future__ import annotations

import bisect
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Artist, Track
from tracker.models import ArtistMonth, ArtistTotal, DayHour, Scrobble
from tracker.selectors.habit_days import EpochMs, day_tops, period_stretch, unconverted
from tracker.selectors.periods import Period
from tracker.selectors.stats import local_midnight, next_month, top_counts
from tracker.selectors.stretch import SESSION_BUCKETS, epoch_ms, instant

DISCOVERY_LIMIT = 50
BUMP_ARTISTS = 10
BUMP_YEARS_AFTER = 36  # months: a longer span is drawn by year
STREAK_WINDOW = 60  # days the current streak is first looked for in


# --- periods ---------------------------------------------------------------------------------
def _instants(period: Period) -> tuple[datetime | None, datetime]:
    """The period as [start, end) instants (start None: open)."""
    start = local_midnight(period.start) if period.start else None
    return start, local_midnight(period.end + timedelta(days=1))


def _month(day: date) -> date:
    return date(day.year, day.month, 1)


def _months(first: date, last: date) -> list[date]:
    months, month = [], _month(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _days(qs: QuerySet, period: Period) -> QuerySet:
    qs = qs.filter(local_date__lte=period.end)
    return qs.filter(local_date__gte=period.start) if period.start else qs


def history_exists() -> bool:
    return Scrobble.objects.exists()


def period_has_plays(*, period: Period) -> bool:
    return _days(DayHour.objects.all(), period).exists()


# --- discoveries -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Discovery:
    """An artist heard for the first time ever, and the first track heard."""

    artist: Artist
    first_played_at: datetime
    track: Track | None


def _discovered(period: Period) -> QuerySet:
    """The artists first played in the period, along the (first_played_at, artist) index. A total
    exists only while its artist has plays (tracker.services.rollups): no filter on them needed."""
    start, end = _instants(period)
    qs = ArtistTotal.objects.filter(first_played_at__lt=end)
    return qs.filter(first_played_at__gte=start) if start else qs


def discoveries_per_month(*, period: Period) -> list[dict]:
    """New artists per local month of the period (their first play ever falls in it), as
    `{"month", "value"}` for every month from the period's first (or the first discovery's) to
    its last (or today's, for a period reaching into the future), oldest first; [] for none."""
    # Bucketed here along the months' first instants: grouped in SQLite, each row's month went
    # through a Python function converting its time zone (~100 ms for 5,000 artists). Read in
    # order as plain epoch milliseconds: 5,000 datetimes built from text took 20 ms.
    firsts = [at_ms for (at_ms,) in unconverted(_discovered(period).order_by("first_played_at")
                                                .annotate(at_ms=EpochMs("first_played_at")).values_list("at_ms"),
                                                stream=False)]
    if not firsts:
        return []
    found = (_month(timezone.localdate(instant(firsts[0]))), _month(timezone.localdate(instant(firsts[-1]))))
    first = max(_month(period.start), found[0]) if period.start else found[0]
    last = min(_month(period.end), max(_month(timezone.localdate()), found[1]))
    months = _months(first, last)
    edges = [0, *(bisect.bisect_left(firsts, epoch_ms(local_midnight(month))) for month in months[1:]), len(firsts)]
    return [{"month": month, "value": edges[index + 1] - edges[index]} for index, month in enumerate(months)]


def discovery_list(*, period: Period, limit: int = DISCOVERY_LIMIT) -> list[Discovery]:
    """The period's discoveries, newest first, each with its first track: three queries."""
    rows = list(_discovered(period).order_by("-first_played_at", "-artist_id")
                .values_list("artist_id", "first_played_at")[:limit])
    if not rows:
        return []
    artists = Artist.objects.in_bulk([artist_id for artist_id, _ in rows])
    tracks = first_tracks(rows)
    return [Discovery(artists[artist_id], played_at, tracks.get(artist_id))
            for artist_id, played_at in rows if artist_id in artists]


def first_tracks(firsts: list[tuple[int, datetime]]) -> dict[int, Track]:
    """The track of each (artist id, first play's instant), in one query; of two tracks started at
    the same instant, the one stored first. The plays started at those instants are read along the
    played_at index, and those of other artists left out here: fifty OR-ed pairs took longer to
    build than to run."""
    if not firsts:
        return {}
    wanted = set(firsts)
    tracks: dict[int, Track] = {}
    for play in (Scrobble.objects.filter(played_at__in={played_at for _, played_at in firsts})
                 .select_related("track").order_by("-id")):
        if (play.artist_id, play.played_at) in wanted:
            tracks[play.artist_id] = play.track
    return tracks


# --- streaks ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Streak:
    """Consecutive local days with plays, `start` to `end` included."""

    start: date
    end: date

    @classmethod
    def of(cls, piece: list[int]) -> Streak:
        """From tracker.selectors.stretch's [first, last] day ordinals."""
        return cls(date.fromordinal(piece[0]), date.fromordinal(piece[1]))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class ArtistRun:
    """Consecutive plays of one artist: how many, the first and the last of them."""

    artist: Artist
    plays: int
    first: Scrobble
    last: Scrobble


def current_streak(*, today: date | None = None) -> Streak | None:
    """The run of listening days ending today, or yesterday while today has no play yet; None
    when neither has. Whatever the period: it is about now. Reads the days of a window back from
    today, four times as long while the run fills it: a cursor back to the first gap was
    materialized whole by PostgreSQL outside a transaction (30 ms at a million plays)."""
    today = today or timezone.localdate()
    window = STREAK_WINDOW
    while True:
        since = today - timedelta(days=window)
        days = set(DayHour.objects.filter(plays__gt=0, local_date__gte=since, local_date__lte=today)
                   .values_list("local_date", flat=True).distinct())
        end = next((day for day in (today, today - timedelta(days=1)) if day in days), None)
        if end is None:
            return None
        start = end
        while start - timedelta(days=1) in days:
            start -= timedelta(days=1)
        if start > since:  # the window holds the run's first day: no play comes before 2002
            return Streak(start, end)
        window *= 4


# --- sessions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    """Plays with at most SESSION_GAP between their starts. `length` runs from the first start
    to the last play's end: its ms_played when known, else its track's duration, else its start."""

    start: datetime
    last_start: datetime
    plays: int
    last_ms: int

    @classmethod
    def of(cls, sitting: list[int]) -> Session:
        """From tracker.selectors.stretch's [first start, last start, plays, last length] in ms."""
        start, last_start, plays, last_ms = sitting
        return cls(instant(start), instant(last_start), plays, last_ms)

    @property
    def length(self) -> timedelta:
        return self.last_start - self.start + timedelta(milliseconds=self.last_ms)

    @property
    def end(self) -> datetime:
        return self.start + self.length


@dataclass(frozen=True)
class PlayHabits:
    """What the plays in order tell: listening days and their longest streak, sessions (how many,
    the longest, by length in SESSION_BUCKETS, per listening day, their average length) and the
    longest run of one artist."""

    listening_days: int
    streak: Streak | None
    sessions: int
    longest: Session | None
    buckets: list[dict]
    per_day: float
    average: timedelta
    run: ArtistRun | None


def play_habits(*, period: Period) -> PlayHabits:
    """Listening days, streaks, sessions and runs of one artist of the period (cut at its ends: its
    first play starts a session), merged from the day and month stretches of
    tracker.selectors.habit_days: a few hundred rows for all time, not a pass over its plays."""
    stretch = period_stretch(start=period.start, end=period.end)
    if stretch is None:
        return PlayHabits(listening_days=0, streak=None, sessions=0, longest=None, per_day=0, average=timedelta(0),
                          buckets=[{"label": label, "value": 0} for label, _bound in SESSION_BUCKETS], run=None)
    days, streak = stretch.days.total()
    count, total_ms, buckets, longest = stretch.sessions.total()
    plays, _artist_id, first_id, last_id = stretch.runs.total()
    ends = Scrobble.objects.select_related("track", "artist").in_bulk([first_id, last_id])
    return PlayHabits(
        listening_days=days,
        streak=Streak.of(streak),
        sessions=count,
        longest=Session.of(longest),
        buckets=[{"label": label, "value": n} for (label, _bound), n in zip(SESSION_BUCKETS, buckets)],
        per_day=round(count / days, 2),
        average=timedelta(milliseconds=total_ms) / count,
        run=ArtistRun(ends[first_id].artist, plays, ends[first_id], ends[last_id]),
    )


# --- rank over time --------------------------------------------------------------------------
def rank_over_time(*, period: Period, limit: int = BUMP_ARTISTS) -> dict:
    """The ranks of the period's top artists among themselves, month by month (year by year
    past BUMP_YEARS_AFTER months), from ArtistMonth: a month the period cuts counts whole.

    Returns {"by": "month" | "year", "buckets": [first day], "artists": [{"artist", "plays",
    "ranks": [rank or None (no play) per bucket]}]}, most played first; ties rank by that order."""
    top = top_counts(field="artist_id", since=period.start, until=period.end, limit=limit)
    if not top:
        return {"by": "month", "buckets": [], "artists": []}
    ids = [artist_id for artist_id, _ in top]
    rows = ArtistMonth.objects.filter(artist_id__in=ids, plays__gt=0, month__lte=period.end)
    if period.start:
        rows = rows.filter(month__gte=_month(period.start))
    months = list(rows.values_list("artist_id", "month", "plays"))
    first = min(month for _a, month, _p in months)
    last = max(month for _a, month, _p in months)
    by_year = len(_months(first, last)) > BUMP_YEARS_AFTER
    if by_year:
        buckets = [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    else:
        buckets = _months(first, last)
    plays: dict[tuple[int, date], int] = {}
    for artist_id, month, n in months:
        key = (artist_id, date(month.year, 1, 1) if by_year else month)
        plays[key] = plays.get(key, 0) + n
    order = {artist_id: index for index, artist_id in enumerate(ids)}
    ranks: dict[tuple[int, date], int] = {}
    for bucket in buckets:
        played = sorted((a for a in ids if plays.get((a, bucket))), key=lambda a: (-plays[(a, bucket)], order[a]))
        ranks.update({(artist_id, bucket): rank for rank, artist_id in enumerate(played, 1)})
    artists = Artist.objects.in_bulk(ids)
    return {
        "by": "year" if by_year else "month",
        "buckets": buckets,
        "artists": [{"artist": artists[a], "plays": n, "ranks": [ranks.get((a, b)) for b in buckets],
                     "bucket_plays": [plays.get((a, b), 0) for b in buckets]}
                    for a, n in top if a in artists],
    }


# --- on this day -----------------------------------------------------------------------------
def on_this_day(*, today: date | None = None) -> list[dict]:
    """Today's month and day in earlier years with plays, newest first: `{"day", "plays",
    "tracks": [(Track, plays)]}`, the day's DAY_TOP_TRACKS most played (ties by id), as the day's
    summary keeps them (tracker.selectors.habit_days). Whatever the period."""
    today = today or timezone.localdate()
    first = DayHour.objects.order_by("local_date").values_list("local_date", flat=True).first()
    if first is None:
        return []
    # The same day of each earlier year, looked up by key (a filter on the day's month and day
    # would read every day of the history through a function).
    wanted = []
    for year in range(first.year, today.year):
        with suppress(ValueError):  # 29 February
            wanted.append(date(year, today.month, today.day))
    days = day_tops(wanted)
    objects = Track.objects.select_related("artist").in_bulk(
        [track_id for _plays, tracks in days.values() for track_id, _ in tracks])
    return [{"day": day, "plays": days[day][0],
             "tracks": [(objects[t], n) for t, n in days[day][1] if t in objects]}
            for day in sorted(days, reverse=True)]
