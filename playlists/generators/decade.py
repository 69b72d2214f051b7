"""By decade: tracks of the albums released in one decade, the more played, the likelier.

An album's year is its own; else, for an owned edition, its listened album's; else, for a listened
album, its editions' earliest (a Discogs release often knows the year the history's album lacks,
while the plays stay on the latter). Played tracks first, never-played tracks of owned records
besides (see the tag generator, whose library reads this one shares).
"""

from __future__ import annotations

import random

from django import forms
from django.db.models import Min, Q

from catalog.models import Album
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from playlists.generators.reasons import plays_text
from playlists.selectors.library import shelf_tracks, shelf_weight

FIRST, LAST = 1900, 2090


class DecadeParams(Params):
    decade = forms.CharField(max_length=10, help_text="The decade's first year, e.g. 1990 (or 1990s).")
    owned_only = Flag(help_text="Only tracks of records you own.")

    def clean_decade(self) -> int:
        typed = self.cleaned_data["decade"].strip().lower().removesuffix("s")
        if not typed.isdigit() or not FIRST <= int(typed) <= LAST or int(typed) % 10:
            raise forms.ValidationError(f"a decade is its first year, from {FIRST} to {LAST}: 1970, 1990, 2010…")
        return int(typed)


class Decade(Generator):
    name = "decade"
    label = "By decade"
    description = "Tracks of the albums released in one decade; more played, likelier."
    Params = DecadeParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        decade = params["decade"]
        albums = _albums_of(decade)
        tracks = shelf_tracks(Q(album_id__in=albums.values("pk")), owned_only=params["owned_only"])
        if not tracks:
            what = "owned record" if params["owned_only"] else "track of the library"
            raise GeneratorError(f"No {what} is from the {decade}s: choose another decade.")
        years = _years_and_titles({track.album_id for track in tracks})
        candidates = []
        for track in tracks:
            year, title = years[track.album_id]
            candidates.append(Candidate(track.track_id, track.artist_id, track.duration_ms,
                                        f"From {year} ({title}) · {plays_text(track.plays)}",
                                        weight=shelf_weight(track)))
        return Draft(candidates, name=f"The {decade}s")


def _albums_of(decade: int):
    """The albums whose year (as the module docstring reads it) is in the decade."""
    years = (decade, decade + 9)
    editions = Album.objects.filter(listened_album__isnull=False)
    return Album.objects.filter(
        Q(year__range=years)
        | Q(year__isnull=True, listened_album__year__range=years)
        | (Q(year__isnull=True, pk__in=editions.filter(year__range=years).values("listened_album_id"))
           & ~Q(pk__in=editions.filter(year__lt=decade).values("listened_album_id")))
    )


def _years_and_titles(album_ids: set[int]) -> dict[int, tuple[int, str]]:
    rows = list(Album.objects.filter(pk__in=sorted(album_ids)).order_by()
                .values_list("pk", "title", "year", "listened_album__year"))
    earliest_editions = dict(Album.objects.filter(listened_album_id__in=[pk for pk, _, year, _ in rows if not year])
                             .order_by().values("listened_album_id").annotate(first=Min("year"))
                             .values_list("listened_album_id", "first"))
    return {pk: (year or listened_year or earliest_editions[pk], title) for pk, title, year, listened_year in rows}


GENERATOR = Decade()
