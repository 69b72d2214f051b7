"""Playlists in the JSON API (mounted at /api/v1/): list, make by hand or by an algorithm, edit,
delete, export, and the algorithms with their parameters — the same services as the pages and the
`generate_playlist` command, so each way of making a playlist makes the same one."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StringConstraints

from core.api import ErrorOut
from core.api_caching import conditional_read  # ETag / 304
from core.pagination import CursorPageOut, CursorQuery, cursor_page
from core.params import MAX_ID
from playlists.generators import REGISTRY
from playlists.generators.base import Generator, GeneratorError, generator_parameters
from playlists.models import Playlist, PlaylistTrack
from playlists.selectors.api_versions import playlists_data_version  # ETag / 304
from playlists.selectors.exports import FORMATS, playlist_export
from playlists.selectors.playlists import playlists_newest_first, with_totals
from playlists.services.playlists import playlist_create, playlist_generate, playlist_tracks_set, playlist_update
from tracker.api import NamedRef

router = Router(tags=["playlists"])

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_TRACKS = 1000

PlaylistName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TrackId = Annotated[int, Field(ge=1, le=MAX_ID)]  # beyond a bigint, the database refuses the query itself
TrackIds = Annotated[list[TrackId], Field(max_length=MAX_TRACKS, description="track ids in playlist order")]


class PlaylistSummaryOut(Schema):
    id: int
    name: str
    description: str
    algorithm: str = Field(..., description="the generator that drew it; empty for a hand-made playlist")
    is_ai: bool
    track_count: int
    duration_ms: int = Field(..., description="the tracks' known durations added up")
    refresh_weekly: bool
    refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PlaylistPageOut(CursorPageOut):
    items: list[PlaylistSummaryOut]


class PlaylistPageQuery(CursorQuery):
    limit: int = PAGE_SIZE


class EntryOut(Schema):
    position: int
    track: NamedRef
    artist: NamedRef
    album: NamedRef | None
    duration_ms: int | None
    reason: str


class PlaylistOut(PlaylistSummaryOut):
    params: dict[str, Any]
    seed: int | None
    prompt: str
    model_used: str
    details: dict[str, Any]
    spotify_id: str
    entries: list[EntryOut]


class PlaylistIn(Schema):
    model_config = {"json_schema_extra": {"examples": [
        {"name": "Sunday morning", "description": "Slow records for coffee", "track_ids": [41, 7, 1290]}]}}

    name: PlaylistName
    description: str = ""
    track_ids: TrackIds = []


class PlaylistPatchIn(Schema):
    model_config = {"json_schema_extra": {"examples": [{"name": "Sunday morning (long)", "refresh_weekly": True}]}}

    name: PlaylistName | None = None
    description: str | None = None
    refresh_weekly: bool | None = None
    track_ids: TrackIds | None = Field(None, description="the new tracks in order: reorders, adds or removes")


class GenerateIn(Schema):
    model_config = {"json_schema_extra": {"examples": [
        {"algorithm": "rediscover", "params": {"length": 25, "months": 18, "min_plays": 5}, "seed": 7},
        {"algorithm": "rules", "params": {"rules": "owned\nformat is vinyl\nnot played in the last 3 years"}},
    ]}}

    algorithm: str = Field(..., description="one of GET /playlists/algorithms")
    params: dict[str, Any] = Field({}, description="the algorithm's parameters, by name")
    name: str = Field("", max_length=200, description="empty: the algorithm names it")
    seed: int | None = Field(None, description="same seed and same library, same playlist; empty: a new draw")
    refresh_weekly: bool = False


class ParameterOut(Schema):
    name: str
    type: str = Field(..., description="integer, number, boolean, string, date, choice or list")
    required: bool
    default: Any
    help: str
    choices: list[str] | None = Field(..., description="the accepted values of a choice or a list")


class AlgorithmOut(Schema):
    name: str
    label: str
    description: str
    uses_ai: bool
    parameters: list[ParameterOut]


def _summary_out(playlist: Playlist) -> dict:
    return {
        "id": playlist.pk, "name": playlist.name, "description": playlist.description,
        "algorithm": playlist.algorithm, "is_ai": playlist.is_ai, "track_count": playlist.track_count,
        "duration_ms": playlist.duration_ms or 0, "refresh_weekly": playlist.refresh_weekly,
        "refreshed_at": playlist.refreshed_at, "created_at": playlist.created_at, "updated_at": playlist.updated_at,
    }


def _entry_out(entry: PlaylistTrack) -> dict:
    track = entry.track
    return {
        "position": entry.position,
        "track": {"id": track.pk, "name": track.title},
        "artist": {"id": track.artist_id, "name": track.artist.name},
        "album": {"id": track.album_id, "name": track.album.title} if track.album_id else None,
        "duration_ms": track.duration_ms,
        "reason": entry.reason,
    }


def _playlist_or_404(playlist_id: int) -> Playlist:
    playlist = with_totals(Playlist.objects.filter(pk=playlist_id)).first()
    if playlist is None:
        raise HttpError(404, f"No playlist with id {playlist_id}")
    return playlist


def _playlist_out(playlist_id: int) -> dict:
    playlist = _playlist_or_404(playlist_id)
    entries = playlist.entries.select_related("track__artist", "track__album").order_by("position")
    return {
        **_summary_out(playlist),
        "params": playlist.params, "seed": playlist.seed, "prompt": playlist.prompt,
        "model_used": playlist.model_used, "details": playlist.details, "spotify_id": playlist.spotify_id,
        "entries": [_entry_out(entry) for entry in entries],
    }


def _algorithm_out(generator: Generator) -> dict:
    return {"name": generator.name, "label": generator.label, "description": generator.description,
            "uses_ai": generator.uses_ai, "parameters": generator_parameters(generator)}


@router.get("/playlists", response={200: PlaylistPageOut, 400: ErrorOut},
            summary="Playlists, newest first; page on with `cursor=next_cursor`")
@conditional_read(playlists_data_version)  # ETag / 304
def playlists_list(request, query: Query[PlaylistPageQuery]):
    page = cursor_page(playlists_newest_first(), cursor=query.cursor, limit=query.limit, maximum=MAX_PAGE_SIZE)
    return {**page, "items": [_summary_out(p) for p in page["items"]]}


@router.post("/playlists", response={201: PlaylistOut, 422: ErrorOut}, summary="A playlist made by hand")
def playlists_create(request, body: PlaylistIn):
    try:
        playlist = playlist_create(name=body.name, description=body.description, track_ids=body.track_ids)
    except GeneratorError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, _playlist_out(playlist.pk))


@router.post("/playlists/generate", response={201: PlaylistOut, 422: ErrorOut},
             summary="A new playlist drawn by an algorithm from the history and the shelf")
def playlists_generate(request, body: GenerateIn):
    try:
        playlist = playlist_generate(algorithm=body.algorithm, params=body.params, name=body.name.strip(),
                                     seed=body.seed, refresh_weekly=body.refresh_weekly)
    except GeneratorError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, _playlist_out(playlist.pk))


@router.get("/playlists/algorithms", response=list[AlgorithmOut],
            summary="The algorithms a playlist can be generated by, with their parameters")
def playlists_algorithms(request):
    return [_algorithm_out(generator) for generator in REGISTRY.values()]


@router.get("/playlists/{playlist_id}", response={200: PlaylistOut, 404: ErrorOut},
            summary="One playlist with its tracks in order, each with the reason it was chosen")
@conditional_read(playlists_data_version)  # ETag / 304
def playlist_detail(request, playlist_id: int):
    return _playlist_out(playlist_id)


@router.patch("/playlists/{playlist_id}", response={200: PlaylistOut, 404: ErrorOut, 422: ErrorOut},
              summary="Rename, describe, switch the weekly refresh, or set the tracks (reorder, add, remove)")
def playlist_patch(request, playlist_id: int, body: PlaylistPatchIn):
    playlist = _playlist_or_404(playlist_id)
    try:
        with transaction.atomic():
            playlist_update(playlist, name=body.name, description=body.description,
                            refresh_weekly=body.refresh_weekly)
            if body.track_ids is not None:
                playlist_tracks_set(playlist, track_ids=body.track_ids)
    except GeneratorError as error:
        raise HttpError(422, str(error)) from None
    return _playlist_out(playlist.pk)


@router.delete("/playlists/{playlist_id}", response={204: None, 404: ErrorOut}, summary="Delete a playlist")
def playlist_delete(request, playlist_id: int):
    _playlist_or_404(playlist_id).delete()
    return Status(204, None)


@router.get(
    "/playlists/{playlist_id}/export", response={404: ErrorOut}, summary="The playlist as a file, streamed",
    openapi_extra={"responses": {200: {
        "description": "The file, as an attachment",
        "content": {spec.content_type.split(";")[0]: {} for spec in FORMATS.values()},
    }}},
)
def playlist_export_file(request, playlist_id: int, format: Literal["m3u8", "xspf", "csv"] = "m3u8"):
    export = playlist_export(_playlist_or_404(playlist_id), format=format,
                             base_url=request.build_absolute_uri("/"))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    return response
