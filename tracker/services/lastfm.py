"""Last.fm: poll new plays every few minutes, sync loved tracks, and back-fill the whole history.

Every request goes through core.clients.lastfm (and so the resilience layer). The
backfill pages through user.getRecentTracks anchored to a fixed `to` taken when it
starts, so plays scrobbled meanwhile don't shift its pages (the poller picks those up),
and it checkpoints after each page in its core.Job: a killed run resumes at the next
page, and a page stored twice adds nothing because ingest is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import Track
from core.clients.lastfm import lastfm_loved_tracks_page, lastfm_recent_tracks_page
from core.models import Job
from core.normalize import name_key, title_key
from core.resilience import clock
from core.resilience.errors import AuthFailed, NotConfigured, NotFound, ServiceError
from core.resilience.services import service_configured, service_not_configured
from core.services.jobs import job_beating, job_claim, job_fail, job_finish, job_progress, job_request, job_start
from tracker.models import Scrobble, TrackerState
from tracker.selectors.tracker_status import BACKFILL_KIND
from tracker.services.ingest import IngestResult, Play, catalog_figures_refresh, scrobble_ingest, track_resolve
from tracker.services.scrobble_rows import scrobbles_analyze

log = logging.getLogger(__name__)

PAGE_SIZE = 200
POLL_MAX_PAGES = 25  # a longer gap than 5,000 plays is the backfill's job
LOVED_SYNC_EVERY = timedelta(hours=6)
# When a page still fails after the resilience layer's own retries, the backfill waits
# this long (seconds) and tries the page again before giving up with its checkpoint kept.
BACKFILL_PAGE_WAITS = (30, 60, 120, 300)


def lastfm_configured() -> bool:
    return service_configured(service="lastfm")


def tracker_set(*, enabled: bool | None = None, interval_seconds: int | None = None) -> TrackerState:
    """Switch polling on or off and set its interval (the schedule ticks every minute)."""
    state = TrackerState.load()
    if enabled is not None:
        state.enabled = enabled
    if interval_seconds is not None:
        state.interval_seconds = max(60, min(int(interval_seconds), 24 * 3600))
    state.save(update_fields=["enabled", "interval_seconds"])  # never overwrite a running poll's results
    return state


# --- polling ------------------------------------------------------------------------------
def lastfm_poll(*, force: bool = False) -> str:
    """Fetch plays newer than the newest stored one and the now-playing track.

    Called every minute by the schedule; does nothing until the interval has passed
    (unless `force`), when polling is off, or when Last.fm is not configured.
    """
    if (unconfigured := service_not_configured(service="lastfm")) is not None:
        return str(unconfigured)
    state = TrackerState.load()
    now = timezone.now()
    if not force:
        if not state.enabled:
            return "polling is off"
        if state.last_poll_at and now - state.last_poll_at < timedelta(seconds=state.interval_seconds - 5):
            return "not due yet"
    previous_poll, state.last_poll_at = state.last_poll_at, now
    try:
        result, playing = _fetch_new_plays()
    except ServiceError as error:
        state.last_error = f"{now:%Y-%m-%d %H:%M} {error}"
        state.save(update_fields=["last_poll_at", "last_error"])
        log.warning("Last.fm poll failed: %s", error)
        return f"failed: {error}"
    _remember_now_playing(state, playing, now, previous_poll)
    state.last_success_at, state.last_error = now, ""
    # Only what the poll owns: the switch and interval may have changed while it ran.
    state.save(update_fields=["last_poll_at", "last_success_at", "last_error", "now_playing_track",
                              "now_playing_since", "now_playing_seen_at"])
    loved = _loved_sync_if_due(now)
    return f"{result.added} new play(s)" + (f"; {loved}" if loved else "")


def _fetch_new_plays() -> tuple[IngestResult, dict | None]:
    """Plays newer than the newest stored one, and the track playing now.

    Every page is fetched before anything is stored, so a page that fails stores nothing
    and the next poll asks again from the same newest play, instead of skipping what it
    missed. Pages after the first are read under `to` = the newest play of page 1, so plays
    scrobbled meanwhile don't shift them (the next poll gets those). A gap longer than
    POLL_MAX_PAGES pages is closed from its oldest end, one poll at a time.
    """
    newest = Scrobble.objects.filter(source=Scrobble.Source.LASTFM).aggregate(newest=Max("played_at"))["newest"]
    time_from = int(newest.timestamp()) + 1 if newest else None
    first = lastfm_recent_tracks_page(page=1, limit=PAGE_SIZE, time_from=time_from)
    plays, playing = _plays_of(first.tracks)
    pages = first.total_pages if newest else 1  # with nothing stored yet, the past is the backfill's job
    if pages > 1 and plays:
        anchor = int(max(play.played_at for play in plays).timestamp())
        if pages > POLL_MAX_PAGES:
            plays = []  # page 1 is the newest end of the gap: it comes last
        for page in range(pages, max(1, pages - POLL_MAX_PAGES), -1):
            answer = lastfm_recent_tracks_page(page=page, limit=PAGE_SIZE, time_from=time_from, time_to=anchor)
            plays += _plays_of(answer.tracks)[0]
    return scrobble_ingest(plays=plays, source=Scrobble.Source.LASTFM), playing


def _remember_now_playing(state: TrackerState, playing: dict | None, now: datetime,
                          previous_poll: datetime | None) -> None:
    if playing is None:
        # A track another way in reported since the last poll (a ListenBrainz scrobbler's
        # playing_now, perhaps during this very poll) is not Last.fm's to clear: the next poll is.
        reported = TrackerState.objects.filter(pk=state.pk).values_list(
            "now_playing_track_id", "now_playing_since", "now_playing_seen_at").first()
        if reported and reported[2] and previous_poll and reported[2] > previous_poll:
            state.now_playing_track_id, state.now_playing_since, state.now_playing_seen_at = reported
            return
        state.now_playing_track, state.now_playing_since, state.now_playing_seen_at = None, None, None
        return
    track = track_resolve(artist=playing["artist"], title=playing["title"], album=playing["album"])
    if track.pk != state.now_playing_track_id:
        state.now_playing_since = now
    state.now_playing_track, state.now_playing_seen_at = track, now


def _plays_of(tracks: list[dict]) -> tuple[list[Play], dict | None]:
    plays, playing = [], None
    for track in tracks:
        if track["now_playing"] or track["played_at_uts"] is None:
            playing = playing or track
            continue
        plays.append(Play(
            artist=track["artist"], title=track["title"], album=track["album"],
            played_at=datetime.fromtimestamp(track["played_at_uts"], tz=dt_timezone.utc),
        ))
    return plays, playing


# --- loved tracks -----------------------------------------------------------------------
def _loved_sync_if_due(now: datetime) -> str:
    if cache.get("lastfm:loved_synced_at"):
        return ""
    try:
        changed = lastfm_loved_sync()
    except ServiceError as error:
        log.warning("Last.fm loved tracks sync failed: %s", error)
        return ""
    cache.set("lastfm:loved_synced_at", now.isoformat(), timeout=int(LOVED_SYNC_EVERY.total_seconds()))
    return f"{changed} loved flag(s) changed"


def lastfm_loved_sync() -> int:
    """Mirror the user's loved tracks onto the `loved` flag of their plays; returns rows changed."""
    loved_keys: set[tuple[str, str]] = set()
    page, pages = 1, 1
    while page <= pages:
        answer = lastfm_loved_tracks_page(page=page)
        pages = answer.total_pages
        loved_keys |= {(name_key(t["artist"]), title_key(t["title"])) for t in answer.tracks}
        page += 1
    loved_track_ids = [
        track_id
        for track_id, artist_key, track_key in Track.objects.filter(
            title_key__in={key[1] for key in loved_keys}
        ).values_list("id", "artist__name_key", "title_key")
        if (artist_key, track_key) in loved_keys
    ]
    with transaction.atomic():
        changed = Scrobble.objects.filter(track_id__in=loved_track_ids, loved=False).update(loved=True)
        changed += Scrobble.objects.filter(loved=True).exclude(track_id__in=loved_track_ids).update(loved=False)
    return changed


