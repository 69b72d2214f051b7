"""The analytics overview of one period: top artists, albums and tracks (by plays or by time
listened), plays over time against the previous period, the week's hours, the calendar.

Everything is read from the rollups (tracker.models) through tracker.selectors.stats; a short
period is counted from its plays along the played_at index. Each view comes with a Table (header
and rows of plain values): the page draws it behind the chart and the CSV download writes it.

Time listened is Spotify's `ms_played` where the play has one, else the track's length, else
AVERAGE_PLAY_MS; each figure says how much of it was estimated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from catalog.models import Album, Artist, Track
from tracker.models import ArtistTotal, DayHour, MonthHour, Scrobble, TrackTotal
from tracker.selectors.history_cache import cached_until_history_changes
from tracker.selectors.periods import Period
from tracker.selectors.stats import next_month, period_sums, top_counts

AVERAGE_PLAY_MS = 210_000  # 3.5 min: a play whose length and whose track's length are both unknown
# By time, the top is sought among the period's TIME_CANDIDATES most played (by plays): a row
# outside them would need more listening time than 200 more-played rows, which a top of ten
# practically never meets, and it keeps each ranking to a few queries on the rollups.
TIME_CANDIDATES = 200
UNKNOWN_SAMPLE = 500
TOP_LIMIT = 10
BY = ("plays", "time")
KINDS = {"artists": ("artist_id", Artist), "albums": ("album_id", Album), "tracks": ("track_id", Track)}
DAY_STEP_DAYS, WEEK_STEP_DAYS = 92, 731  # bars by day up to ~3 months, by week up to 2 years
CALENDAR_DAYS = 366
SHORT_HEATMAP_DAYS = 62  # up to two months the week's hours come from the day-hour rollup alone
CSV_VIEWS = ("top-artists", "top-albums", "top-tracks", "over-time", "heatmap")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Table:
    """What a chart shows, as rows of plain values: the page's table and the CSV download."""

    header: list[str]
    rows: list[list]


@dataclass(frozen=True)
class TopRow:
    obj: object
    plays: int
    ms: int  # time listened, estimated part included
    estimated_ms: int
    share: float  # of the first row's figure (plays or time), 0-100


@dataclass(frozen=True)
class Top:
    kind: str  # artists, albums or tracks
    by: str
    rows: list[TopRow]
    table: Table

    @property
    def estimated_percent(self) -> int:
        total = sum(row.ms for row in self.rows)
        return round(100 * sum(row.estimated_ms for row in self.rows) / total) if total else 0


@dataclass(frozen=True)
class Totals:
    plays: int
    ms: int
    estimated_ms: int

    @property
    def minutes(self) -> int:
        return round(self.ms / 60_000)

    @property
    def estimated_percent(self) -> int:
        return round(100 * self.estimated_ms / self.ms) if self.ms else 0


@dataclass(frozen=True)
class Comparison:
    current: Totals
    previous: Totals | None
    previous_period: Period | None
    plays_change: float | None  # percent; None without a previous period or plays in it
    minutes_change: float | None


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date
    plays: int


@dataclass(frozen=True)
class OverTime:
    step: str  # day, week or month
    buckets: list[Bucket]
    table: Table


@dataclass(frozen=True)
class WeekHours:
    grid: list[list[int]]  # 7 weekdays (Monday first) x 24 local hours
    table: Table

    @property
    def hours(self) -> list[int]:
        return [sum(day[hour] for day in self.grid) for hour in range(24)]


@dataclass
class Overview:
    period: Period
    by: str
    totals: Comparison
    tops: dict[str, Top]
    over_time: OverTime
    week_hours: WeekHours
    calendar: dict[date, int] | None  # plays per day, for a year or a period of at most a year
    tables: dict[str, Table] = field(default_factory=dict)


def parse_by(value: str | None) -> str:
    return value if value in BY else BY[0]


def has_history() -> bool:
    return Scrobble.objects.exists()


