"""The one search of the journal: the catalog's hits (tracker.selectors.search) and the playlists',
each with the page it links to. The API, the suggestions and the results page all read this."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from playlists.models import Playlist
from tracker.selectors.search import KINDS as CATALOG_KINDS
from tracker.selectors.search import SearchHit, catalog_search, match_rank, rank_hits, search_key

KINDS = (*CATALOG_KINDS, "playlist")
# Playlists are made one at a time by their owner (tens, hundreds): read and folded in Python.
MAX_PLAYLISTS_SCANNED = 5000


def _playlist_hits(q: str, limit: int) -> list[SearchHit]:
    hits = []
    playlists = Playlist.objects.order_by("-pk").annotate(n=Count("tracks")).values_list("pk", "name", "n")
    for pk, name, tracks in playlists[:MAX_PLAYLISTS_SCANNED]:
        key = search_key(name)
        rank = match_rank(key, q)
        if rank is not None:
            hits.append(SearchHit(kind="playlist", id=pk, name=name, key=key, rank=rank, plays=0,
                                  subtitle=f"{tracks} track{'' if tracks == 1 else 's'}"))
    return rank_hits(hits)[:limit]


def hit_url(hit: SearchHit) -> str:
    if hit.kind == "label":
        return f"{reverse('collection')}?label={hit.id}"
    name = {"artist": "artist_detail", "album": "album_detail", "track": "track_detail",
            "playlist": "playlist_detail"}[hit.kind]
    return reverse(name, args=[hit.id])


def search(*, q: str, kinds: tuple[str, ...] = KINDS, limit: int = 10) -> dict[str, list[SearchHit]]:
    """Hits per kind in `kinds` (at most `limit` each, best first), each with its `url`."""
    catalog_kinds = tuple(kind for kind in kinds if kind in CATALOG_KINDS)
    found = catalog_search(q=q, kinds=catalog_kinds, limit=limit) if catalog_kinds else {}
    if "playlist" in kinds:
        key = search_key(q)
        found["playlist"] = _playlist_hits(key, limit) if key else []
    for hits in found.values():
        for hit in hits:
            hit.url = hit_url(hit)
    return {kind: found[kind] for kind in kinds}
