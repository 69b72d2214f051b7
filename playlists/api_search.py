"""Search in the JSON API (mounted at /api/v1/): `GET /search?q=&type=&limit=`, the same
selector as the navigation's suggestions and the results page."""

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from core.api import ErrorOut
from playlists.selectors.search import KINDS, search
from tracker.selectors.search import MAX_QUERY_LENGTH, search_key

router = Router(tags=["search"])

MAX_LIMIT = 50


class SearchFilters(Schema):
    q: str = Field("", description=f"what to find, 1 to {MAX_QUERY_LENGTH} characters; case and accents ignored")
    type: Literal["artist", "album", "track", "label", "playlist"] | None = Field(
        None, description="one kind only; every kind when left out")
    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="hits per kind")


class SearchHitOut(Schema):
    type: str = Field(..., description="artist, album, track, label or playlist")
    id: int
    name: str
    subtitle: str = Field(..., description="the artist of an album, the artist and album of a track")
    url: str = Field(..., description="the page of the hit")
    plays: int


class SearchOut(Schema):
    q: str
    hits: list[SearchHitOut] = Field(..., description="grouped by type, each group best first: exact name, "
                                                      "prefix, word, substring, then most played")


@router.get("/search", response={200: SearchOut, 400: ErrorOut}, summary="Search the journal",
            description="Artists, albums, tracks, labels and playlists whose name holds the query, "
                        "case- and accent-insensitive (`bjork` finds Björk).")
def search_get(request, filters: Query[SearchFilters]):
    if not filters.q.strip():
        raise HttpError(400, "q must not be empty")
    if len(filters.q) > MAX_QUERY_LENGTH:
        raise HttpError(400, f"q must be at most {MAX_QUERY_LENGTH} characters")
    if not search_key(filters.q):
        raise HttpError(400, "q holds nothing to search for")
    found = search(q=filters.q, kinds=(filters.type,) if filters.type else KINDS, limit=filters.limit)
    hits = [{"type": hit.kind, "id": hit.id, "name": hit.name, "subtitle": hit.subtitle, "url": hit.url,
             "plays": hit.plays} for group in found.values() for hit in group]
    return {"q": filters.q, "hits": hits}