def analytics_overview(*, period: Period, by: str = "plays", limit: int = TOP_LIMIT) -> Overview:
    """Every view of the overview page for `period` (cached until a play arrives; never needed)."""
    key = f"analytics:v3:{period.key}:{period.start}:{period.end}:{by}:{limit}"
    return cached_until_history_changes(key, lambda: _overview(period=period, by=by, limit=limit))


def _overview(*, period: Period, by: str, limit: int) -> Overview:
    mean_ms = unknown_play_ms()
    tops = {kind: top_of(kind=kind, period=period, by=by, limit=limit) for kind in KINDS}
    over_time = plays_over_time(period=period)
    week_hours = week_hours_of(period=period)
    calendar = calendar_counts(period=period)
    overview = Overview(period=period, by=by, totals=compare(period=period, unknown_ms=mean_ms), tops=tops,
                        over_time=over_time, week_hours=week_hours, calendar=calendar)
    overview.tables = {f"top-{kind}": top.table for kind, top in tops.items()}
    overview.tables.update({"over-time": over_time.table, "heatmap": week_hours.table})
    return overview


def _bounds(period: Period) -> tuple[date | None, date | None]:
    """The days stats.* are asked for: (None, None) for all time, so the totals answer."""
    return (None, None) if period.start is None else (period.start, period.end)


# --- tops ------------------------------------------------------------------------------------
def top_of(*, kind: str, period: Period, by: str = "plays", limit: int = TOP_LIMIT) -> Top:
    """The `limit` first artists, albums or tracks (`kind`) of the period, by plays or by time
    listened; by time, re-ranked from the TIME_CANDIDATES most played."""
    group, model = KINDS[kind]
    since, until = _bounds(period)
    counted = top_counts(field=group, since=since, until=until, limit=TIME_CANDIDATES if by == "time" else limit)
    sums = period_sums(field=group, ids=[pk for pk, _ in counted], since=since, until=until)
    related = {Album: ("artist",), Track: ("artist", "album")}.get(model, ())
    objects = model.objects.select_related(*related).in_bulk(list(sums)) if sums else {}
    lengths = _unknown_lengths(group, list(sums), objects)
    figures = []
    for pk, (plays, ms_played, known) in sums.items():
        if pk in objects:
            estimated = (plays - known) * lengths.get(pk, AVERAGE_PLAY_MS)
            figures.append((objects[pk], plays, ms_played + estimated, estimated))
    order = (lambda f: (-f[1], f[0].pk)) if by == "plays" else (lambda f: (-f[2], -f[1], f[0].pk))
    figures = sorted(figures, key=order)[:limit]
    peak = figures[0][1 if by == "plays" else 2] if figures else 0
    rows = [TopRow(obj, plays, ms, estimated, round(100 * (plays if by == "plays" else ms) / peak, 1) if peak else 0)
            for obj, plays, ms, estimated in figures]
    return Top(kind=kind, by=by, rows=rows, table=_top_table(kind, rows))


def _unknown_lengths(group: str, ids: list[int], objects: dict) -> dict[int, float]:
    """The length a play without `ms_played` is counted at: its track's (else AVERAGE_PLAY_MS); for
    an artist or album, the mean over all its plays without one (from the track totals)."""
    if group == "track_id":
        return {pk: track.duration_ms or AVERAGE_PLAY_MS for pk, track in objects.items()}
    if not ids:
        return {}
    rows = (_with_length(TrackTotal.objects.filter(**{f"{group}__in": ids}, plays__gt=F("ms_plays")))
            .order_by().values_list(group).annotate(unknown=Sum(F("plays") - F("ms_plays")),
                                                    ms=Sum((F("plays") - F("ms_plays")) * F("length"))))
    return {pk: ms / unknown for pk, unknown, ms in rows if unknown}


def _with_length(totals):
    length = Subquery(Track.objects.filter(pk=OuterRef("track_id")).values("duration_ms")[:1])
    return totals.annotate(length=Coalesce(NullIf(length, 0), AVERAGE_PLAY_MS))