# --- backfill -----------------------------------------------------------------------------
def lastfm_backfill_start(*, requested_by: str = "settings") -> Job:
    """What the button and the API do: the running backfill, or a new one (resuming a stopped
    one's checkpoint) handed to a worker."""
    return job_request(kind=BACKFILL_KIND, task="tracker.tasks.lastfm_backfill_task",
                       params={"requested_by": requested_by})[0]


def lastfm_backfill_claim(*, requested_by: str) -> tuple[Job, bool]:
    """What the command does before running the backfill itself: `(job, created)` as `job_claim`."""
    return job_claim(kind=BACKFILL_KIND, params={"requested_by": requested_by})


def lastfm_backfill(*, job: Job, on_page: Callable[[Job], None] | None = None) -> IngestResult:
    """Fetch every page of the user's history into the journal, resuming from the job's checkpoint."""
    with job_beating(job=job):
        return _backfill(job=job, on_page=on_page)


def _backfill(*, job: Job, on_page: Callable[[Job], None] | None) -> IngestResult:
    unconfigured = service_not_configured(service="lastfm")
    if unconfigured is not None:
        job_fail(job=job, error=str(unconfigured))
        raise unconfigured
    checkpoint = dict(job.checkpoint or {})
    anchor = checkpoint.get("to") or int(timezone.now().timestamp())
    page = checkpoint.get("page", 0) + 1
    totals = IngestResult(
        added=checkpoint.get("added", 0), already_present=checkpoint.get("already_present", 0),
        rejected=checkpoint.get("rejected", 0),
    )
    read = checkpoint.get("read", 0)
    resumed = " (resumed)" if checkpoint else ""
    job_start(job=job, message=f"Backfill{resumed}: fetching page {page}…")
    pages = checkpoint.get("pages", page)
    waits = 0
    try:
        while page <= pages:
            answer, waited = _backfill_page(page=page, anchor=anchor, job=job)
            waits += waited
            pages = max(answer.total_pages, 1)
            plays, _ = _plays_of(answer.tracks)
            totals.merge(scrobble_ingest(plays=plays, source=Scrobble.Source.LASTFM, refresh_catalog=False))
            read += len(plays)
            checkpoint = {"to": anchor, "page": page, "pages": pages, "read": read, "added": totals.added,
                          "already_present": totals.already_present, "rejected": totals.rejected}
            job_progress(job=job, done=page, total=pages, checkpoint=checkpoint,
                         message=f"Page {page:,} of {pages:,}: {read:,} plays read, {totals.added:,} added")
            if on_page:
                on_page(job)
            page += 1
    except ServiceError as error:
        job_fail(job=job, error=f"Stopped at page {page} of {pages}: {error}. Run the backfill again to resume.")
        raise
    catalog_figures_refresh()
    scrobbles_analyze()
    summary = (f"Backfill done: {read:,} plays read in {pages:,} page(s), {totals.added:,} added, "
               f"{totals.already_present:,} already present" + (f", {waits} wait(s) for Last.fm" if waits else ""))
    job_finish(job=job, message=summary)
    return totals


def _backfill_page(*, page: int, anchor: int, job: Job):
    """One page; after the layer's own retries, wait longer and try again (rate limits,
    outages). Each wait is reported on the job, so a patient run never looks dead."""
    for attempt, wait in enumerate((*BACKFILL_PAGE_WAITS, None)):
        try:
            return lastfm_recent_tracks_page(page=page, limit=PAGE_SIZE, time_to=anchor), attempt
        except (AuthFailed, NotFound, NotConfigured):
            raise  # a wrong key or user will not fix itself
        except ServiceError as error:
            if wait is None:
                raise
            wait = max(wait, error.retry_after or 0)
            log.warning("Last.fm backfill: page %s failed (%s); trying again in %ss", page, error, wait)
            job_progress(job=job, message=f"Page {page}: Last.fm answered “{error}”; trying again in {wait:.0f} s")
            clock.sleep(wait)
    raise AssertionError("unreachable")
