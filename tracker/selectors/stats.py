"""Figures of the listening history: top artists/albums/tracks of a period, plays per day, month
and hour (numbers; web.charts draws them).

They come from the rollups (tracker.models: TrackTotal, ArtistMonth, AlbumMonth, DayHour), so
a page reads thousands of rows, not a million, whatever the period. A short period (at most
DIRECT_PLAYS plays) is counted from its plays, through the played_at index.
"""

from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Min, QuerySet, Sum
from django.utils import timezone

from catalog.models import Album, Artist, Track
from tracker.models import AlbumMonth, ArtistMonth, DayHour, Scrobble, TrackTotal

PERIODS = OrderedDict([
    ("7d", ("Last 7 days", 7)),
    ("30d", ("Last 30 days", 30)),
    ("365d", ("Last 12 months", 365)),
    ("all", ("All time", None)),
])
DEFAULT_PERIOD = "30d"
# The local days a page or the API may be asked for. The margins keep the day before and after,
# and the instant a day starts in any time zone, inside what a datetime can hold (year 1 to 9999).
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9998, 12, 31)
DAY_RANGE_TEXT = f"between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
# A period with at most this many plays is counted from the plays (~15 ms at most); a longer one
# from the rollups.
DIRECT_PLAYS = 25_000
_CANDIDATES = 200  # tracks checked per query when the top tracks of a long period are sought


@dataclass(frozen=True)
class Ranked:
    """One row of a chart: the object, its play count and its share of the first row."""

    obj: object
    plays: int
    share: float


def period_start(*, period: str, today: date | None = None) -> date | None:
    """First local day included in `period` (None for all time)."""
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])[1]
    if days is None:
        return None
    return (today or timezone.localdate()) - timedelta(days=days - 1)


def day_in_range(day: date) -> bool:
    """Whether `day` is one pages and the API can show (FIRST_DAY to LAST_DAY)."""
    return FIRST_DAY <= day <= LAST_DAY


def local_midnight(day: date) -> datetime:
    """The instant a local day starts in TIME_ZONE."""
    return timezone.make_aware(datetime.combine(day, time.min))


def plays_between(*, since: date | None, until: date | None = None) -> QuerySet:
    """Plays of the local days `since` to `until` (inclusive; None: open), as a range of played_at."""
    qs = Scrobble.objects.all()
    if since:
        qs = qs.filter(played_at__gte=local_midnight(since))
    if until:
        qs = qs.filter(played_at__lt=local_midnight(until + timedelta(days=1)))
    return qs


def _days(qs: QuerySet, since: date | None, until: date | None) -> QuerySet:
    if since:
        qs = qs.filter(local_date__gte=since)
    if until:
        qs = qs.filter(local_date__lte=until)
    return qs


def period_plays(*, since: date | None = None, until: date | None = None) -> int:
    return _days(DayHour.objects.all(), since, until).aggregate(n=Sum("plays"))["n"] or 0


def ranked(rows: list[tuple[int, int]], model) -> list[Ranked]:
    related = {Album: ("artist",), Track: ("artist", "album")}.get(model, ())
    objects = model.objects.select_related(*related).in_bulk([pk for pk, _ in rows]) if rows else {}
    top = rows[0][1] if rows else 0
    return [Ranked(objects[pk], plays, round(100 * plays / top, 1) if top else 0)
            for pk, plays in rows if pk in objects]


def top_counts(*, field: str, since: date | None = None, until: date | None = None,
               limit: int = 10) -> list[tuple[int, int]]:
    """The `limit` most played tracks, artists or albums (`field`: track_id, artist_id or album_id)
    of the local days `since` to `until`, as (id, plays), most played first, then by id."""
    if since is None and until is None:
        return _all_time(field, limit)
    if period_plays(since=since, until=until) <= DIRECT_PLAYS:
        return _counted(plays_between(since=since, until=until), field, limit)
    if field == "track_id":
        return _top_tracks_of_long_period(since, until, limit)
    return _top_by_months(field, since, until, limit)


