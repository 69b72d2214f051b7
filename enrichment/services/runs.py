"""The scheduled enrichment runs, each a core Job so the settings page can show the last one's summary.

- new arrivals (every 5 minutes): artists and albums never enriched, the newest first;
- incremental (Sunday 07:00): those first heard in the last 7 days;
- stale (02:00): those not refreshed in 90 days, the most played first.
"""

from __future__ import annotations

from django.db.models import Avg, Count, Q

from catalog.models import Album, Artist
from core.models import Job
from core.services.jobs import (
    job_beating,
    job_claim,
    job_create,
    job_enqueue,
    job_fail,
    job_finish,
    job_progress,
    job_start,
)
from enrichment.service import (
    album_enrich,
    albums_enrich,
    albums_to_enrich,
    artist_enrich,
    artists_enrich,
    artists_to_enrich,
)

RUN_KIND = "enrichment_run"
REFRESH_KIND = "enrichment_refresh"
LIMITS = {"new": 100, "incremental": 500, "stale": 200}


def enrich_run(*, mode: str, limit: int | None = None) -> str:
    """One run of `mode` ("new", "incremental" or "stale"); a run already going is left alone."""
    job, created = job_claim(kind=RUN_KIND, params={"mode": mode})
    if not created:
        return f"an enrichment run is already going (job {job.pk})"
    limit = limit or LIMITS[mode]
    selection = "backfill" if mode == "new" else mode
    artists = artists_to_enrich(mode=selection)
    albums = albums_to_enrich(mode=selection)
    if mode == "new":
        artists, albums = artists.order_by("-created_at", "-pk"), albums.order_by("-created_at", "-pk")
    artists, albums = list(artists[:limit]), list(albums[:limit])
    with job_beating(job=job):
        job_start(job=job, total=len(artists) + len(albums), message=f"Enriching {len(artists):,} artists…")
        done_artists = artists_enrich(
            artists=artists, on_progress=lambda done, total: job_progress(job=job, done=done))
        done_albums = albums_enrich(
            albums=albums, on_progress=lambda done, total: job_progress(job=job, done=len(artists) + done))
        summary = f"Artists: {done_artists.summary()}. Albums: {done_albums.summary()}."
        job_finish(job=job, message=summary, result={
            "mode": mode, "artists": done_artists.entities, "albums": done_albums.entities,
            "facts": done_artists.facts + done_albums.facts,
            "warnings": (done_artists.warnings + done_albums.warnings)[:50],
        })
    return summary


def enrich_refresh_request(*, entity: str, entity_id: int) -> Job:
    """What a page's "Refresh" does: one artist or album asked again in the background (each refresh
    is its own job: another artist's refresh waiting in the queue is not this one)."""
    return job_enqueue(job=job_create(kind=REFRESH_KIND, params={"entity": entity, "id": entity_id}))


def enrich_refresh_run(*, job: Job) -> str:
    model = {"artist": Artist, "album": Album}[job.params["entity"]]
    row = model.objects.filter(pk=job.params["id"]).first()
    with job_beating(job=job):
        job_start(job=job, total=1, message=f"Asking the sources about {row}…" if row else "Starting…")
        if row is None:
            return job_fail(job=job, error="It is gone from the library.").message
        done = artist_enrich(artist=row, force=True) if model is Artist else album_enrich(album=row, force=True)
        return job_finish(job=job, message=done.summary(), result={"facts": done.facts,
                                                                    "warnings": done.warnings[:20]}).message


def enrich_last_run() -> Job | None:
    return Job.objects.filter(kind=RUN_KIND).order_by("-created_at").first()


def enrichment_coverage() -> dict:
    """What the settings page shows: how much of the library is enriched, with genres, with pictures."""
    artists = Artist.objects.aggregate(
        total=Count("pk"), enriched=Count("pk", filter=Q(enriched_at__isnull=False)),
        with_genres=Count("pk", filter=Q(tag_links__isnull=False), distinct=True),
        with_images=Count("pk", filter=~Q(image_url="")),
        average_popularity=Avg("popularity"), average_followers=Avg("followers"),
    )
    albums = Album.objects.aggregate(
        total=Count("pk"), enriched=Count("pk", filter=Q(enriched_at__isnull=False)),
        with_genres=Count("pk", filter=Q(tag_links__isnull=False), distinct=True),
        with_images=Count("pk", filter=~Q(cover_url="")),
        with_notes=Count("pk", filter=Q(info__generated_at__isnull=False)),
    )
    stale = artists_to_enrich(mode="stale")
    return {"artists": artists, "albums": albums, "stale_count": stale.count(),
            "stale_oldest": list(stale.order_by("enriched_at")[:20])}
