"""Aggregates over scrobbles: top artists/albums/tracks, plays per day, month and hour (numbers;
web.charts draws them).

Every aggregate groups on an indexed column (artist/album/track with played_at, or
local_date/local_hour) and loads at most `limit` objects afterwards with one query.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from catalog.models import Album, Artist, Track
from tracker.models import Scrobble

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


def scrobbles_since(*, since: date | None) -> QuerySet:
    """Plays from local day `since` on, filtered on played_at: the (artist|album|track,
    played_at) indexes then cover the grouping, instead of a row lookup per play."""
    qs = Scrobble.objects.all()
    return qs.filter(played_at__gte=local_midnight(since)) if since else qs


def ranked(rows: list[tuple[int, int]], model) -> list[Ranked]:
    related = {Album: ("artist",), Track: ("artist", "album")}.get(model, ())
    objects = model.objects.select_related(*related).in_bulk([pk for pk, _ in rows]) if rows else {}
    top = rows[0][1] if rows else 0
    return [Ranked(objects[pk], plays, round(100 * plays / top, 1) if top else 0)
            for pk, plays in rows if pk in objects]


def top_counts(qs: QuerySet, field: str, limit: int) -> list[tuple[int, int]]:
    if field == "album_id":  # the only nullable one; the others need no IS NOT NULL test
        qs = qs.filter(album_id__isnull=False)
    return list(
        qs.order_by()
        .values_list(field)
        .annotate(plays=Count("*"))
        .order_by("-plays", field)[:limit]
    )


def top_artists(*, since: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(scrobbles_since(since=since), "artist_id", limit), Artist)


def top_albums(*, since: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(scrobbles_since(since=since), "album_id", limit), Album)


def top_tracks(*, since: date | None = None, limit: int = 10) -> list[Ranked]:
    return ranked(top_counts(scrobbles_since(since=since), "track_id", limit), Track)


def plays_per_day(*, qs: QuerySet | None = None, since: date | None = None,
                  until: date | None = None) -> dict[date, int]:
    """{local_date: plays}, from the (local_date, local_hour) index."""
    qs = Scrobble.objects.all() if qs is None else qs
    if since:
        qs = qs.filter(local_date__gte=since)
    if until:
        qs = qs.filter(local_date__lte=until)
    return dict(qs.order_by().values_list("local_date").annotate(plays=Count("*")))


def plays_per_month(*, qs: QuerySet | None = None, months: int | None = None, today: date | None = None) -> list[dict]:
    """Plays per calendar month, oldest first, as `{"month": first day, "value": plays}`;
    months without plays are zero.

    Daily counts are rolled up here rather than with TruncMonth, so the database only
    groups on the indexed local_date column.
    """
    today = today or timezone.localdate()
    since = None
    if months:
        first = date(today.year, today.month, 1)
        year, month = divmod(first.year * 12 + first.month - 1 - (months - 1), 12)
        since = date(year, month + 1, 1)
    daily = plays_per_day(qs=qs, since=since)
    if not daily:
        return []
    totals: dict[tuple[int, int], int] = {}
    for day, plays in daily.items():
        totals[(day.year, day.month)] = totals.get((day.year, day.month), 0) + plays
    # Start at the first month with plays, so a young history is not drawn as empty years.
    start = max(since, min(daily)) if since else min(daily)
    year, month = start.year, start.month
    months_list = []
    while (year, month) <= (today.year, today.month):
        months_list.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [{"month": first, "value": totals.get((first.year, first.month), 0)} for first in months_list]


def plays_per_hour(*, qs: QuerySet | None = None) -> list[int]:
    """Plays in each of the 24 local hours."""
    qs = Scrobble.objects.all() if qs is None else qs
    counts = dict(qs.order_by().values_list("local_hour").annotate(plays=Count("*")))
    return [counts.get(hour, 0) for hour in range(24)]
