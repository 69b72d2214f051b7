"""Enrichment endpoints: the outside services' figures (providers add theirs here), and artists
enriched on request: one by its Spotify link or id, again past the caches, or up to 50 as a job.

Every enriching call counts against its user's budget (`ENRICHMENT_API_RATE_LIMIT`, 10 a minute):
past it, 429 with Retry-After.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from catalog.models import Artist
from core.api import ErrorOut
from core.params import parse_id
from core.resilience import BadRequest, Busy, CircuitOpen, NotConfigured, NotFound, ServiceError
from core.resilience.metrics import service_overview_list
from enrichment.service import EnrichResult, artists_enrich
from enrichment.services.artist_requests import (
    BATCH_MAX,
    ENRICH_RATE,
    ArtistNameTaken,
    ArtistRequestError,
    ArtistsMissing,
    artist_facts,
    artist_for_spotify_id,
    artists_batch_queue,
    enrich_rate_limit_take,
    spotify_artist_id_parse,
)

router = Router(tags=["enrichment"])


class BreakerOut(Schema):
    state: str
    failures: int
    retry_in_seconds: float | None


class ServiceMetricsOut(Schema):
    service: str
    label: str
    configured: bool
    missing: list[str]
    requests: int
    successes: int
    failures: int
    retries: int
    cache_hits: int
    cache_misses: int
    short_circuits: int
    success_rate: float | None
    cache_hit_rate: float | None
    average_latency_ms: float | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str
    breaker: BreakerOut


class MetricsOut(Schema):
    services: list[ServiceMetricsOut]


@router.get("/metrics", response=MetricsOut, summary="Per-service call figures and circuit breaker state")
def metrics(request):
    """The same figures as the settings page, from whichever process answers."""
    return {"services": [overview.as_dict() for overview in service_overview_list()]}


# --- artists enriched on request ------------------------------------------------------------------


class EnrichIn(Schema):
    """Exactly one of the two."""

    model_config = {"json_schema_extra": {"examples": [
        {"spotify_url": "https://open.spotify.com/artist/6liAMWkVf5LH7YR9yfFy1Y"}]}}

    spotify_url: str | None = Field(None, description="https://open.spotify.com/artist/<id>, "
                                                      "optionally with ?si=… or an intl-xx/ segment")
    spotify_artist_id: str | None = Field(None, description="22 letters and digits")


class BatchEnrichIn(Schema):
    model_config = {"json_schema_extra": {"examples": [{"artist_ids": [12, 40, 41]}]}}

    artist_ids: list[int] = Field(..., description=f"1 to {BATCH_MAX} distinct artist ids")


class FactOut(Schema):
    field: str
    value: Any = Field(None, description="null when the provider does not know it (evidence says unavailable)")
    provider: str
    retrieved_at: datetime
    confidence: float
    evidence: list[str]
    expires_at: datetime | None


class EnrichedArtistOut(Schema):
    id: int
    name: str
    spotify_id: str | None
    mbid: UUID | None
    wikidata_id: str | None
    discogs_id: int | None
    lastfm_url: str
    image_url: str
    popularity: int | None
    followers: int | None
    lastfm_listeners: int | None
    lastfm_playcount: int | None
    monthly_listeners: int | None
    bio: str
    principal_label: str | None
    management: str
    official_website: str
    enriched_at: datetime | None
    url: str

    @staticmethod
    def resolve_principal_label(obj) -> str | None:
        return obj.principal_label.name if obj.principal_label else None

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


class ArtistEnrichmentOut(Schema):
    artist: EnrichedArtistOut
    facts: list[FactOut] = Field(..., description="every provider's fact about the artist, by field")
    warnings: list[str] = Field(..., description="what went wrong in this run (none when nothing ran)")
    summary: str | None = Field(..., description="this run's summary; null when nothing ran")


class BatchJobOut(Schema):
    job_id: int
    status: str
    progress_url: str


ENRICH_ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, 502: ErrorOut, 503: ErrorOut}


def _artist(artist_id: int) -> Artist:
    """The artist, or 404 (an id outside 1 to 2**63-1 names none)."""
    artist = None
    if parse_id(artist_id) is not None:
        artist = Artist.objects.select_related("principal_label").filter(pk=artist_id).first()
    if artist is None:
        raise HttpError(404, f"No artist with id {artist_id}")
    return artist


def _enrichment(artist: Artist, run: EnrichResult | None = None) -> dict:
    artist = _artist(artist.pk) if run else artist  # the run wrote its values onto the row
    return {"artist": artist, "facts": artist_facts(artist=artist), "warnings": run.warnings if run else [],
            "summary": run.summary() if run else None}


def _refused(response: HttpResponse, status: int, detail: str, *, retry_after: float | None = None) -> Status:
    if retry_after is not None:
        response["Retry-After"] = str(max(1, round(retry_after)))
    return Status(status, {"detail": detail})


def _over_rate_limit(request, response: HttpResponse) -> Status | None:
    """429 once the user has used up their enrichment requests for now; None (and one request counted) else."""
    if wait := enrich_rate_limit_take(user_id=request.auth.pk):
        return _refused(response, 429, f"Too many enrichment requests: at most {ENRICH_RATE.limit} in "
                                       f"{ENRICH_RATE.window} seconds. Try again in {wait} seconds.", retry_after=wait)
    return None


def _spotify_refused(response: HttpResponse, error: ServiceError, spotify_id: str) -> Status:
    if isinstance(error, (NotFound, BadRequest)):
        return _refused(response, 404, f"Spotify has no artist {spotify_id}")
    if isinstance(error, NotConfigured):
        return _refused(response, 503, f"{error}.")
    status = 503 if error.retryable or isinstance(error, (CircuitOpen, Busy)) else 502
    return _refused(response, status, f"Spotify could not be asked about artist {spotify_id}: {error}",
                    retry_after=error.retry_after)


@router.post("/artists/enrich", response={200: ArtistEnrichmentOut, **ENRICH_ERRORS},
             summary="Enrich an artist named by its Spotify link or id (added to the library if new)")
def artist_enrich(request, response: HttpResponse, payload: EnrichIn):
    """Finds the artist by its Spotify id, or adds it under Spotify's name for it, then asks every provider
    about it at once and answers with all its facts."""
    if refused := _over_rate_limit(request, response):
        return refused
    try:
        spotify_id = spotify_artist_id_parse(url=payload.spotify_url, artist_id=payload.spotify_artist_id)
    except ArtistRequestError as error:
        return _refused(response, 422, str(error))
    try:
        artist, _ = artist_for_spotify_id(spotify_id=spotify_id)
    except ArtistNameTaken as error:
        return _refused(response, 409, str(error))
    except ServiceError as error:
        return _spotify_refused(response, error, spotify_id)
    return _enrichment(artist, artists_enrich(artists=[artist]))


@router.post("/artists/batch/enrich", response={202: BatchJobOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             summary=f"Enrich up to {BATCH_MAX} artists in the background, as a job")
def artists_batch_enrich(request, response: HttpResponse, payload: BatchEnrichIn):
    """Answers at once with the job; its progress and, once finished, its result
    (`{"artists", "facts", "warnings"}`) are at `progress_url`."""
    if refused := _over_rate_limit(request, response):
        return refused
    try:
        job = artists_batch_queue(artist_ids=payload.artist_ids)
    except ArtistRequestError as error:
        return _refused(response, 422, str(error))
    except ArtistsMissing as error:
        return _refused(response, 404, str(error))
    return Status(202, {"job_id": job.pk, "status": job.status, "progress_url": reverse("api:job_detail",
                                                                                         args=[job.pk])})


@router.get("/artists/{artist_id}", response={200: ArtistEnrichmentOut, 404: ErrorOut},
            summary="An artist's enriched values and every fact behind them (nothing is asked)")
def artist_enrichment(request, artist_id: int):
    return _enrichment(_artist(artist_id))


@router.post("/artists/{artist_id}/refresh", response={200: ArtistEnrichmentOut, 404: ErrorOut, 429: ErrorOut},
             summary="Enrich an artist again, past the providers' caches")
def artist_refresh(request, response: HttpResponse, artist_id: int):
    if refused := _over_rate_limit(request, response):
        return refused
    artist = _artist(artist_id)
    return _enrichment(artist, artists_enrich(artists=[artist], force=True))
