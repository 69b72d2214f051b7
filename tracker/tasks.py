"""django-q2 tasks of the tracker: thin callers of tracker.services.lastfm."""

from core.models import Job
from core.resilience.errors import ServiceError
from tracker.services.lastfm import lastfm_backfill, lastfm_poll


def lastfm_poll_task() -> str:
    return lastfm_poll()


def lastfm_backfill_task(job_id: int) -> str:
    job = Job.objects.get(pk=job_id)
    try:
        lastfm_backfill(job=job)
    except ServiceError:
        pass  # recorded on the job, which keeps its checkpoint for the next run
    job.refresh_from_db()
    return job.message
