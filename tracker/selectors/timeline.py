"""One day hour by hour, and a year of days as a heatmap."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from tracker.models import Scrobble
from tracker.selectors.history_cache import cached_until_history_changes, history_version
from tracker.selectors.journal import decode_cursor, encode_cursor
from tracker.selectors.stats import day_in_range, local_midnight, plays_per_day, plays_per_hour

MAX_PLAYS_PER_DAY = 500
# Rows the timeline page renders at once; the rest of a busy day follows as it scrolls.
DAY_PAGE_SIZE = 50


@dataclass
class HourBlock:
    hour: int
    plays: list
    total: int = 0  # plays of the whole hour, when known (a page may hold only some)


@dataclass
class DayPage:
    plays: list[Scrobble] = field(default_factory=list)
    next_cursor: str = ""


def parse_day(value: str | None) -> date:
    """The requested local day, or today when missing, malformed or out of range."""
    if value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if day_in_range(day):
                return day
    return timezone.localdate()


def _of_day(day: date) -> QuerySet:
    """The plays of one local day, as a range of the played_at index the page orders by.

    Not also `local_date=day`: PostgreSQL takes the two conditions as independent, plans
    for two rows, and picks a nested loop that took 31 ms for a day of 2,000 plays.
    """
    return Scrobble.objects.filter(played_at__gte=local_midnight(day),
                                   played_at__lt=local_midnight(day + timedelta(days=1)))


def day_plays(*, day: date, limit: int = MAX_PLAYS_PER_DAY) -> list[Scrobble]:
    """The plays of one local day, in order (bounded: a day of looped tracks stays fast)."""
    return list(
        _of_day(day)
        .select_related("track", "artist", "album")
        .order_by("played_at", "id")[:limit]
    )


def day_page(*, day: date, after: str = "", limit: int | None = None) -> DayPage:
    """A page of one local day's plays in order, after the play of cursor `after`."""
    limit = max(1, min(limit or DAY_PAGE_SIZE, MAX_PLAYS_PER_DAY))
    qs = _of_day(day).select_related("track", "artist", "album")
    position = decode_cursor(after) if after else None
    if position:
        played_at, pk = position
        qs = qs.filter(played_at__gte=played_at).filter(Q(played_at__gt=played_at) | Q(pk__gt=pk))
    rows = list(qs.order_by("played_at", "id")[: limit + 1])
    plays = rows[:limit]
    return DayPage(plays=plays, next_cursor=encode_cursor(plays[-1]) if len(rows) > limit else "")


def day_hour_counts(*, day: date) -> list[int]:
    """Plays in each of the day's 24 local hours, from the day-hour rollup."""
    return plays_per_hour(since=day, until=day)


def hour_blocks(*, plays: list[Scrobble], counts: list[int] | None = None) -> list[HourBlock]:
    """The day's plays grouped under the hours that have any, with each hour's total."""
    blocks: dict[int, HourBlock] = {}
    for play in plays:
        hour = play.local_hour
        blocks.setdefault(hour, HourBlock(hour=hour, plays=[], total=counts[hour] if counts else 0)).plays.append(play)
    return [blocks[hour] for hour in sorted(blocks)]


def heatmap_counts(*, end: date | None = None, weeks: int = 53) -> dict:
    """Plays per day over the last `weeks` weeks (from a Monday to `end`) and the version of
    those counts, cached until a play is added. The page caches the drawn grid under the same version."""
    end = end or timezone.localdate()
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    version = f"{start.isoformat()}:{end.isoformat()}:{history_version()}"
    counts = cached_until_history_changes("heatmap", lambda: plays_per_day(since=start, until=end), version=version)
    return {"counts": counts, "start": start, "end": end, "version": version}
