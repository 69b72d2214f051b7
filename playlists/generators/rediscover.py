"""Rediscover: tracks loved or much played long ago and left aside for the last N months.

Read from the track totals (plays and last play per track) along their (plays) index, and from
the loved tracks' partial index: a bounded list of candidates whatever the size of the history.
"""

from __future__ import annotations

import random

from django import forms
from django.utils import timezone

from catalog.models import Track
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from playlists.generators.reasons import month_text, times_text
from playlists.selectors.library import loved_track_ids, months_before
from tracker.models import TrackTotal
from tracker.selectors.stats import local_midnight

CANDIDATES = 1000
DEFAULT_MONTHS, DEFAULT_MIN_PLAYS = 12, 5


class RediscoverParams(Params):
    months = forms.IntegerField(min_value=1, max_value=600, initial=DEFAULT_MONTHS, required=False,
                                help_text="Not played in the last this many months.")
    min_plays = forms.IntegerField(min_value=1, max_value=100_000, initial=DEFAULT_MIN_PLAYS, required=False,
                                   help_text="Played at least this many times (loved tracks need not).")
    loved_only = Flag(help_text="Only loved tracks.")

    def clean_months(self):
        return self.cleaned_data.get("months") or DEFAULT_MONTHS

    def clean_min_plays(self):
        return self.cleaned_data.get("min_plays") or DEFAULT_MIN_PLAYS


class Rediscover(Generator):
    name = "rediscover"
    label = "Rediscover"
    description = "Tracks you loved or played a lot, not played for months: the more plays, the likelier."
    Params = RediscoverParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        months, min_plays, loved_only = params["months"], params["min_plays"], params.get("loved_only", False)
        cutoff = local_midnight(months_before(timezone.localdate(), months))
        unplayed = TrackTotal.objects.filter(last_played_at__lt=cutoff).order_by("-plays", "track_id")
        fields = ("track_id", "plays", "last_played_at")
        loved = loved_track_ids()
        rows = {} if loved_only else {
            row[0]: row for row in unplayed.filter(plays__gte=min_plays).values_list(*fields)[:CANDIDATES]}
        if loved:
            loved_rows = unplayed.filter(track_id__in=sorted(loved)).values_list(*fields)[:CANDIDATES]
            rows |= {row[0]: row for row in loved_rows}
        if not rows:
            if loved_only:
                raise GeneratorError(f"No loved track left unplayed for {months} months: lower months "
                                     "or turn loved_only off.")
            raise GeneratorError(f"Nothing played more than {months} months ago with {min_plays} plays or more: "
                                 "lower min_plays or months.")
        tracks = {pk: (artist_id, duration) for pk, artist_id, duration in
                  Track.objects.filter(pk__in=list(rows)).order_by().values_list("pk", "artist_id", "duration_ms")}
        candidates = []
        for track_id, plays, last_played_at in sorted(rows.values(), key=lambda row: (-row[1], row[0])):
            if track_id not in tracks:
                continue
            is_loved = track_id in loved
            times = times_text(plays)
            reason = (f"Loved, played {times}, last in {month_text(last_played_at)}" if is_loved
                      else f"Played {times}, last in {month_text(last_played_at)}")
            # A loved track weighs as much as a much played one, twice: loving says more than playing.
            weight = max(plays, min_plays) * (2 if is_loved else 1)
            artist_id, duration = tracks[track_id]
            candidates.append(Candidate(track_id, artist_id, duration, reason, weight=weight))
        name = f"Rediscover: {'loved, ' if loved_only else ''}not played for {months} months"
        return Draft(candidates, name=name)


GENERATOR = Rediscover()
