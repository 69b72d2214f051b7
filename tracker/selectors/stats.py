"""Figures of the listening history: top artists/albums/tracks of a period, plays per day, month
and hour (numbers; web.charts draws them).

They come from the rollups (tracker.models: totals per track, artist and album; per track, artist
and album year; per artist and album month; per day and hour), so
a page reads thousands of rows, not a million, whatever the period. A short period (at most
DIRECT_PLAYS plays) is counted from its plays, through the played_at index.
"""

from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Min, QuerySet, Sum
from django.utils import timezone

from catalog.models import Album, Artist, Track
from tracker.models import (
    AlbumMonth,
    AlbumTotal,
    AlbumYear,
    ArtistMonth,
    ArtistTotal,
    ArtistYear,
    DayHour,
    MonthHour,
    Scrobble,
    TrackTotal,
    TrackYear,
)

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
# But a top of at most SHORT_TOP (the pages' ten) of a period with more plays than YEARS_PLAYS is
# bounded by the year rollups (_top_by_years, ~2 ms at 1 M plays): few rows, of many plays each.
YEARS_PLAYS, SHORT_TOP = 10_000, 20
_CANDIDATES = 200  # ids checked per query, at first, when the top of a long period is sought


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
    if since is None and (until is None or not DayHour.objects.filter(local_date__gt=until).exists()):
        return _all_time(field, limit)  # all time, or up to a day no play comes after
    if (year := _one_year(since, until)) is not None:
        return _top_of_year(field, year, limit)
    plays = period_plays(since=since, until=until)
    if plays > YEARS_PLAYS and limit <= SHORT_TOP and since and until and until.year - since.year <= 1:
        return _top_by_years(field, since, until, limit, plays=plays)
    if plays <= DIRECT_PLAYS:
        return _counted(plays_between(since=since, until=until), field, limit)
    if field == "track_id":
        return _top_tracks_of_long_period(since, until, limit)
    return _top_by_months(field, since, until, limit)


def _one_year(since: date | None, until: date | None) -> int | None:
    """The year the period is, whole (a year, or this year so far: no plays after `until` in it)."""
    if since is None or (since.month, since.day) != (1, 1) or until is None or until.year != since.year:
        return None
    year_end = date(since.year, 12, 31)
    if until != year_end and DayHour.objects.filter(local_date__gt=until, local_date__lte=year_end).exists():
        return None
    return since.year


def _top_of_year(field: str, year: int, limit: int) -> list[tuple[int, int]]:
    """The first rows of the year rollup's (year, plays) index."""
    model = {"track_id": TrackYear, "artist_id": ArtistYear, "album_id": AlbumYear}[field]
    return list(model.objects.filter(year=year).order_by("-plays", field).values_list(field, "plays")[:limit])


def _top(counts: dict[int, int], limit: int) -> list[tuple[int, int]]:
    return sorted(((pk, n) for pk, n in counts.items() if n), key=lambda row: (-row[1], row[0]))[:limit]


def _all_time(field: str, limit: int) -> list[tuple[int, int]]:
    model = {"track_id": TrackTotal, "artist_id": ArtistTotal, "album_id": AlbumTotal}[field]
    return list(model.objects.order_by("-plays", field).values_list(field, "plays")[:limit])


def _counted(qs: QuerySet, field: str, limit: int) -> list[tuple[int, int]]:
    """Top of a few thousand plays. Grouped on `field + 0`: grouped on the column itself, SQLite
    with statistics walks the whole (field, played_at) index for the order it gives."""
    if field == "album_id":
        qs = qs.filter(album_id__isnull=False)
    return list(qs.order_by().annotate(key=F(field) + 0).values_list("key").annotate(n=Count("*"))
                .order_by("-n", "key")[:limit])


