"""Top of a period: the most played tracks of the last 30 days, a year, a month, all time…"""

from __future__ import annotations

import random

from django import forms

from catalog.models import Track
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from tracker.selectors.periods import PRESETS, PeriodError, period_parse
from tracker.selectors.stats import top_counts

CANDIDATES = 500


class TopParams(Params):
    period = forms.CharField(initial="30d", required=False, max_length=40,
                             help_text="7d, 30d, 90d, year, all, a year (2024) or a month (2024-03).")
    shuffle = Flag(help_text="Draw from the top instead of keeping the chart order.")

    def clean_period(self):
        value = (self.cleaned_data.get("period") or "30d").strip()
        try:
            period_parse({"period": value})
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from None
        return value


class Top(Generator):
    name = "top"
    label = "Top of a period"
    description = "The tracks you played most in a period, in chart order or drawn from the top."
    Params = TopParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        period = period_parse({"period": params["period"]})
        counted = top_counts(field="track_id", since=period.start, until=period.end if period.start else None,
                             limit=CANDIDATES)
        if not counted:
            raise GeneratorError(f"No plays in {period.label.lower()}: pick a longer period.")
        tracks = Track.objects.in_bulk([pk for pk, _ in counted])
        where = f"the {period.label.lower()}" if period.label.startswith("Last") else (
            period.label.lower() if period.key in PRESETS else period.label)
        candidates = [
            _candidate(tracks[pk], plays, rank, where) for rank, (pk, plays) in enumerate(counted, start=1)
            if pk in tracks
        ]
        return Draft(candidates, keep_order=not params.get("shuffle"), name=f"Top of {period.label.lower()}")


def _candidate(track: Track, plays: int, rank: int, where: str):
    return Candidate(track.pk, track.artist_id, track.duration_ms,
                     f"#{rank} of {where} · {plays} play{'s' if plays != 1 else ''}", weight=plays)


GENERATOR = Top()
