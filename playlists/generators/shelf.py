"""From the shelf: tracks of the records you own, optionally only those never or not recently played,
optionally of one format.

A record is owned while it has a present copy (a CollectionItem not removed). Its tracks are its
listened album's (those of the history) and its own (a Discogs tracklist) when the history has no
track of that title; its plays are its own and its listened album's, as the collection counts them.
Read from the copies (a few thousand, each looked up by key in the album totals); when more
records fit than RECORDS, the seed picks which, so the candidates stay bounded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from catalog.models import Album, CollectionItem, Track
from playlists.generators.base import Candidate, Draft, Generator, GeneratorError, Params
from playlists.generators.reasons import month_text
from playlists.selectors.library import months_before
from tracker.models import AlbumTotal
from tracker.selectors.stats import local_midnight

PLAYED = {"any": "Any", "never": "Never played", "not_recently": "Not played recently"}
DEFAULT_MONTHS = 12
RECORDS = 200  # at ~10 tracks a record, about 2,000 candidates


class ShelfParams(Params):
    played = forms.ChoiceField(choices=list(PLAYED.items()), initial="any", required=False,
                               help_text="Any record, those never played, or those not played recently.")
    months = forms.IntegerField(min_value=1, max_value=600, initial=DEFAULT_MONTHS, required=False,
                                help_text="For “not played recently”: not played in the last this many months.")
    format = forms.ChoiceField(choices=[("", "Any format"), *Album.Format.choices], required=False,
                               help_text="Only records of this format.")

    def clean_played(self):
        return self.cleaned_data.get("played") or "any"

    def clean_months(self):
        return self.cleaned_data.get("months") or DEFAULT_MONTHS


@dataclass
class _Record:
    album_id: int
    listened_id: int | None
    format: str
    added: datetime | None  # its first present copy's date added
    rating: int  # its best rated copy's
    plays: int
    last_played_at: datetime | None
    has_tracks: bool

    def reason(self) -> str:
        shelf = ", ".join(part for part in (self.format, self.added and f"added {month_text(self.added)}") if part)
        where = f"On your shelf ({shelf})" if shelf else "On your shelf"
        if not self.plays:
            return f"{where}, never played"
        return f"{where}, last played {month_text(self.last_played_at)}"


class Shelf(Generator):
    name = "shelf"
    label = "From the shelf"
    description = "Tracks of the records you own, never or not recently played if you like; better rated, likelier."
    Params = ShelfParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        played, months, fmt = params["played"], params["months"], params.get("format") or ""
        records = _owned_records(fmt)
        what = f"{fmt} record" if fmt else "record"
        if not records:
            if fmt:
                raise GeneratorError(f"No {what} on your shelf: choose another format, or any.")
            raise GeneratorError("No record on your shelf: sync your Discogs collection first.")
        if played == "never":
            records = [r for r in records if not r.plays]
            if not records:
                raise GeneratorError(f"Every {what} on your shelf has been played: choose played any or "
                                     "not_recently.")
        elif played == "not_recently":
            cutoff = local_midnight(months_before(timezone.localdate(), months))
            records = [r for r in records if r.last_played_at is None or r.last_played_at < cutoff]
            if not records:
                raise GeneratorError(f"Every {what} on your shelf was played in the last {months} months: "
                                     "lower months or choose played any.")
        records = [r for r in records if r.has_tracks]
        if not records:
            raise GeneratorError(f"No {what} that fits has known tracks yet: tracklists come from Discogs "
                                 "after a sync, or from plays.")
        if len(records) > RECORDS:
            records = sorted(rng.sample(records, RECORDS), key=lambda r: r.album_id)
        return Draft(_candidates(records), name=_name(played, months, fmt))


def _owned_records(fmt: str) -> list[_Record]:
    """Every owned record (of format `fmt`), by album id, with its plays from the album totals and
    whether it has tracks (its own or its listened album's)."""
    copies = CollectionItem.objects.present().order_by()
    if fmt:
        copies = copies.filter(album__format=fmt)
    totals = AlbumTotal.objects.order_by()
    own, listened = totals.filter(album_id=OuterRef("album_id")), \
        totals.filter(album_id=OuterRef("album__listened_album_id"))
    rows = copies.annotate(
        own_plays=Subquery(own.values("plays")), own_last=Subquery(own.values("last_played_at")),
        listened_plays=Subquery(listened.values("plays")), listened_last=Subquery(listened.values("last_played_at")),
        own_tracks=Exists(Track.objects.filter(album_id=OuterRef("album_id"))),
        listened_tracks=Exists(Track.objects.filter(album_id=OuterRef("album__listened_album_id"))),
    ).values_list("album_id", "album__listened_album_id", "album__format", "date_added", "rating",
                  "own_plays", "own_last", "listened_plays", "listened_last", "own_tracks", "listened_tracks")
    records: dict[int, _Record] = {}
    for (album_id, listened_id, album_format, added, rating, own_plays, own_last, heard_plays, heard_last,
         own_tracks, heard_tracks) in rows:
        record = records.get(album_id)
        if record is None:
            if listened_id == album_id:
                listened_id, heard_plays, heard_last = None, None, None
            lasts = [moment for moment in (own_last, heard_last) if moment]
            records[album_id] = _Record(album_id, listened_id, album_format, added, rating,
                                        (own_plays or 0) + (heard_plays or 0), max(lasts) if lasts else None,
                                        own_tracks or heard_tracks)
            continue
        record.rating = max(record.rating, rating)
        if added and (record.added is None or added < record.added):
            record.added = added
    return [records[pk] for pk in sorted(records)]


def _candidates(records: list[_Record]) -> list[Candidate]:
    """Each record's tracks, the listened album's first and then its own of other titles; a record
    weighs the same however many tracks it has, more the better it is rated."""
    wanted = {r.album_id for r in records} | {r.listened_id for r in records if r.listened_id}
    by_album: dict[int, list[tuple]] = {}
    for row in (Track.objects.filter(album_id__in=sorted(wanted)).order_by("album_id", "disc_number", "number", "pk")
                .values_list("pk", "artist_id", "album_id", "duration_ms", "title_key")):
        by_album.setdefault(row[2], []).append(row)
    candidates, seen = [], set()
    for record in records:
        tracks, titles = [], set()
        for row in by_album.get(record.listened_id, []) + by_album.get(record.album_id, []):
            if row[4] not in titles and row[0] not in seen:
                titles.add(row[4])
                tracks.append(row)
        seen.update(row[0] for row in tracks)
        reason = record.reason()
        weight = (1 + record.rating) / max(len(tracks), 1)
        candidates += [Candidate(pk, artist_id, duration, reason, weight=weight)
                       for pk, artist_id, _, duration, _ in tracks]
    return candidates


def _name(played: str, months: int, fmt: str) -> str:
    name = f"From the shelf: {fmt}" if fmt else "From the shelf"
    if played == "never":
        return f"{name}, never played"
    if played == "not_recently":
        return f"{name}, not played for {months} months"
    return name


GENERATOR = Shelf()