def unknown_play_ms() -> float:
    """The mean length of the plays without `ms_played` (their tracks' lengths) among the
    UNKNOWN_SAMPLE most played tracks — where those have none, of all their plays. The head of
    one index instead of every track: most plays are of those tracks, and it is an estimate anyway."""
    head = list(TrackTotal.objects.order_by("-plays", "track_id").values_list("track_id", "plays", "ms_plays")
                [:UNKNOWN_SAMPLE])
    weights = {pk: plays - known for pk, plays, known in head if plays > known} or {pk: plays for pk, plays, _ in head}
    if not weights:
        return AVERAGE_PLAY_MS
    lengths = dict(Track.objects.filter(pk__in=list(weights)).order_by().values_list("pk", "duration_ms"))
    return sum(n * (lengths.get(pk) or AVERAGE_PLAY_MS) for pk, n in weights.items()) / sum(weights.values())


def _top_table(kind: str, rows: list[TopRow]) -> Table:
    name = {"artists": "Artist", "albums": "Album", "tracks": "Track"}[kind]
    header = ["Rank", name] + ([] if kind == "artists" else ["Artist"]) + ["Plays", "Minutes", "Estimated minutes"]
    body = []
    for rank, row in enumerate(rows, start=1):
        title = row.obj.name if kind == "artists" else row.obj.title
        artist = [] if kind == "artists" else [row.obj.artist.name if row.obj.artist else ""]
        body.append([rank, title, *artist, row.plays, round(row.ms / 60_000), round(row.estimated_ms / 60_000)])
    return Table(header, body)


# --- totals against the previous period --------------------------------------------------------
def period_totals(*, since: date | None, until: date | None, unknown_ms: float) -> Totals:
    """Plays and time of the local days `since` to `until`: up to today from the artists' totals
    (thousands of rows, not the day-hours' hundred thousand), else along the days' key."""
    if since is None and (until is None or until >= timezone.localdate()):
        qs = ArtistTotal.objects.all()
    else:
        qs = DayHour.objects.all()
        qs = qs.filter(local_date__gte=since) if since else qs
        qs = qs.filter(local_date__lte=until) if until else qs
    sums = qs.aggregate(plays=Sum("plays"), ms=Sum("ms_played"), known=Sum("ms_plays"))
    plays, known = sums["plays"] or 0, sums["known"] or 0
    estimated = round((plays - known) * unknown_ms)
    return Totals(plays=plays, ms=(sums["ms"] or 0) + estimated, estimated_ms=estimated)


def compare(*, period: Period, unknown_ms: float) -> Comparison:
    """Plays and time listened of the period, and of the one before it (none for all time)."""
    current = period_totals(since=period.start, until=period.end, unknown_ms=unknown_ms)
    previous_period = period.previous()
    previous = (period_totals(since=previous_period.start, until=previous_period.end, unknown_ms=unknown_ms)
                if previous_period else None)

    def change(now: int, before: int | None) -> float | None:
        return round(100 * (now - before) / before, 1) if before else None

    return Comparison(current, previous, previous_period, change(current.plays, previous and previous.plays),
                      change(current.minutes, previous and previous.minutes))


# --- plays over time -------------------------------------------------------------------------
def plays_over_time(*, period: Period) -> OverTime:
    """Plays per day (periods up to DAY_STEP_DAYS), week (up to WEEK_STEP_DAYS) or calendar month,
    every bucket of the period, zero where there were none."""
    start = period.start or _first_day()
    if start is None:
        return OverTime("month", [], Table(["From", "To", "Plays"], []))
    days = (period.end - start).days + 1
    step = "day" if days <= DAY_STEP_DAYS else "week" if days <= WEEK_STEP_DAYS else "month"
    if step == "month":
        counts = _months(start, period.end)
    else:
        counts = _per_day(start, period.end)
    buckets, day = [], start
    while day <= period.end:
        if step == "day":
            end = day
        elif step == "week":
            end = min(day + timedelta(days=6 - day.weekday()), period.end)
        else:
            end = min(next_month(day) - timedelta(days=1), period.end)
        if step == "month":
            plays = counts.get(date(day.year, day.month, 1), 0)
        else:
            plays = sum(counts.get(day + timedelta(days=n), 0) for n in range((end - day).days + 1))
        buckets.append(Bucket(day, end, plays))
        day = end + timedelta(days=1)
    table = Table(["From", "To", "Plays"], [[b.start.isoformat(), b.end.isoformat(), b.plays] for b in buckets])
    return OverTime(step, buckets, table)


