"""The one lifecycle of long work (core.Job), shared by the Discogs sync, the Last.fm backfill and imports.

1. Claim: `job_claim` gives the live job of a kind, or a new pending one that takes over the
   checkpoint of the newest stopped run; `job_request` (a button, an API call) also hands a new
   one to a worker, while a command or a schedule runs the claimed job in its own process.
2. Run: the task takes the job with `job_to_run`, the service runs inside `job_beating` (the
   job's beat, so a killed worker shows), with `job_start`, `job_progress` (with the checkpoint
   a killed run resumes from), and `job_finish` or `job_fail` (with the result).
3. Resume: a job whose beat stopped is interrupted; `job_resume` (the page's button) and
   `jobs_resume_interrupted` (each worker as it starts) hand it to a worker again, from its
   checkpoint.

Each kind names its task once (`job_kind_register`, from the app's `ready()`). Pages poll a
job's progress through htmx. Job rows are changed here only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from core.models import Job, job_stale_before
from core.signals import job_ended

logger = logging.getLogger(__name__)

# A job waits this long for a worker before the next request gives up on it and starts anew.
PENDING_STALE_AFTER_SECONDS = 10 * 60
_TASKS: dict[str, str] = {}


def job_kind_register(*, kind: str, task: str) -> None:
    """Name the django-q2 task (`task(job_id)`) that runs jobs of `kind`, for queueing and resuming."""
    _TASKS[kind] = task


def job_create(*, kind: str, params: dict | None = None, message: str = "Waiting for a worker…") -> Job:
    return Job.objects.create(kind=kind, params=params or {}, message=message)


def job_enqueue(*, job: Job, task: str | None = None) -> Job:
    """Hand the job to a django-q2 worker (its kind's task) once the current transaction commits."""
    task = task or _TASKS[job.kind]
    transaction.on_commit(lambda: async_task(task, job.pk, task_name=f"{job.kind} #{job.pk}"))
    return job


def job_claim(*, kind: str, params: dict | None = None) -> tuple[Job, bool]:
    """Start or resume: `(the live job of this kind, False)`, or `(a new pending job, True)` that
    takes over the checkpoint of the newest stopped run, so it resumes where that one stopped."""
    active = job_active(kind=kind)
    if active is not None:
        return active, False
    with transaction.atomic():
        _interrupted_close(kind=kind)
        job = job_create(kind=kind, params=params)
        previous = job_resumable(kind=kind, exclude=job)
        if previous is not None:  # handed over, never lost: if this run fails at once, it still holds it
            job.checkpoint = previous.checkpoint
            Job.objects.filter(pk=job.pk).update(checkpoint=job.checkpoint)
            Job.objects.filter(pk=previous.pk).update(checkpoint={})
    return job, True


def job_request(*, kind: str, task: str | None = None, params: dict | None = None) -> tuple[Job, bool]:
    """What a button or an API call does: claim a job, and hand a new one to a worker (`task(job_id)`)."""
    job, created = job_claim(kind=kind, params=params)
    if created:
        job_enqueue(job=job, task=task)
    return job, created


def job_to_run(*, job_id: int, kind: str) -> Job | None:
    """Take the job a worker was handed, if it still waits to run or was interrupted; None when it
    finished, is unknown, or is running (beating) elsewhere — so a task delivered twice runs once."""
    takeable = Q(status=Job.Status.PENDING) | Q(status=Job.Status.RUNNING, updated_at__lt=job_stale_before())
    taken = Job.objects.filter(takeable, pk=job_id, kind=kind).update(status=Job.Status.RUNNING,
                                                                      updated_at=timezone.now())
    return Job.objects.get(pk=job_id) if taken else None


def job_active(*, kind: str) -> Job | None:
    """The job of this kind that waits for a worker or runs and beats, if any."""
    waiting = timezone.now() - timedelta(seconds=PENDING_STALE_AFTER_SECONDS)
    alive = Q(status=Job.Status.PENDING, updated_at__gte=waiting) | Q(status=Job.Status.RUNNING,
                                                                       updated_at__gte=job_stale_before())
    return Job.objects.filter(alive, kind=kind).order_by("-created_at").first()


def job_current(*, kind: str) -> Job | None:
    """The job of this kind a page should show: the active one, or an interrupted one to resume."""
    return job_active(kind=kind) or (
        Job.objects.filter(kind=kind, status=Job.Status.RUNNING, updated_at__lt=job_stale_before())
        .order_by("-created_at").first()
    )


def job_resumable(*, kind: str, exclude: Job | None = None) -> Job | None:
    """The newest unfinished job of this kind that left a checkpoint to resume from."""
    stopped = Job.objects.filter(kind=kind, status__in=[Job.Status.RUNNING, Job.Status.FAILED, Job.Status.CANCELLED])
    if exclude is not None:
        stopped = stopped.exclude(pk=exclude.pk)
    return stopped.exclude(checkpoint={}).order_by("-created_at", "-pk").first()


def job_resume(*, job: Job) -> Job:
    """What the page's "Resume" does: an interrupted job goes back to a worker as it is (from its
    checkpoint); a failed or cancelled one is requested anew, taking over its checkpoint."""
    job.refresh_from_db()
    if job.is_interrupted:
        return _requeue(job)
    if job.status in (Job.Status.FAILED, Job.Status.CANCELLED):
        return job_request(kind=job.kind, params=job.params)[0]
    return job


def jobs_resume_interrupted() -> int:
    """Hand every interrupted job of a known kind back to a worker; called as each worker starts,
    so a killed worker's jobs go on by themselves. Returns how many were resumed."""
    interrupted = Job.objects.filter(kind__in=list(_TASKS), status=Job.Status.RUNNING,
                                     updated_at__lt=job_stale_before())
    return sum(1 for job in interrupted if _requeue(job).status == Job.Status.PENDING)


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


@contextmanager
def job_beating(*, job: Job, every: float | None = None) -> Iterator[Job]:
    """Run a job's work with its beat: a thread touches `updated_at` every `every` seconds while
    the work runs (a long wait on a rate limit included), so only a dead process stops it. Work
    that escapes with an unexpected error leaves the job failed, not "running" for ever."""
    stop = threading.Event()
    every = every or settings.JOB_BEAT_SECONDS
    beat = threading.Thread(target=_beat, args=(job.pk, every, stop), name=f"job-{job.pk}-beat", daemon=True)
    beat.start()
    try:
        yield job
    except BaseException as exc:
        job.refresh_from_db(fields=["status"])
        if job.status in (Job.Status.PENDING, Job.Status.RUNNING):
            logger.exception("%s stopped on an unexpected error", job)
            if isinstance(exc, Exception):
                job_fail(job=job, error="Stopped on an unexpected error; see the logs. Run it again to resume.")
            else:  # Ctrl-C, a worker's shutdown: resumable
                job_cancel(job=job)
        raise
    finally:
        stop.set()
        beat.join(timeout=5)


def _beat(job_id: int, every: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(every):
            try:
                Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(updated_at=timezone.now())
            except Exception as exc:  # a busy database must not kill the beat; the next one tries again
                logger.debug("job %s: beat skipped (%s)", job_id, exc.__class__.__name__)
    finally:
        connection.close()  # the thread's own connection


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
    job_ended.send(sender=Job, job=job)
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
    job_ended.send(sender=Job, job=job)
    return job


def job_cancel(*, job: Job) -> Job:
    """Stop counting a job as running (interrupted by its user); its checkpoint stays."""
    job.status, job.finished_at = Job.Status.CANCELLED, timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    job_ended.send(sender=Job, job=job)
    return job


def _requeue(job: Job) -> Job:
    """Back to a worker, the same job from its checkpoint (only if it is still interrupted)."""
    if job.kind not in _TASKS:
        return job
    requeued = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, updated_at__lt=job_stale_before()).update(
        status=Job.Status.PENDING, updated_at=timezone.now(), message="Interrupted; waiting for a worker to resume…")
    job.refresh_from_db()
    if requeued:
        job_enqueue(job=job)
    return job


def _interrupted_close(*, kind: str) -> None:
    """Mark this kind's interrupted jobs failed (their checkpoints stay for the next run to take)."""
    for job in Job.objects.filter(kind=kind, status=Job.Status.RUNNING, updated_at__lt=job_stale_before()):
        job_fail(job=job, error="Interrupted: the worker running it stopped; the next run resumes where it was.")
