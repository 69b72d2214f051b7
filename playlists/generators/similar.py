"""Similar artists: from seed artists, a walk through the similar-artist links (Last.fm's, from
enrichment) to the library's tracks of the artists met on the way.

The walk is breadth-first, up to `depth` steps, along links either way round (an artist whose
similar list names a seed is similar to it too). Each artist met weighs its parent's weight times
the link's match times STEP_DECAY, so far and loosely similar artists come less often; of two
parents one step nearer, the heavier counts. At most WALK_MAX artists are met, the heaviest of each
step first. Within an artist, played tracks are favoured, gently (the log of the plays), so that
the walk is not just the seeds' most played tracks again.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from django import forms
from django.db.models import Q

from catalog.models import Artist, ArtistSimilar
from core.normalize import name_key
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from playlists.selectors.library import LibraryTrack, played_tracks, unplayed_tracks

DEFAULT_DEPTH = 2
STEP_DECAY = 0.7
WALK_MAX = 200
NAMES_MAX = 20


class SimilarParams(Params):
    artists = forms.CharField(max_length=1000, help_text="Seed artists, comma-separated, e.g. Portishead, Tricky.")
    depth = forms.IntegerField(min_value=1, max_value=4, initial=DEFAULT_DEPTH, required=False,
                               help_text="How many steps away from the seeds the walk goes.")
    include_seeds = Flag(default=True, help_text="Also the seed artists' own tracks.")

    def clean_artists(self) -> str:
        names = _names(self.cleaned_data["artists"])
        if not names:
            raise forms.ValidationError("name at least one artist.")
        if len(names) > NAMES_MAX:
            raise forms.ValidationError(f"at most {NAMES_MAX} artists.")
        return ", ".join(names)

    def clean_depth(self) -> int:
        return self.cleaned_data.get("depth") or DEFAULT_DEPTH


@dataclass(frozen=True)
class _Reach:
    """How the walk met an artist."""

    score: float
    seed_id: int
    parent_id: int | None  # the artist one step nearer a seed; None for a seed
    match: float  # of the link from the parent
    step: int


class Similar(Generator):
    name = "similar"
    label = "Similar artists"
    description = "From seed artists through their similar artists, tracks of your library; nearer, likelier."
    Params = SimilarParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        seeds = _seeds_find(params["artists"])
        reached = _walk([seed.pk for seed in seeds], params["depth"])
        wanted = sorted(pk for pk, reach in reached.items() if reach.step or params["include_seeds"])
        where = Q(artist_id__in=wanted)
        played = played_tracks(where)
        tracks = played + unplayed_tracks(where, besides=played)
        seed_names = ", ".join(seed.name for seed in seeds)
        if not tracks:
            if params["include_seeds"]:
                raise GeneratorError(f"No track by {seed_names} or a similar artist in the library.")
            raise GeneratorError(f"No similar artist of {seed_names} has a track in the library: "
                                 "include the seeds, go deeper, or enrich the artists (similar artists).")
        names = dict(Artist.objects.filter(pk__in=sorted({r.seed_id for r in reached.values()}
                                                         | {r.parent_id for r in reached.values() if r.parent_id}))
                     .order_by().values_list("pk", "name"))
        candidates = [_candidate(track, reached[track.artist_id], names) for track in tracks]
        return Draft(candidates, name=f"Similar to {seed_names}")


def _names(typed: str) -> list[str]:
    return [name.strip() for name in typed.split(",") if name.strip()]


def _seeds_find(typed: str) -> list[Artist]:
    """The artists named, comma-separated; a name with commas in it ("Earth, Wind & Fire") is
    found too, the longest run of pieces that names an artist winning."""
    pieces = _names(typed)
    spans = {(start, end): name_key(", ".join(pieces[start:end]))
             for start in range(len(pieces)) for end in range(start + 1, len(pieces) + 1)}
    known = {artist.name_key: artist for artist in Artist.objects.filter(name_key__in=set(spans.values()))}
    seeds, unknown, start = [], [], 0
    while start < len(pieces):
        end = next((end for end in range(len(pieces), start, -1) if spans[start, end] in known), None)
        if end is None:
            unknown.append(f"“{pieces[start]}”")
            start += 1
            continue
        if known[spans[start, end]] not in seeds:
            seeds.append(known[spans[start, end]])
        start = end
    if unknown:
        raise GeneratorError(f"artists: no artist named {', '.join(unknown)} in the library.")
    return seeds


def _walk(seed_ids: list[int], depth: int) -> dict[int, _Reach]:
    """Every artist met within `depth` steps of the seeds (the seeds included), one query a step."""
    reached = {pk: _Reach(1.0, pk, None, 1.0, 0) for pk in seed_ids}
    frontier = list(seed_ids)
    for step in range(1, depth + 1):
        room = WALK_MAX - len(reached)
        if not frontier or room <= 0:
            break
        links = (ArtistSimilar.objects.filter(Q(artist_id__in=frontier) | Q(similar_id__in=frontier), match__gt=0)
                 .order_by().values_list("artist_id", "similar_id", "match"))
        on_frontier = set(frontier)
        best: dict[int, _Reach] = {}
        for one, other, match in links:
            for parent, child in ((one, other), (other, one)):
                if parent not in on_frontier or child in reached:
                    continue
                via = reached[parent]
                reach = _Reach(via.score * match * STEP_DECAY, via.seed_id, parent, match, step)
                known = best.get(child)
                if known is None or (reach.score, -parent) > (known.score, -known.parent_id):
                    best[child] = reach
        frontier = sorted(best, key=lambda pk: (-best[pk].score, pk))[:room]
        reached.update((pk, best[pk]) for pk in frontier)
    return reached


def _candidate(track: LibraryTrack, reach: _Reach, names: dict[int, str]) -> Candidate:
    if reach.step == 0:
        reason = f"Seed artist: {names[reach.seed_id]}"
    elif reach.step == 1:
        reason = f"Similar to {names[reach.seed_id]} ({reach.match:.2f})"
    else:
        reason = f"Similar to {names[reach.seed_id]} (via {names[reach.parent_id]}, {reach.match:.2f})"
    return Candidate(track.track_id, track.artist_id, track.duration_ms, reason,
                     weight=reach.score * (1 + math.log2(1 + track.plays)))


GENERATOR = Similar()
