"""JSON API of the catalog: the collection's albums and artists, and starting a Discogs sync."""

from datetime import datetime

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from catalog.selectors.api_versions import collection_data_version  # ETag / 304
from catalog.selectors.collection import (
    SORTS,
    collection_artists,
    collection_filter_ids_problem,
    collection_filters_parse,
    owned_albums,
)
from catalog.services.discogs_sync import discogs_sync_queue
from core.api import ErrorOut
from core.api_caching import conditional_read  # ETag / 304
from core.pagination import CursorPageOut, CursorQuery, cursor_page
from core.resilience.services import service_not_configured

router = Router(tags=["collection"])
ALBUMS_PAGE, ARTISTS_PAGE, MAX_PAGE_SIZE = 60, 100, 500


class AlbumOut(Schema):
    id: int = Field(..., examples=[12])
    title: str = Field(..., examples=["Dummy"])
    year: int | None = Field(..., examples=[1994])
    artist_id: int | None = Field(..., examples=[42])
    artist: str | None = Field(..., examples=["Portishead"])
    format: str = Field(..., examples=["Vinyl"])
    format_descriptions: str = Field(..., examples=["LP, Album, Reissue"])
    label: str | None = Field(..., examples=["Go! Beat"])
    catalog_number: str = Field(..., examples=["828 553-1"])
    discogs_release_id: int | None = Field(..., examples=[9214321])
    discogs_master_id: int | None = Field(..., examples=[32160])
    cover_url: str = Field(..., examples=["https://i.discogs.com/…/cover.jpg"])
    thumb_url: str = Field(..., examples=["https://i.discogs.com/…/thumb.jpg"])
    copies: int = Field(..., examples=[1])
    last_added: datetime | None = Field(..., examples=["2021-03-14T10:02:00Z"])
    plays: int = Field(..., examples=[311])
    last_played_at: datetime | None = Field(..., examples=["2026-11-29T22:41:07Z"])
    listened_album_id: int | None = Field(..., description="the listened album this edition counts toward",
                                          examples=[None])
    url: str = Field(..., examples=["/albums/12/"])

    @staticmethod
    def resolve_artist(obj) -> str | None:
        return obj.artist.name if obj.artist else None

    @staticmethod
    def resolve_label(obj) -> str | None:
        return obj.label.name if obj.label else None

    @staticmethod
    def resolve_copies(obj) -> int:
        return obj.copy_count

    @staticmethod
    def resolve_plays(obj) -> int:
        return obj.play_count

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class AlbumPageOut(CursorPageOut):
    items: list[AlbumOut]


class AlbumFilters(CursorQuery):
    q: str = ""
    format: str = ""
    genre: str = ""
    decade: int | None = None
    label: int | None = None
    folder: int | None = None
    played: str = ""
    sort: str = "added"
    limit: int = ALBUMS_PAGE


class ArtistOut(Schema):
    id: int
    name: str
    owned_albums: int
    copies: int
    discogs_id: int | None
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ArtistPageOut(CursorPageOut):
    items: list[ArtistOut]


class ArtistQuery(CursorQuery):
    q: str = ""
    sort: str = "name"
    limit: int = ARTISTS_PAGE


class SyncOut(Schema):
    job_id: int
    status: str
    created: bool
    progress_url: str


@router.get("/collection/albums", response={200: AlbumPageOut, 400: ErrorOut},
            summary="Owned albums, filtered and sorted; page on with `cursor=next_cursor`")
@conditional_read(collection_data_version)  # ETag / 304
def collection_albums(request, query: Query[AlbumFilters]):
    """Sorts: added, artist, title, year, plays, last_played. Filters as on the collection page."""
    if problem := collection_filter_ids_problem(label=query.label, folder=query.folder):
        raise HttpError(400, problem)
    params = query.dict(exclude={"cursor", "limit", "sort"}, exclude_none=True)
    albums = owned_albums(filters=collection_filters_parse(params=params),
                          sort=query.sort if query.sort in SORTS else "added")
    return cursor_page(albums, cursor=query.cursor, limit=query.limit, maximum=MAX_PAGE_SIZE)


@router.get("/collection/artists", response={200: ArtistPageOut, 400: ErrorOut},
            summary="Artists of the owned albums; page on with `cursor=next_cursor`")
@conditional_read(collection_data_version)  # ETag / 304
def collection_artist_list(request, query: Query[ArtistQuery]):
    """Sorts: name, owned (most owned albums first)."""
    artists = collection_artists(q=query.q, sort=query.sort)
    return cursor_page(artists, cursor=query.cursor, limit=query.limit, maximum=MAX_PAGE_SIZE)


@router.post("/services/discogs/sync", response={202: SyncOut, 503: ErrorOut}, tags=["services"],
             summary="Start a Discogs collection sync (or return the one running)")
def discogs_sync_start_api(request):
    if (unconfigured := service_not_configured(service="discogs")) is not None:
        return Status(503, {"detail": f"{unconfigured}."})
    job, created = discogs_sync_queue(requested_by="api")
    return Status(202, {"job_id": job.pk, "status": job.status, "created": created,
                        "progress_url": reverse("api:job_detail", args=[job.pk])})
