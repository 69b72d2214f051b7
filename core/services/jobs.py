"""Long work's progress and checkpoints (core.Job), shared by syncs, backfills and imports.

A job is created by the page, command or API call that asks for the work, then run by a
django-q2 task that reports progress here; pages poll it through htmx. The checkpoint is
what a killed run needs to resume.
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


def job_active(*, kind: str) -> Job | None:
    """The pending or running job of this kind that is still alive, if any."""
    fresh = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)
    return (
        Job.objects.filter(kind=kind, status__in=[Job.Status.PENDING, Job.Status.RUNNING], updated_at__gte=fresh)
        .order_by("-created_at")
        .first()
    )


def job_resumable(*, kind: str) -> Job | None:
    """The newest unfinished job of this kind that left a checkpoint to resume from."""
    return (
        Job.objects.filter(kind=kind, status__in=[Job.Status.RUNNING, Job.Status.FAILED, Job.Status.CANCELLED])
        .exclude(checkpoint={})
        .order_by("-created_at")
        .first()
    )


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


def job_finish(*, job: Job, message: str) -> Job:
    job.status, job.finished_at, job.message = Job.Status.SUCCEEDED, timezone.now(), message[:500]
    if job.total is not None:
        job.done = max(job.done, job.total)
    job.save(update_fields=["status", "finished_at", "message", "done", "updated_at"])
    return job


def job_fail(*, job: Job, error: str) -> Job:
    """Mark the job failed; its checkpoint stays so the next run resumes."""
    job.status, job.finished_at, job.error = Job.Status.FAILED, timezone.now(), error[:2000]
    job.message = error.splitlines()[0][:500] if error else "Failed"
    job.save(update_fields=["status", "finished_at", "error", "message", "updated_at"])
    return job


def job_cancel(*, job: Job) -> Job:
    """Stop counting a job as running (interrupted by its user); its checkpoint stays."""
    job.status, job.finished_at = Job.Status.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    return job
