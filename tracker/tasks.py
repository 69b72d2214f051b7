"""django-q2 tasks of the tracker: thin callers of its services."""

from catalog.services.collection_link import collection_link
from core.resilience.errors import ServiceError
from core.services.jobs import job_to_run
from tracker.services.album_plays import album_play_stats_refresh
from tracker.services.habit_days import habit_days_refresh
from tracker.services.lastfm import BACKFILL_KIND, lastfm_backfill, lastfm_poll
from tracker.services.turntable import turntable_advance


def lastfm_poll_task() -> str:
    return lastfm_poll()


def lastfm_backfill_task(job_id: int) -> str:
    job = job_to_run(job_id=job_id, kind=BACKFILL_KIND)
    if job is None:
        return f"job {job_id} is not waiting to run"
    try:
        lastfm_backfill(job=job)
    except ServiceError:
        pass  # recorded on the job, which keeps its checkpoint for the next run
    job.refresh_from_db()
    return job.message


def album_play_stats_task() -> str:
    """Safety net behind the ingest hook: link releases to albums that appeared in the listening
    history since the last sync, then recompute every album's play figures."""
    linked = collection_link()
    return f"{linked} releases linked, {album_play_stats_refresh()} albums updated"


def turntable_advance_task(session_id: int) -> str:
    """Store the plays of a logged record that have started, and scrobble those due (see the service)."""
    return turntable_advance(session_id=session_id)


def habit_days_refresh_task() -> str:
    """Store the habits' stale days after an import or a backfill (see the service)."""
    return f"{habit_days_refresh()} days stored"
