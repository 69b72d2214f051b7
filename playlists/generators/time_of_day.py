"""Time of day: what you tend to play at this hour on this weekday.

The plays of the lookback are read along the played_at index, those within an hour of the hour
counted per track in SQL (the exact hour weighs twice, the same weekday three times; the weekday
is the lookback's dates of it, compared with local_date, so SQLite and PostgreSQL agree and no
date function runs per play): at most CANDIDATES candidates, never the plays themselves.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django import forms
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from catalog.models import Track
from playlists.generators.base import Candidate, Draft, Generator, GeneratorError, Params
from playlists.generators.reasons import times_text
from tracker.models import Scrobble

CANDIDATES = 1000
DEFAULT_DAYS = 365
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EXACT_HOUR, SAME_WEEKDAY = 2, 3  # how much more a play weighs at the very hour, on the same weekday


class TimeOfDayParams(Params):
    hour = forms.IntegerField(min_value=0, max_value=23, required=False,
                              help_text="Hour of the day, 0 to 23 (blank: now).")
    weekday = forms.IntegerField(min_value=0, max_value=6, required=False,
                                 help_text="0 = Monday … 6 = Sunday (blank: today).")
    days = forms.IntegerField(min_value=1, max_value=3650, initial=DEFAULT_DAYS, required=False,
                              help_text="Look back this many days.")

    def clean_days(self):
        return self.cleaned_data.get("days") or DEFAULT_DAYS


def part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"


class TimeOfDay(Generator):
    name = "time_of_day"
    label = "Time of day"
    description = "What you tend to play at this hour, on this weekday most of all."
    Params = TimeOfDayParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        # Blank follows the clock, so a weekly refresh draws for the hour and weekday it runs at.
        now = timezone.localtime()
        hour = now.hour if params.get("hour") is None else params["hour"]
        weekday = now.weekday() if params.get("weekday") is None else params["weekday"]
        days = params["days"]
        first_day = timezone.localdate() - timedelta(days=days)

        def dates_of(day_of_week: int) -> list[date]:
            return [first_day + timedelta(days=n) for n in range((day_of_week - first_day.weekday()) % 7, days + 1, 7)]

        # The weekday as the lookback's dates of it (no per-row date function); the hour before
        # midnight belongs to the day before's date, the hour after it to the next day's.
        same_weekday, around = Q(), []
        for offset in (-1, 0, 1):
            at = (hour + offset) % 24
            around.append(at)
            same_weekday |= Q(local_hour=at, local_date__in=dates_of((weekday + (hour + offset) // 24) % 7))
        score = Sum(Case(When(local_hour=hour, then=Value(EXACT_HOUR)), default=Value(1))
                    * Case(When(same_weekday, then=Value(SAME_WEEKDAY)), default=Value(1)),
                    output_field=IntegerField())
        plays = Scrobble.objects.filter(played_at__gte=timezone.now() - timedelta(days=days),
                                        local_hour__in=sorted(around))
        # Grouped on `track_id + 0`: on the column itself SQLite walks the (track, played_at) index.
        rows = list(plays.order_by().annotate(key=F("track_id") + 0).values("key")
                    .annotate(score=score, plays=Count("*"), on_weekday=Count("pk", filter=same_weekday))
                    .order_by("-score", "key").values_list("key", "score", "plays", "on_weekday")[:CANDIDATES])
        day_name = WEEKDAYS[weekday]
        if not rows:
            raise GeneratorError(f"Nothing played around {hour} o'clock in the last {days} days: "
                                 "pick another hour or more days.")
        tracks = {pk: (artist_id, duration) for pk, artist_id, duration in Track.objects.filter(
            pk__in=[row[0] for row in rows]).order_by().values_list("pk", "artist_id", "duration_ms")}
        candidates = []
        for track_id, weight, count, on_weekday in rows:
            if track_id not in tracks:
                continue
            if on_weekday:
                reason = f"You played it {times_text(on_weekday)} on {day_name} {part_of_day(hour)}s around {hour}"
            else:
                reason = f"You played it {times_text(count)} around {hour} on other days"
            artist_id, duration = tracks[track_id]
            candidates.append(Candidate(track_id, artist_id, duration, reason, weight=weight))
        return Draft(candidates, name=f"{day_name}, {hour} o'clock")


GENERATOR = TimeOfDay()
