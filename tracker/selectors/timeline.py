"""One day hour by hour, and a year of days as a heatmap."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from tracker.models import Scrobble
from tracker.selectors.stats import plays_per_day

MAX_PLAYS_PER_DAY = 500


@dataclass
class HourBlock:
    hour: int
    plays: list


def parse_day(value: str | None) -> date:
    """The requested local day, or today when missing or malformed."""
    if value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return timezone.localdate()


def day_plays(*, day: date) -> list[Scrobble]:
    """The plays of one local day, in order (bounded: a day of looped tracks stays fast)."""
    return list(
        Scrobble.objects.filter(local_date=day)
        .select_related("track", "artist", "album")
        .order_by("played_at", "id")[:MAX_PLAYS_PER_DAY]
    )


def hour_blocks(*, plays: list[Scrobble]) -> list[HourBlock]:
    """The day's plays grouped under the hours that have any."""
    blocks: dict[int, HourBlock] = {}
    for play in plays:
        blocks.setdefault(play.local_hour, HourBlock(hour=play.local_hour, plays=[])).plays.append(play)
    return [blocks[hour] for hour in sorted(blocks)]


def hour_bars(*, plays: list[Scrobble]) -> list[dict]:
    counts = [0] * 24
    for play in plays:
        counts[play.local_hour] += 1
    return [
        {"label": f"{hour:02d}:00", "value": counts[hour], "tick": f"{hour:02d}" if hour % 3 == 0 else "",
         "href": f"#hour-{hour}" if counts[hour] else ""}
        for hour in range(24)
    ]


def year_heatmap(*, end: date | None = None, weeks: int = 53) -> dict:
    """A calendar of plays per day for the last `weeks` weeks, Monday-first columns.

    Returns {"weeks": [[cell or None] * 7], "months": [(column, label)], "total": n}; each
    cell has date, plays, level 0-4 and the timeline URL of that day.
    """
    end = end or timezone.localdate()
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    counts = plays_per_day(since=start, until=end)
    # Levels by quartile of the days with plays, so one binge day doesn't wash out the year.
    played = sorted(n for n in counts.values() if n)
    thresholds = [played[len(played) * q // 4] for q in (1, 2, 3)] if played else []
    timeline = reverse("timeline")
    columns, months = [], []
    for week in range(weeks):
        column = []
        for weekday in range(7):
            day = start + timedelta(days=week * 7 + weekday)
            if day > end:
                column.append(None)
                continue
            plays = counts.get(day, 0)
            level = 0 if not plays else 1 + sum(plays > t for t in thresholds)
            column.append({"date": day, "plays": plays, "level": level, "href": f"{timeline}?date={day.isoformat()}"})
            if day.day == 1 or (week == 0 and weekday == 0):
                months.append({"column": week + 1, "label": day.strftime("%b")})
        columns.append(column)
    # Keep month labels at least three columns apart, so they never overlap.
    spaced = []
    for month in months:
        if not spaced or month["column"] - spaced[-1]["column"] >= 3:
            spaced.append(month)
        else:
            spaced[-1] = month
    months = spaced
    return {"weeks": columns, "months": months, "total": sum(counts.values()), "start": start, "end": end}
