"""Discogs collection sync: every owned copy of folder 0, 100 a page, into the catalog.

Run the same way by the "Sync Discogs" button (a django-q2 task), `manage.py sync_discogs`
and the weekly schedule. Each page is stored in its own transaction and checkpointed on the
`core.Job`, so a sync stopped by a failing page or a killed worker resumes from that page on
the next run (whichever of button, command or schedule starts it). Copies that left the
Discogs collection are marked `removed_at` — only after a complete pass, never deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import CollectionItem
from catalog.selectors.collection import collection_facets_forget
from catalog.services.collection_link import collection_link
from catalog.services.discogs_records import PageCounts, page_store
from catalog.signals import collection_synced
from core.clients.discogs import (
    MAX_PER_PAGE,
    discogs_collection_fields,
    discogs_collection_folders,
    discogs_collection_page,
)
from core.models import Job
from core.resilience import AuthFailed, NotConfigured, NotFound, ServiceError
from core.services.jobs import job_beating, job_claim, job_fail, job_finish, job_progress, job_request, job_start

JOB_KIND = "discogs_sync"
# A checkpoint older than this starts a fresh pass: the collection has moved on too much.
RESUME_WITHIN = timedelta(days=7)


class DiscogsSyncError(Exception):
    """The sync stopped; the message says why in words a user can act on (never a secret)."""


@dataclass
class DiscogsSyncResult:
    pages_fetched: int = 0
    total_pages: int = 0
    copies_seen: int = 0
    counts: PageCounts = field(default_factory=PageCounts)
    copies_removed: int = 0
    linked: int = 0
    resumed_from_page: int | None = None
    complete: bool = False
    job_id: int | None = None

    def summary(self) -> str:
        c = self.counts
        text = (f"{self.copies_seen:,} copies seen on {self.pages_fetched:,} "
                f"page{'s' if self.pages_fetched != 1 else ''}: "
                f"{c.albums_created:,} new releases, {c.albums_updated:,} updated, {c.copies_created:,} new copies, "
                f"{self.copies_removed:,} marked removed")
        if c.copies_restored:
            text += f", {c.copies_restored:,} back in the collection"
        if self.linked:
            text += f", {self.linked:,} linked to listened albums"
        if self.resumed_from_page:
            text += f" (resumed from page {self.resumed_from_page})"
        return text


def discogs_sync_start(*, requested_by: str) -> tuple[Job, bool]:
    """What the command and the schedule do before running the sync themselves: `(job, created)`,
    the sync already running, or a new one resuming a stopped one's checkpoint."""
    return job_claim(kind=JOB_KIND, params={"requested_by": requested_by})


def discogs_sync_queue(*, requested_by: str) -> tuple[Job, bool]:
    """What the button and the API do: a new sync handed to a worker, or the one running."""
    return job_request(kind=JOB_KIND, task="catalog.tasks.discogs_sync_task", params={"requested_by": requested_by})


def _resume_point(job: Job, *, per_page: int) -> dict:
    """The job's checkpoint (its own, or the one it took over), if still worth continuing from."""
    checkpoint = dict(job.checkpoint or {})
    started = parse_datetime(checkpoint.get("pass_started_at") or "")
    if (not started or checkpoint.get("per_page") != per_page or timezone.now() - started > RESUME_WITHIN
            or int(checkpoint.get("next_page") or 0) < 2):
        return {}
    return checkpoint


def _explain(exc: ServiceError, *, page: int) -> str:
    if isinstance(exc, NotConfigured):
        return f"{exc.message}."
    if isinstance(exc, AuthFailed):
        return "Discogs refused the token (HTTP 401): check DISCOGS_TOKEN. Nothing was changed."
    if isinstance(exc, NotFound) and page <= 1:
        return "Discogs does not know this user or collection (HTTP 404): check DISCOGS_USERNAME. Nothing was changed."
    where = "before the first page" if page <= 1 else f"on page {page}; the next sync resumes there"
    return f"Discogs failed {where}: {exc.message}"


