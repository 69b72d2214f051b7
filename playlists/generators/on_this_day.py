"""On this day: what you played on this calendar day (give or take a few days) in earlier years.

local_date has no index, so each earlier year's days are read as one range of played_at (from
the local day bounds in TIME_ZONE), and the plays counted per track in SQL: at most 31 days a
year are read, and the candidates are the tracks of the most years and plays.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django import forms
from django.db.models import Case, Count, F, IntegerField, Max, Q, Value, When
from django.utils import dateformat, timezone

from catalog.models import Track
from playlists.generators.base import Candidate, Draft, Generator, GeneratorError, Params
from tracker.models import DayHour, Scrobble
from tracker.selectors.stats import DAY_RANGE_TEXT, day_in_range, local_midnight

CANDIDATES = 1000
DEFAULT_WINDOW = 3


class OnThisDayParams(Params):
    day = forms.DateField(required=False, help_text="The calendar day, e.g. 2024-12-02 (blank: today).")
    window = forms.IntegerField(min_value=0, max_value=15, initial=DEFAULT_WINDOW, required=False,
                                help_text="Days either side of it.")

    # Blank stays blank: it means the day the playlist is drawn, weekly refreshes included.
    def clean_day(self):
        day = self.cleaned_data.get("day")
        if day is not None and not day_in_range(day):
            raise forms.ValidationError(f"must be {DAY_RANGE_TEXT}.")
        return day

    def clean_window(self):
        window = self.cleaned_data.get("window")
        return DEFAULT_WINDOW if window is None else window


def same_day_in(year: int, day: date) -> date:
    """`day`'s month and day in `year` (29 February is the 28th in a common year)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


class OnThisDay(Generator):
    name = "on_this_day"
    label = "On this day"
    description = "Tracks you played on this day in earlier years: the more years and plays, the likelier."
    Params = OnThisDayParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        day = date.fromisoformat(str(params["day"])) if params.get("day") else timezone.localdate()
        window = params["window"]
        first = DayHour.objects.order_by("local_date").values_list("local_date", flat=True).first()
        spans, years_of = Q(), []
        for year in range(first.year if first else day.year, day.year):
            center = same_day_in(year, day)
            start, end = center - timedelta(days=window), center + timedelta(days=window)
            if end < first:
                continue
            span = Q(played_at__gte=local_midnight(start), played_at__lt=local_midnight(end + timedelta(days=1)))
            spans |= span
            years_of.append(When(span, then=Value(year)))
        rows = []
        if years_of:
            # Grouped on `track_id + 0`: on the column itself SQLite walks the (track, played_at) index.
            rows = list(Scrobble.objects.filter(spans).order_by().annotate(key=F("track_id") + 0).values("key")
                        .annotate(years=Count(Case(*years_of, output_field=IntegerField()), distinct=True),
                                  plays=Count("pk"), last_day=Max("local_date"))
                        .order_by("-years", "-plays", "key")
                        .values_list("key", "years", "plays", "last_day")[:CANDIDATES])
        when = dateformat.format(day, "j F")
        if not rows:
            around = f"within {window} days of {when}" if window else f"on {when}"
            raise GeneratorError(f"Nothing played {around} in earlier years: widen the window or pick another day.")
        tracks = {pk: (artist_id, duration) for pk, artist_id, duration in Track.objects.filter(
            pk__in=[row[0] for row in rows]).order_by().values_list("pk", "artist_id", "duration_ms")}
        candidates = []
        for track_id, years, plays, last_day in rows:
            if track_id not in tracks:
                continue
            others = years - 1
            reason = f"Played on {dateformat.format(last_day, 'j F Y')}" + (
                f" (and {others} other year{'s' if others != 1 else ''})" if others else "")
            artist_id, duration = tracks[track_id]
            candidates.append(Candidate(track_id, artist_id, duration, reason, weight=years * plays))
        return Draft(candidates, name=f"On this day: {when}")


GENERATOR = OnThisDay()
