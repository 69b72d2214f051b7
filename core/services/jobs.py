"""The one lifecycle of long work (core.Job), shared by the Discogs sync, the Last.fm backfill and imports.

1. Claim: `job_claim` gives the live job of a kind, or a new pending one that takes over the
   checkpoint of the newest stopped run; `job_request` (a button, an API call) also hands a new
   one to a worker, while a command or a schedule runs the claimed job in its own process.
2. Run: the task takes the job with `job_to_run`, then `job_start`, `job_progress` (with the
   checkpoint a killed run resumes from), and `job_finish` or `job_fail` (with the result).

Pages poll a job's progress through htmx. Job rows are changed here only.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from core.models import Job

# A running job that has not reported for this long is taken to be dead (worker killed).
STALE_AFTER_SECONDS = 10 * 60


def job_create(*, kind: str, params: dict | None = None, message: str = "Waiting for a worker…") -> Job:
    return Job.objects.create(kind=kind, params=params or {}, message=message)


def job_enqueue(*, job: Job, task: str) -> Job:
    """Hand the job to a django-q2 worker (`task(job_id)`) once the current transaction commits."""
    transaction.on_commit(lambda: async_task(task, job.pk, task_name=f"{job.kind} #{job.pk}"))
    return job


def job_claim(*, kind: str, params: dict | None = None) -> tuple[Job, bool]:
    """Start or resume: `(the live job of this kind, False)`, or `(a new pending job, True)` that
    takes over the checkpoint of the newest stopped run, so it resumes where that one stopped."""
    active = job_active(kind=kind)
    if active is not None:
        return active, False
    with transaction.atomic():
        job = job_create(kind=kind, params=params)
        previous = job_resumable(kind=kind, exclude=job)
        if previous is not None:  # handed over, never lost: if this run fails at once, it still holds it
            job.checkpoint = previous.checkpoint
            Job.objects.filter(pk=job.pk).update(checkpoint=job.checkpoint)
            Job.objects.filter(pk=previous.pk).update(checkpoint={})
    return job, True


def job_request(*, kind: str, task: str, params: dict | None = None) -> tuple[Job, bool]:
    """What a button or an API call does: claim a job, and hand a new one to a worker (`task(job_id)`)."""
    job, created = job_claim(kind=kind, params=params)
    if created:
        job_enqueue(job=job, task=task)
    return job, created


def job_to_run(*, job_id: int, kind: str) -> Job | None:
    """The job a worker was handed, if it still waits to run (a finished or unknown one is not)."""
    job = Job.objects.filter(pk=job_id, kind=kind).first()
    if job is None or job.status not in (Job.Status.PENDING, Job.Status.RUNNING):
        return None
    return job


def job_active(*, kind: str) -> Job | None:
    """The pending or running job of this kind that is still alive, if any."""
    fresh = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    return (
        Job.objects.filter(kind=kind, status__in=[Job.Status.PENDING, Job.Status.RUNNING], updated_at__gte=fresh)
        .order_by("-created_at")
        .first()
    )


def job_resumable(*, kind: str, exclude: Job | None = None) -> Job | None:
    """The newest unfinished job of this kind that left a checkpoint to resume from."""
    stopped = Job.objects.filter(kind=kind, status__in=[Job.Status.RUNNING, Job.Status.FAILED, Job.Status.CANCELLED])
    if exclude is not None:
        stopped = stopped.exclude(pk=exclude.pk)
    return stopped.exclude(checkpoint={}).order_by("-created_at", "-pk").first()


def job_start(*, job: Job, total: int | None = None, message: str = "Started") -> Job:
    job.status, job.started_at, job.message, job.error = Job.Status.RUNNING, timezone.now(), message, ""
    if total is not None:
        job.total = total
    job.save(update_fields=["status", "started_at", "message", "error", "total", "updated_at"])
    return job


def job_progress(
    *, job: Job, done: int | None = None, total: int | None = None, message: str | None = None,
    checkpoint: dict | None = None,
) -> Job:
    """Record progress; with a checkpoint, what a resumed run starts from."""
    fields = {"updated_at": timezone.now()}
    if done is not None:
        fields["done"] = done
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:500]
    if checkpoint is not None:
        fields["checkpoint"] = checkpoint
    for name, value in fields.items():
        setattr(job, name, value)
    Job.objects.filter(pk=job.pk).update(**fields)
    return job


def job_finish(*, job: Job, message: str, result: dict | None = None, done: int | None = None) -> Job:
    """Mark the job done, with what it produced (`result`, shown by its report)."""
    job.status, job.finished_at, job.message = Job.Status.SUCCEEDED, timezone.now(), message[:500]
    if done is not None:
        job.done = done
    elif job.total is not None:
        job.done = max(job.done, job.total)
    if result is not None:
        job.result = result
    job.save(update_fields=["status", "finished_at", "message", "done", "result", "updated_at"])
    return job


def job_fail(*, job: Job, error: str, result: dict | None = None, done: int | None = None) -> Job:
    """Mark the job failed; its checkpoint stays so the next run resumes."""
    job.status, job.finished_at, job.error = Job.Status.FAILED, timezone.now(), error[:2000]
    job.message = error.splitlines()[0][:500] if error else "Failed"
    if done is not None:
        job.done = done
    if result is not None:
        job.result = result
    job.save(update_fields=["status", "finished_at", "error", "message", "done", "result", "updated_at"])
    return job


def job_cancel(*, job: Job) -> Job:
    """Stop counting a job as running (interrupted by its user); its checkpoint stays."""
    job.status, job.finished_at = Job.Status.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job