def _top_by_years(field: str, since: date, until: date, limit: int, *, plays: int) -> list[tuple[int, int]]:
    """The top of a period within two calendar years (as any of up to a year is): ids are taken from
    each year's rollup in its order of plays (the (year, plays) index), and their plays in the period
    counted along the (id, played_at) index. An id not taken yet has, in each year, at most the plays
    of the last one taken there (none once a year's ids are all taken): the top is exact as soon as
    its last count is above their sum. Each round takes twice as many; once as many ids were taken
    as the period has plays, counting the plays is cheaper."""
    model = {"track_id": TrackYear, "artist_id": ArtistYear, "album_id": AlbumYear}[field]
    in_period = plays_between(since=since, until=until).order_by()
    counts: dict[int, int] = {}
    offset, size = 0, _CANDIDATES
    while len(counts) < plays:
        bound, taken = 0, set()
        for year in range(since.year, until.year + 1):
            rows = list(model.objects.filter(year=year).order_by("-plays", field)
                        .values_list(field, "plays")[offset:offset + size])
            taken.update(pk for pk, _ in rows if pk not in counts)
            bound += rows[-1][1] if len(rows) == size else 0
        counts.update(dict.fromkeys(taken, 0))
        counts.update(in_period.filter(**{f"{field}__in": taken}).values_list(field).annotate(n=Count("*")))
        top = _top(counts, limit)
        if not bound or (len(top) == limit and top[-1][1] > bound):
            return top
        offset, size = offset + size, size * 2
    return _counted(in_period, field, limit)


def _top_tracks_of_long_period(since: date | None, until: date | None, limit: int) -> list[tuple[int, int]]:
    """Tracks played in the period are taken by all-time plays, most first, and their plays in the
    period counted (the (track, played_at) index answers that); no later track can enter the top
    once its all-time plays are below the top's last count. A few queries where there are
    thousands of plays: each round takes twice as many tracks, as a subquery."""
    plays = plays_between(since=since, until=until)
    candidates = TrackTotal.objects.order_by("-plays", "track_id")
    if since:
        candidates = candidates.filter(last_played_at__gte=local_midnight(since))
    if until:
        candidates = candidates.filter(first_played_at__lt=local_midnight(until + timedelta(days=1)))
    best: dict[int, int] = {}
    offset, size = 0, _CANDIDATES
    while True:
        batch = candidates.values("track_id")[offset:offset + size]
        best.update(plays.filter(track_id__in=batch).order_by().values_list("track_id").annotate(n=Count("*")))
        best = dict(_top(best, limit))
        last = candidates.values_list("plays", flat=True)[offset + size - 1:offset + size].first()
        if last is None or (len(best) == limit and min(best.values()) > last):
            return _top(best, limit)
        offset, size = offset + size, size * 2


def _top_by_months(field: str, since: date | None, until: date | None, limit: int) -> list[tuple[int, int]]:
    """From the month rollup: the months the period touches, a month it cuts either counted from its
    days inside the period or taken whole less its days outside, whichever reads fewer plays.

    Exact: a group outside the months' head, and without days counted apart, has at most the
    head's last sum; the head grows until the top's last count is above that."""
    if since and until and (since.year, since.month) == (until.year, until.month):
        return _counted(plays_between(since=since, until=until), field, limit)
    (first, last), added, taken = _month_cover(since, until)
    apart: Counter = Counter()
    for start, end in added:
        apart.update(dict(_counted(plays_between(since=start, until=end), field, None)))
    for start, end in taken:
        apart.subtract(dict(_counted(plays_between(since=start, until=end), field, None)))
    rollup = (ArtistMonth if field == "artist_id" else AlbumMonth).objects.order_by()
    rollup = rollup.filter(month__gte=first) if first else rollup
    rollup = rollup.filter(month__lte=last) if last else rollup
    # Grouped on `field + 0`, as in _counted: the month index, not the (field, month) key, is walked.
    sums = rollup.annotate(key=F(field) + 0).values_list("key").annotate(n=Sum("plays")).order_by("-n", "key")
    size = limit * 3
    while True:
        head = list(sums[:size])
        counts = Counter(dict(head))
        unseen = [pk for pk, n in apart.items() if n > 0 and pk not in counts]
        for start in range(0, len(unseen), 500):
            counts.update(dict(rollup.filter(**{f"{field}__in": unseen[start:start + 500]})
                               .values_list(field).annotate(n=Sum("plays"))))
        counts.update(apart)
        top = _top(counts, limit)
        if len(head) < size or (len(top) == limit and top[-1][1] > head[-1][1]):
            return top
        size *= 4


