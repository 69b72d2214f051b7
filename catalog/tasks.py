"""django-q2 tasks of the catalog: thin callers of the services (ids in, a one-line result out)."""

from catalog.services.discogs_sync import JOB_KIND, DiscogsSyncError, discogs_sync, discogs_sync_start
from catalog.services.discogs_tracklists import discogs_tracklists_fetch
from core.resilience import ServiceError
from core.resilience.services import service_not_configured
from core.services.jobs import job_to_run

TRACKLISTS_AFTER_SYNC = 100


def discogs_sync_task(job_id: int) -> str:
    """Run the sync a page button or API call asked for; the job records success or failure."""
    job = job_to_run(job_id=job_id, kind=JOB_KIND)
    if job is None:
        return f"job {job_id} is not waiting to run"
    try:
        result = discogs_sync(job=job)
    except DiscogsSyncError as exc:
        return str(exc)  # recorded on the job; retrying at once would fail the same way
    discogs_tracklists_task(limit=TRACKLISTS_AFTER_SYNC)
    return result.summary()


def discogs_sync_scheduled() -> str:
    """The weekly sync: starts one unless a sync is already running, or Discogs is not set up (then
    no failed job is left on the collection page of an install that has no Discogs account)."""
    if (unconfigured := service_not_configured(service="discogs")) is not None:
        return f"{unconfigured}; the weekly sync waits"
    job, created = discogs_sync_start(requested_by="schedule")
    if not created:
        return f"a Discogs sync is already running (job {job.pk})"
    return discogs_sync_task(job.pk)


def discogs_tracklists_task(*, limit: int = 50, album_ids: list[int] | None = None) -> str:
    try:
        done = discogs_tracklists_fetch(limit=limit, album_ids=album_ids)
    except ServiceError as exc:
        return f"tracklists stopped: {exc.message}"
    return f"{done} tracklist{'s' if done != 1 else ''} fetched"
