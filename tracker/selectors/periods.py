"""The periods every analytics view is asked for, read from a URL's query and written back to one.

`?period=` is one of PRESETS (7d, 30d, 90d, year, all), a year (`2024`), a month (`2024-03`),
or `custom` with `from` and `to` (ISO days, both included). Whatever cannot be read falls back
to the default period with a one-line error the page shows, never a 500.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.utils import timezone

from tracker.selectors.stats import DAY_RANGE_TEXT, day_in_range

PRESETS = {"7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days", "year": "This year", "all": "All time"}
DEFAULT = "30d"
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included; `start` None means since the first play."""

    key: str
    label: str
    start: date | None
    end: date

    @property
    def days(self) -> int | None:
        return None if self.start is None else (self.end - self.start).days + 1

    @property
    def query(self) -> str:
        """The query string that asks for this period again."""
        if self.key == "custom":
            return urlencode({"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()})
        return urlencode({"period": self.key})

    def previous(self) -> Period | None:
        """The period just before, of the same kind (a month's month, a year's year) or length;
        None for all time, which has nothing before it."""
        if self.start is None:
            return None
        if _YEAR.fullmatch(self.key) or self.key == "year":
            year = self.start.year - 1
            if not day_in_range(date(year, 1, 1)):
                return None
            end = date(year, self.end.month, min(self.end.day, calendar.monthrange(year, self.end.month)[1]))
            return Period(str(year), str(year), date(year, 1, 1), end if self.key == "year" else date(year, 12, 31))
        if _MONTH.fullmatch(self.key):
            last = self.start - timedelta(days=1)
            return _month(last.year, last.month)
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=self.days - 1)
        if not day_in_range(start):
            return None
        return Period("custom", _range_label(start, end), start, end)


class PeriodError(ValueError):
    """A period that cannot be read; its text is one line saying why."""


def period_parse(query, *, today: date | None = None) -> Period:
    """The period a query asks for (the default without one); PeriodError when it cannot be read."""
    today = today or timezone.localdate()
    key = (query.get("period") or DEFAULT).strip()
    if key in PRESETS:
        return _preset(key, today)
    if _YEAR.fullmatch(key):
        year = int(key)
        if day_in_range(date(max(year, 1), 1, 1)) and year <= 9998:
            return Period(key, key, date(year, 1, 1), date(year, 12, 31))
    elif match := _MONTH.fullmatch(key):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and day_in_range(date(max(year, 1), month, 1)) and year <= 9998:
            return _month(year, month)
    elif key == "custom":
        return _custom(query.get("from") or "", query.get("to") or "")
    raise PeriodError(f"Unknown period {key[:40]!r} (7d, 30d, 90d, year, all, a year like 2024, a month like "
                      "2024-03, or custom with from and to)")


def period_from_query(query, *, today: date | None = None) -> tuple[Period, str]:
    """The period a query asks for and an error ("" when none): what cannot be read gives the
    default period and says why, for a page to show."""
    today = today or timezone.localdate()
    try:
        return period_parse(query, today=today), ""
    except PeriodError as error:
        return _preset(DEFAULT, today), f"{error}: showing the last 30 days."


def period_choices(*, today: date | None = None) -> list[Period]:
    """The presets, as the picker lists them."""
    today = today or timezone.localdate()
    return [_preset(key, today) for key in PRESETS]


def _preset(key: str, today: date) -> Period:
    if key == "all":
        return Period(key, PRESETS[key], None, today)
    if key == "year":
        return Period(key, PRESETS[key], date(today.year, 1, 1), today)
    return Period(key, PRESETS[key], today - timedelta(days=int(key[:-1]) - 1), today)


def _month(year: int, month: int) -> Period:
    first = date(year, month, 1)
    return Period(f"{year:04d}-{month:02d}", first.strftime("%B %Y"), first,
                  date(year, month, calendar.monthrange(year, month)[1]))


def _custom(first: str, last: str) -> Period:
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise PeriodError("A custom period needs from and to as days (2024-03-01)") from None
    if not (day_in_range(start) and day_in_range(end)):
        raise PeriodError(f"Days must be {DAY_RANGE_TEXT}")
    if start > end:
        start, end = end, start
    return Period("custom", _range_label(start, end), start, end)


def _range_label(start: date, end: date) -> str:
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"