def _month_cover(since: date | None, until: date | None):
    """For a period over more than one month: its first and last months to read whole (None: open),
    and the day ranges to count apart, `added` to them or `taken` from them."""
    first = date(since.year, since.month, 1) if since else None
    last = date(until.year, until.month, 1) if until else None
    added, taken = [], []
    if since and since.day > 1:  # the first month is cut
        outside, inside = (first, since - timedelta(days=1)), (since, _month_end(since))
        if outside[1] - outside[0] <= inside[1] - inside[0]:
            taken.append(outside)
        else:
            added.append(inside)
            first = next_month(since)
    if until and until != _month_end(until):  # the last month is cut
        outside, inside = (until + timedelta(days=1), _month_end(until)), (last, until)
        if outside[1] - outside[0] <= inside[1] - inside[0]:
            taken.append(outside)
        else:
            added.append(inside)
            last = date((last - timedelta(days=1)).year, (last - timedelta(days=1)).month, 1)
    return (first, last), added, taken


def _month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
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
    """Plays in each of the 24 local hours: of all time from the month-hour rollup, of a period
    along its days (grouped on `local_hour + 0`, so the days' range is walked)."""
    if since is None and until is None:
        hours = MonthHour.objects.order_by().values_list("local_hour")
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
        month = next_month(month)
    return series


def plays_per_month(*, months: int | None = None, today: date | None = None) -> list[dict]:
    """Plays per calendar month of the whole history (the last `months` months), oldest first."""
    since = first_of_months_back(months=months, today=today) if months else None
    rows = MonthHour.objects.order_by()
    rows = rows.filter(month__gte=since) if since else rows
    return month_series(dict(rows.values_list("month").annotate(n=Sum("plays"))), since=since, today=today)


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


def period_sums(*, field: str, ids, since: date | None = None,
                until: date | None = None) -> dict[int, tuple[int, int, int]]:
    """(plays, ms_played, ms_plays) of each of `ids` (track_id, artist_id or album_id) in the local
    days `since` to `until`: for all time from the totals; for artists and albums of a long period
    from their month rollups, the months it cuts counted as in top_counts; else from the plays of
    those ids, along their (id, played_at) index. Ids without plays are left out."""
    ids = list(ids)
    if not ids:
        return {}
    if since is None and until is None:
        model = {"track_id": TrackTotal, "artist_id": ArtistTotal, "album_id": AlbumTotal}[field]
        rows = model.objects.filter(**{f"{field}__in": ids}).values_list(field, "plays", "ms_played", "ms_plays")
        return {pk: (plays, ms, known) for pk, plays, ms, known in rows if plays}
    one_month = since and until and (since.year, since.month) == (until.year, until.month)
    if field == "track_id" or one_month or period_plays(since=since, until=until) <= DIRECT_PLAYS:
        return _sums_of_plays(plays_between(since=since, until=until), field, ids)
    (first, last), added, taken = _month_cover(since, until)
    rollup = (ArtistMonth if field == "artist_id" else AlbumMonth).objects.filter(**{f"{field}__in": ids})
    rollup = rollup.filter(month__gte=first) if first else rollup
    rollup = rollup.filter(month__lte=last) if last else rollup
    rows = rollup.order_by().values_list(field).annotate(n=Sum("plays"), ms=Sum("ms_played"), known=Sum("ms_plays"))
    sums = {pk: [plays, ms, known] for pk, plays, ms, known in rows}
    for ranges, sign in ((added, 1), (taken, -1)):
        for start, end in ranges:
            for pk, figures in _sums_of_plays(plays_between(since=start, until=end), field, ids).items():
                row = sums.setdefault(pk, [0, 0, 0])
                for index, value in enumerate(figures):
                    row[index] += sign * value
    return {pk: tuple(row) for pk, row in sums.items() if row[0] > 0}


def _sums_of_plays(qs: QuerySet, field: str, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    rows = (qs.filter(**{f"{field}__in": ids}).order_by().values_list(field)
            .annotate(n=Count("*"), ms=Sum("ms_played"), known=Count("ms_played")))
    return {pk: (plays, ms or 0, known) for pk, plays, ms, known in rows}
