"""JSON API of the catalog: the collection's albums and artists, and starting a Discogs sync."""

from datetime import datetime

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from catalog.selectors.api_versions import collection_data_version  # ETag / 304
from catalog.selectors.collection import (
    SORTS,
    collection_artists,
    collection_filter_ids_problem,
    collection_filters_parse,
    owned_albums,
)
from catalog.services.discogs_sync import discogs_sync_queue
from core.api_caching import conditional_read  # ETag / 304
from core.resilience.services import service_not_configured

router = Router(tags=["collection"])
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """Page numbers checked before they become an OFFSET: a page outside 1 to MAX_PAGE is a
    400, where a huge one was an integer the database cannot hold (a 500); a page past the
    last is empty."""

    class Input(Schema):
        page: int = Field(1, description=f"1 to {MAX_PAGE:,}; a page past the last one is empty")
        page_size: int | None = Field(None, description="capped at the endpoint's maximum")

    def paginate_queryset(self, queryset, pagination, request, **params):
        if not 1 <= pagination.page <= MAX_PAGE:
            raise HttpError(400, f"page must be between 1 and {MAX_PAGE:,}")
        if pagination.page_size is not None and pagination.page_size < 1:
            raise HttpError(400, "page_size must be at least 1")
        return super().paginate_queryset(queryset, pagination, request, **params)


class AlbumOut(Schema):
    id: int
    title: str
    year: int | None
    artist_id: int | None
    artist: str | None
    format: str
    format_descriptions: str
    label: str | None
    catalog_number: str
    discogs_release_id: int | None
    discogs_master_id: int | None
    cover_url: str
    thumb_url: str
    copies: int
    last_added: datetime | None
    plays: int
    last_played_at: datetime | None
    listened_album_id: int | None
    url: str

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


class AlbumFilters(Schema):
    q: str = ""
    format: str = ""
    genre: str = ""
    decade: int | None = None
    label: int | None = None
    folder: int | None = None
    played: str = ""
    sort: str = "added"


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


class SyncOut(Schema):
    job_id: int
    status: str
    created: bool
    progress_url: str


class Error(Schema):
    detail: str


@router.get("/collection/albums", response={200: list[AlbumOut], 400: Error},
            summary="Owned albums, filtered, sorted and paginated")
@conditional_read(collection_data_version)  # ETag / 304
@paginate(Pages, page_size=60)
def collection_albums(request, filters: Query[AlbumFilters]):
    """Sorts: added, artist, title, year, plays, last_played. Filters as on the collection page."""
    if problem := collection_filter_ids_problem(label=filters.label, folder=filters.folder):
        raise HttpError(400, problem)
    params = filters.dict()
    sort = params.pop("sort")
    return owned_albums(filters=collection_filters_parse(params={k: v for k, v in params.items() if v is not None}),
                        sort=sort if sort in SORTS else "added")


@router.get("/collection/artists", response={200: list[ArtistOut], 400: Error}, summary="Artists of the owned albums")
@conditional_read(collection_data_version)  # ETag / 304
@paginate(Pages, page_size=100)
def collection_artist_list(request, q: str = "", sort: str = "name"):
    """Sorts: name, owned (most owned albums first)."""
    return collection_artists(q=q, sort=sort)


@router.post("/services/discogs/sync", response={202: SyncOut, 503: Error}, tags=["services"],
             summary="Start a Discogs collection sync (or return the one running)")
def discogs_sync_start_api(request):
    if (unconfigured := service_not_configured(service="discogs")) is not None:
        return Status(503, {"detail": f"{unconfigured}."})
    job, created = discogs_sync_queue(requested_by="api")
    return Status(202, {"job_id": job.pk, "status": job.status, "created": created,
                        "progress_url": reverse("api:job_detail", args=[job.pk])})