def _top(counts: dict[int, int], limit: int) -> list[tuple[int, int]]:
    return sorted(((pk, n) for pk, n in counts.items() if n), key=lambda row: (-row[1], row[0]))[:limit]


def _all_time(field: str, limit: int) -> list[tuple[int, int]]:
    if field == "track_id":
        return list(TrackTotal.objects.order_by("-plays", "track_id").values_list("track_id", "plays")[:limit])
    totals = TrackTotal.objects.filter(**{f"{field}__isnull": False}).order_by().values_list(field)
    return list(totals.annotate(n=Sum("plays")).order_by("-n", field)[:limit])


def _counted(qs: QuerySet, field: str, limit: int) -> list[tuple[int, int]]:
    """Top of a few thousand plays. Grouped on `field + 0`: grouped on the column itself, SQLite
    with statistics walks the whole (field, played_at) index for the order it gives."""
    if field == "album_id":
        qs = qs.filter(album_id__isnull=False)
    return list(qs.order_by().annotate(key=F(field) + 0).values_list("key").annotate(n=Count("*"))
                .order_by("-n", "key")[:limit])


def _top_tracks_of_long_period(since: date | None, until: date | None, limit: int) -> list[tuple[int, int]]:
    """Tracks played in the period are taken by all-time plays, most first, and their plays in the
    period counted (the (track, played_at) index answers that); no later track can enter the top
    once its all-time plays are below the top's last count. A few queries where there are
    thousands of plays."""
    plays = plays_between(since=since, until=until)
    candidates = TrackTotal.objects.order_by("-plays", "track_id")
    if since:
        candidates = candidates.filter(last_played_at__gte=local_midnight(since))
    if until:
        candidates = candidates.filter(first_played_at__lt=local_midnight(until + timedelta(days=1)))
    best: dict[int, int] = {}
    offset, size = 0, _CANDIDATES
    while batch := list(candidates.values_list("track_id", "plays")[offset:offset + size]):
        for start in range(0, len(batch), 500):
            ids = [track_id for track_id, _ in batch[start:start + 500]]
            best.update(plays.filter(track_id__in=ids).order_by().values_list("track_id").annotate(n=Count("*")))
        best = dict(_top(best, limit))
        if len(best) == limit and min(best.values()) > batch[-1][1]:
            break
        offset, size = offset + size, size * 2
    return _top(best, limit)


def _top_by_months(field: str, since: date | None, until: date | None, limit: int) -> list[tuple[int, int]]:
    """Whole months from the month rollup, the days of a month cut by the period from the plays."""
    first, end = _whole_months(since, until)
    if first and end and first >= end:  # no whole month inside
        return _counted(plays_between(since=since, until=until), field, limit)
    edges: Counter = Counter()
    if since and since < first:
        edges.update(dict(_counted(plays_between(since=since, until=first - timedelta(days=1)), field, None)))
    if until and end <= until:
        edges.update(dict(_counted(plays_between(since=end, until=until), field, None)))
    months = (ArtistMonth if field == "artist_id" else AlbumMonth).objects.order_by()
    months = months.filter(month__gte=first) if first else months
    months = months.filter(month__lt=end) if end else months
    # Grouped on `field + 0`, as in _counted: the month index, not the (field, month) key, is walked.
    sums = months.annotate(key=F(field) + 0).values_list("key").annotate(n=Sum("plays"))
    head = list(sums.order_by("-n", "key")[:limit])
    floor = head[-1][1] if head else 0  # a group outside the months' top has at most this many
    known = dict(sums.filter(n__gte=floor)) if head else {}
    counts = Counter(known)
    counts.update(edges)
    # A group with edge plays only can still enter the top if `floor` plus its edge plays reach
    # the top's last count: only those are looked up.
    last = _top(counts, limit)[-1][1] if len(counts) >= limit else 0
    unknown = [pk for pk, n in edges.items() if pk not in known and floor + n >= last]
    for start in range(0, len(unknown), 500):
        chunk = unknown[start:start + 500]
        for pk, n in months.filter(**{f"{field}__in": chunk}).values_list(field).annotate(n=Sum("plays")):
            counts[pk] = n + edges[pk]
    return _top(counts, limit)


