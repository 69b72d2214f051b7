"""The listening history and the Last.fm tracker in the JSON API (mounted at /api/v1/)."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from catalog.models import Album, Artist, Track
from core.api import ErrorOut
from core.api_caching import conditional_read  # ETag / 304
from core.pagination import CursorPageOut, CursorQuery, limit_checked
from core.resilience.services import service_not_configured
from tracker.selectors import journal as journal_selectors
from tracker.selectors import timeline as timeline_selectors
from tracker.selectors.api_versions import history_data_version  # ETag / 304
from tracker.selectors.stats import DAY_RANGE_TEXT, day_in_range
from tracker.selectors.tracker_status import TrackerStatus, tracker_status
from tracker.selectors.turntable import turntable_session_get
from tracker.services.lastfm import tracker_set
from tracker.services.turntable import TurntableRefused, turntable_log, turntable_undo

router = Router()




class NamedRef(Schema):
    id: int = Field(..., examples=[42])
    name: str = Field(..., examples=["Portishead"])


class PlayOut(Schema):
    id: int = Field(..., examples=[918273])
    played_at: datetime = Field(..., examples=["2026-11-30T21:04:11Z"])
    local_date: date = Field(..., description="the day in TIME_ZONE", examples=["2026-11-30"])
    local_hour: int = Field(..., examples=[22])
    source: str = Field(..., examples=["lastfm"], description="lastfm, spotify, listenbrainz, turntable…")
    loved: bool
    ms_played: int | None = Field(..., description="how long it played, when the source says", examples=[236000])
    track: NamedRef
    artist: NamedRef
    album: NamedRef | None


class HistoryPageOut(CursorPageOut):
    items: list[PlayOut]


class HistoryFilters(CursorQuery):
    artist: str = ""
    album: str = ""
    track: str = ""
    source: str = ""
    loved: str = ""
    q: str = ""
    date_from: str = Field("", alias="from", description="first local day, YYYY-MM-DD")
    date_to: str = Field("", alias="to", description="last local day, YYYY-MM-DD")
    limit: int = journal_selectors.PAGE_SIZE


class HourOut(Schema):
    hour: int
    count: int
    plays: list[PlayOut]


class TimelineOut(Schema):
    date: date
    total: int
    truncated: bool
    hours: list[HourOut]


class NowPlayingOut(Schema):
    track: NamedRef
    artist: NamedRef
    album: NamedRef | None
    since: datetime | None


class TrackerStatusOut(Schema):
    configured: bool
    enabled: bool
    interval_seconds: int
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    now_playing: NowPlayingOut | None
    backfill_job_id: int | None


def _play_out(play) -> dict:
    return {
        "id": play.pk,
        "played_at": play.played_at,
        "local_date": play.local_date,
        "local_hour": play.local_hour,
        "source": play.source,
        "loved": play.loved,
        "ms_played": play.ms_played,
        "track": {"id": play.track_id, "name": play.track.title},
        "artist": {"id": play.artist_id, "name": play.artist.name},
        "album": {"id": play.album_id, "name": play.album.title} if play.album_id else None,
    }


def _status_out(status: TrackerStatus) -> dict:
    track = status.now_playing
    return {
        "configured": status.configured,
        "enabled": status.enabled,
        "interval_seconds": status.interval_seconds,
        "last_poll_at": status.last_poll_at,
        "last_success_at": status.last_success_at,
        "last_error": status.last_error,
        "now_playing": {
            "track": {"id": track.pk, "name": track.title},
            "artist": {"id": track.artist_id, "name": track.artist.name},
            "album": {"id": track.album_id, "name": track.album.title} if track.album_id else None,
            "since": status.now_playing_since,
        } if track else None,
        "backfill_job_id": status.backfill_job.pk if status.backfill_job else None,
    }


@router.get(
    "/history/tracks", response={200: HistoryPageOut, 400: ErrorOut, 404: ErrorOut}, tags=["history"],
    summary="Plays, newest first, with the journal's filters; page on with `cursor=next_cursor`",
)
@conditional_read(history_data_version)  # ETag / 304
def history_tracks(request, filters: Query[HistoryFilters]):
    try:
        parsed = journal_selectors.parse_filters(
            artist=filters.artist, album=filters.album, track=filters.track, source=filters.source,
            loved=filters.loved, q=filters.q, date_from=filters.date_from, date_to=filters.date_to, strict=True,
        )
    except journal_selectors.FilterError as error:
        raise HttpError(400, str(error)) from None
    if filters.cursor and journal_selectors.decode_cursor(filters.cursor) is None:
        raise HttpError(400, "cursor is not one this API gave out")
    limit_checked(filters.limit, maximum=journal_selectors.MAX_PAGE_SIZE)
    for pk, model, label in ((parsed.artist_id, Artist, "artist"), (parsed.album_id, Album, "album"),
                             (parsed.track_id, Track, "track")):
        if pk and not model.objects.filter(pk=pk).exists():
            raise HttpError(404, f"No {label} with id {pk}")
    page = journal_selectors.journal_page(filters=parsed, cursor=filters.cursor, limit=filters.limit)
    return {"items": [_play_out(p) for p in page.plays], "next_cursor": page.next_cursor or None,
            "limit": filters.limit, "total": journal_selectors.journal_total(filters=parsed)}


@router.get(
    "/history/timeline", response={200: TimelineOut, 400: ErrorOut}, tags=["history"],
    summary="One local day's plays, hour by hour (today without `date`)",
)
@conditional_read(history_data_version)  # ETag / 304
def history_timeline(request, date: str = ""):
    if date:
        try:
            day = datetime.strptime(date, "%Y-%m-%d").date()
        except ValueError:
            raise HttpError(400, f"date must be YYYY-MM-DD, not {date[:40]!r}") from None
        if not day_in_range(day):
            raise HttpError(400, f"date must be a day {DAY_RANGE_TEXT}, not {date!r}")
    else:
        day = timezone.localdate()
    plays = timeline_selectors.day_plays(day=day)
    by_hour: dict[int, list] = {hour: [] for hour in range(24)}
    for play in plays:
        by_hour[play.local_hour].append(_play_out(play))
    return {
        "date": day,
        "total": len(plays),
        "truncated": len(plays) >= timeline_selectors.MAX_PLAYS_PER_DAY,
        "hours": [{"hour": hour, "count": len(rows), "plays": rows} for hour, rows in by_hour.items()],
    }


# --- "I'm playing this": a record played on the turntable, logged as plays -------------------
class TurntableLogIn(Schema):
    model_config = {"json_schema_extra": {"examples": [
        {"album_id": 12, "side": "A", "started_at": "2026-12-01T20:15:00+01:00"}]}}

    album_id: int = Field(description="an owned record (an album with a copy in the collection)")
    side: str = Field("", description='"A", "B"… a side, "1", "2"… a disc, "" or "whole" the whole record')
    started_at: datetime | None = Field(
        None, description="when the needle went down (without an offset: in the server's TIME_ZONE); now if left out")


class TurntablePlayOut(Schema):
    position: str
    artist: str
    title: str
    album: str
    played_at: datetime
    duration_ms: int
    estimated: bool = Field(description="the tracklist gives no length: the average was counted")
    state: str = Field(description="pending (stored when it starts), stored, known (already in the journal), cut")
    scrobble_id: int | None
    lastfm: str = Field(description="off, due, sent, ignored, skipped or failed")
    lastfm_note: str


class TurntableSessionOut(Schema):
    id: int
    album: NamedRef
    side: str
    side_label: str
    started_at: datetime
    ends_at: datetime
    created_at: datetime
    undone: bool
    stored: int
    pending: int
    estimated: int
    lastfm_error: str
    plays: list[TurntablePlayOut]


class TurntableUndoOut(Schema):
    removed: int = Field(description="plays taken out of the journal")
    stopped: int = Field(description="plays still to come that will not be stored")
    on_lastfm: int = Field(description="plays already scrobbled: Last.fm cannot unscrobble, they stay there")
    session: TurntableSessionOut


def _session_out(session) -> dict:
    plays = list(session.plays.all())
    return {
        "id": session.pk,
        "album": {"id": session.album_id, "name": session.album.title},
        "side": session.side, "side_label": session.side_label,
        "started_at": session.started_at, "ends_at": session.ends_at, "created_at": session.created_at,
        "undone": session.undone_at is not None,
        "stored": sum(1 for p in plays if p.state == "stored"),
        "pending": sum(1 for p in plays if p.state == "pending"),
        "estimated": sum(1 for p in plays if p.estimated),
        "lastfm_error": session.lastfm_error,
        "plays": [{"position": p.position, "artist": p.artist, "title": p.title, "album": p.album,
                   "played_at": p.played_at, "duration_ms": p.duration_ms, "estimated": p.estimated,
                   "state": p.state, "scrobble_id": p.scrobble_id, "lastfm": p.lastfm, "lastfm_note": p.lastfm_note}
                  for p in plays],
    }


def _owner_only(request) -> None:
    # The plays go into the owner's journal, and to their Last.fm account.
    if not request.user.is_staff:
        raise HttpError(403, "Only the owner logs records as played.")


@router.post(
    "/history/log", response={201: TurntableSessionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["history"],
    summary="Log an owned record (a side, a disc or the whole) as played from now or `started_at`",
    description="Its tracks become plays back to back, each as long as the Discogs tracklist says (4 min when it "
                "says nothing). Plays that have started are stored at once, the others as each starts; with "
                "Last.fm connected for writing they are scrobbled there too, in the background. 409: not owned, "
                "no tracklist yet, or this side was just logged; 422: unknown side or a start in the future.",
)
def history_log(request, payload: TurntableLogIn):
    _owner_only(request)
    try:
        session = turntable_log(album_id=payload.album_id, side=payload.side, started_at=payload.started_at)
    except TurntableRefused as refused:
        raise HttpError(refused.status, refused.message) from None
    return Status(201, _session_out(session))


@router.get(
    "/history/log/{session_id}", response={200: TurntableSessionOut, 404: ErrorOut}, tags=["history"],
    summary="A logged session: its plays, which are stored, still to come, scrobbled",
)
def history_log_get(request, session_id: int):
    session = turntable_session_get(session_id=session_id)
    if session is None:
        raise HttpError(404, f"No logged session with id {session_id}.")
    return _session_out(session)


@router.post(
    "/history/log/{session_id}/undo", response={200: TurntableUndoOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    tags=["history"],
    summary="Undo a session logged within a day: exactly its own plays leave the journal",
    description="Plays still to come are not stored. Last.fm has no unscrobble: plays already sent stay there.",
)
def history_log_undo(request, session_id: int):
    _owner_only(request)
    try:
        undone = turntable_undo(session_id=session_id)
    except TurntableRefused as refused:
        raise HttpError(refused.status, refused.message) from None
    return {"removed": undone.removed, "stopped": undone.stopped, "on_lastfm": undone.on_lastfm,
            "session": _session_out(turntable_session_get(session_id=session_id))}


@router.get(
    "/services/tracker/status", response=TrackerStatusOut, tags=["tracker"],
    summary="The Last.fm poller: settings, last results, now playing",
)
def tracker_status_get(request):
    return _status_out(tracker_status())


def _tracker_switch(enabled: bool) -> dict:
    if enabled and (unconfigured := service_not_configured(service="lastfm")) is not None:
        raise HttpError(409, str(unconfigured))
    tracker_set(enabled=enabled)
    return _status_out(tracker_status())


@router.post(
    "/services/tracker/start", response={200: TrackerStatusOut, 409: ErrorOut}, tags=["tracker"],
    summary="Switch Last.fm polling on",
)
def tracker_start(request):
    return _tracker_switch(True)


@router.post(
    "/services/tracker/stop", response={200: TrackerStatusOut, 409: ErrorOut}, tags=["tracker"],
    summary="Switch Last.fm polling off",
)
def tracker_stop(request):
    return _tracker_switch(False)
