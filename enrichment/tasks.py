"""django-q2 tasks of the enrichment: thin callers of its services."""

from core.services.jobs import job_to_run
from enrichment.services.artist_requests import BATCH_KIND, artists_batch_run
from enrichment.services.runs import REFRESH_KIND, enrich_refresh_run, enrich_run


def enrich_new_task() -> str:
    """Every five minutes: what arrived since (never enriched), the newest first."""
    return enrich_run(mode="new")


def enrich_incremental_task() -> str:
    return enrich_run(mode="incremental")


def enrich_stale_task() -> str:
    return enrich_run(mode="stale")


def enrichment_refresh_task(job_id: int) -> str:
    """The page's "Refresh": one artist or album asked again, past the caches."""
    job = job_to_run(job_id=job_id, kind=REFRESH_KIND)
    if job is None:
        return f"job {job_id} is not waiting to run"
    return enrich_refresh_run(job=job)


def enrichment_batch_task(job_id: int) -> str:
    """Up to 50 artists an API call asked about, enriched one by one with the job's progress."""
    job = job_to_run(job_id=job_id, kind=BATCH_KIND)
    if job is None:
        return f"job {job_id} is not waiting to run"
    return artists_batch_run(job=job)