def _whole_months(since: date | None, until: date | None) -> tuple[date | None, date | None]:
    """The first day of the first month wholly inside the period, and the first day after the
    last such month (None: open ends)."""
    first = since if since is None or since.day == 1 else _next_month(since)
    if until is None:
        return first, None
    after = _next_month(until)
    return first, after if after - timedelta(days=1) == until else date(until.year, until.month, 1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def top_artists(*, since: date | None = None, until: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(field="artist_id", since=since, until=until, limit=limit), Artist)


def top_albums(*, since: date | None = None, until: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(field="album_id", since=since, until=until, limit=limit), Album)


def top_tracks(*, since: date | None = None, until: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(field="track_id", since=since, until=until, limit=limit), Track)


def plays_per_day(*, since: date | None = None, until: date | None = None) -> dict[date, int]:
    """{local_date: plays}, from the day-hour rollup."""
    return dict(_days(DayHour.objects.order_by(), since, until).values_list("local_date").annotate(n=Sum("plays")))


def plays_per_hour(*, since: date | None = None, until: date | None = None) -> list[int]:
    """Plays in each of the 24 local hours: of every day along the (hour, plays) index, of a period
    along the days (grouped on `local_hour + 0`, or the hour index would be walked whole)."""
    if since is None and until is None:
        hours = DayHour.objects.order_by().values_list("local_hour")
    else:
        hours = _days(DayHour.objects.order_by(), since, until).annotate(key=F("local_hour") + 0).values_list("key")
    counts = dict(hours.annotate(n=Sum("plays")))
    return [counts.get(hour, 0) for hour in range(24)]


def first_of_months_back(*, months: int, today: date | None = None) -> date:
    """The first day of the month `months - 1` months before today's."""
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    return date(year, month + 1, 1)


def month_series(counts: dict[date, int], *, since: date | None, today: date | None = None) -> list[dict]:
    """`{first day of month: plays}` as every month from `since` (or the first with plays) to
    today's, oldest first: `{"month", "value"}`, zero where there were none."""
    if not counts:
        return []
    today = today or timezone.localdate()
    start = max(since, min(counts)) if since else min(counts)
    series, month = [], date(start.year, start.month, 1)
    while month <= today:
        series.append({"month": month, "value": counts.get(month, 0)})
        month = _next_month(month)
    return series


def plays_per_month(*, months: int | None = None, today: date | None = None) -> list[dict]:
    """Plays per calendar month of the whole history (the last `months` months), oldest first."""
    since = first_of_months_back(months=months, today=today) if months else None
    totals: Counter = Counter()
    for day, plays in plays_per_day(since=since).items():
        totals[date(day.year, day.month, 1)] += plays
    return month_series(totals, since=since, today=today)


def rollup_months(model, *, since: date | None = None, **group) -> dict[date, int]:
    """{first day of month: plays} of one artist or album (`artist_id=` / `album_id__in=`)."""
    qs = model.objects.filter(**group).order_by()
    if since:
        qs = qs.filter(month__gte=since)
    return dict(qs.values_list("month").annotate(n=Sum("plays")))


def track_totals(**group) -> tuple[dict[int, int], dict]:
    """Plays per track of an artist or album (`artist_id=` / `album_id__in=`), and their sum,
    first and last play."""
    rows = TrackTotal.objects.filter(**group)
    totals = rows.aggregate(plays=Sum("plays"), first=Min("first_played_at"), last=Max("last_played_at"))
    return dict(rows.values_list("track_id", "plays")), totals