def discogs_sync(
    *,
    job: Job | None = None,
    per_page: int = MAX_PER_PAGE,
    on_page: Callable[[DiscogsSyncResult, int], None] | None = None,
) -> DiscogsSyncResult:
    """Bring the catalog in line with the Discogs collection; raises DiscogsSyncError on failure.

    `on_page(result, items_total)` is called after each stored page (the command prints it).
    """
    if job is None:
        job, created = discogs_sync_start(requested_by="service")
        if not created:
            raise DiscogsSyncError(f"A Discogs sync is already running (job {job.pk}).")
    with job_beating(job=job):
        return _sync(job=job, per_page=per_page, on_page=on_page)


def _sync(*, job: Job, per_page: int, on_page) -> DiscogsSyncResult:
    checkpoint = _resume_point(job, per_page=per_page)
    result = DiscogsSyncResult(job_id=job.pk)
    page = int(checkpoint.get("next_page") or 1)
    pass_started = parse_datetime(checkpoint["pass_started_at"]) if checkpoint else timezone.now()
    done = int(checkpoint.get("done") or 0)
    if checkpoint:
        result.resumed_from_page = page
    job_start(job=job, message=f"Resuming at page {page}…" if checkpoint else "Connecting to Discogs…")
    try:
        folders = {f["id"]: f["name"] for f in discogs_collection_folders()}
        fields = {f["id"]: f["name"] for f in discogs_collection_fields()}
        while True:
            data = discogs_collection_page(page=page, per_page=per_page)
            items, pagination = data["items"], data["pagination"]
            result.total_pages = int(pagination.get("pages") or 0)
            items_total = int(pagination.get("items") or 0)
            seen_at = timezone.now()
            with transaction.atomic():
                counts = page_store(items=items, folders=folders, fields=fields, seen_at=seen_at)
            _add(result.counts, counts)
            result.pages_fetched += 1
            result.copies_seen += len(items)
            done += len(items)
            last = page >= result.total_pages or not items
            job_progress(
                job=job, done=min(done, items_total) if items_total else done, total=items_total,
                message=f"Page {page} of {max(result.total_pages, 1)}: {done:,} of {items_total:,} copies",
                checkpoint={} if last else {"next_page": page + 1, "per_page": per_page, "done": done,
                                             "pass_started_at": pass_started.isoformat()},
            )
            if on_page:
                on_page(result, items_total)
            if last:
                break
            page += 1
    except ServiceError as exc:
        message = _explain(exc, page=page)
        job_fail(job=job, error=message)
        raise DiscogsSyncError(message) from None
    except Exception as exc:
        job_fail(job=job, error=f"The Discogs sync stopped on page {page}: {exc.__class__.__name__}")
        raise

    result.complete = True
    # Only a pass that saw as many copies as Discogs counts may call the unseen ones removed
    # (an empty page answered mid-way would otherwise end the pass and "remove" the rest).
    result.copies_removed = _mark_removed(pass_started=pass_started) if done >= items_total else 0
    job_progress(job=job, message="Linking records to the listening history…")
    result.linked = collection_link()
    collection_synced.send(sender=discogs_sync, album_ids=None)
    collection_facets_forget()
    job_finish(job=job, message=result.summary())
    return result


def _mark_removed(*, pass_started: datetime) -> int:
    """Copies a complete pass did not see left the Discogs collection: mark them, keep them."""
    unseen = CollectionItem.objects.present().filter(discogs_instance_id__isnull=False).filter(
        Q(synced_at__isnull=True) | Q(synced_at__lt=pass_started))
    return unseen.update(removed_at=timezone.now())


def _add(total: PageCounts, page: PageCounts) -> None:
    for name in vars(page):
        setattr(total, name, getattr(total, name) + getattr(page, name))


def discogs_last_sync() -> Job | None:
    """The newest Discogs sync job (any status), for the page's last-sync summary."""
    return Job.objects.filter(kind=JOB_KIND).order_by("-created_at").first()