def _first_day() -> date | None:
    return DayHour.objects.filter(plays__gt=0).order_by("local_date").values_list("local_date", flat=True).first()


def _per_day(since: date, until: date) -> dict[date, int]:
    rows = DayHour.objects.filter(local_date__gte=since, local_date__lte=until).order_by()
    return dict(rows.values_list("local_date").annotate(n=Sum("plays")))


def _month_split(since: date, until: date) -> tuple[date | None, date | None, list[tuple[date, date]]]:
    """The first and last whole months inside since..until (None when there is none) and the day
    ranges outside them (the months the period cuts)."""
    first = since if since.day == 1 else next_month(since)
    after = until + timedelta(days=1)
    last_end = date(after.year, after.month, 1)  # the day after the last whole month
    if first >= last_end:
        return None, None, [(since, until)]
    edges = [(since, first - timedelta(days=1))] if since < first else []
    if last_end <= until:
        edges.append((last_end, until))
    return first, date((last_end - timedelta(days=1)).year, (last_end - timedelta(days=1)).month, 1), edges


def _months(since: date, until: date) -> dict[date, int]:
    """{first day of month: plays} of since..until: whole months from the month-hour rollup, the
    months it cuts from their days."""
    first, last, edges = _month_split(since, until)
    counts: dict[date, int] = {}
    if first:
        rows = MonthHour.objects.filter(month__gte=first, month__lte=last).order_by()
        counts.update(rows.values_list("month").annotate(n=Sum("plays")))
    for start, end in edges:
        for day, plays in _per_day(start, end).items():
            month = date(day.year, day.month, 1)
            counts[month] = counts.get(month, 0) + plays
    return counts


# --- the week's hours, the calendar --------------------------------------------------------------
def week_hours_of(*, period: Period) -> WeekHours:
    """Plays per weekday and local hour: whole months from the month-hour rollup, the days of
    months the period cuts (or of a short period) from the day-hour rollup."""
    grid = [[0] * 24 for _ in range(7)]
    if period.start is None:
        for weekday, hour, plays in MonthHour.objects.order_by().values_list("weekday", "local_hour").annotate(
                n=Sum("plays")):
            grid[weekday][hour] += plays
    else:
        if period.days <= SHORT_HEATMAP_DAYS:
            first, last, edges = None, None, [(period.start, period.end)]
        else:
            first, last, edges = _month_split(period.start, period.end)
        if first:
            rows = MonthHour.objects.filter(month__gte=first, month__lte=last).order_by()
            for weekday, hour, plays in rows.values_list("weekday", "local_hour").annotate(n=Sum("plays")):
                grid[weekday][hour] += plays
        for start, end in edges:
            rows = DayHour.objects.filter(local_date__gte=start, local_date__lte=end, plays__gt=0)
            for day, hour, plays in rows.values_list("local_date", "local_hour", "plays"):
                grid[day.weekday()][hour] += plays
    table = Table(["Weekday", *(f"{hour:02d}" for hour in range(24))],
                  [[WEEKDAYS[weekday], *grid[weekday]] for weekday in range(7)])
    return WeekHours(grid, table)


def calendar_counts(*, period: Period) -> dict[date, int] | None:
    """Plays per local day, for a year or a period of at most CALENDAR_DAYS (else None)."""
    if period.start is None or period.days > CALENDAR_DAYS:
        return None
    return _per_day(period.start, period.end)
