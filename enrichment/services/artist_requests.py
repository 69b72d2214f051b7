"""Enrichment on request (the API): one artist named by its Spotify id or link, or up to 50 by their ids.

- `spotify_artist_id_parse`: the Spotify id out of `https://open.spotify.com/artist/<id>` or a bare id.
- `artist_for_spotify_id`: the library's artist with that Spotify id; else the one bearing Spotify's name for
  it, now linked; else a new artist of that name.
- `artist_facts`: every fact about an artist, from every provider.
- `artists_batch_queue` and `artists_batch_run`: a batch as a core Job of its own (`enrichment_batch`),
  enriched artist by artist so its progress shows.
- `enrich_rate_limit_take`: the per-user budget of these requests (`ENRICHMENT_API_RATE_LIMIT`, 10 a minute).
"""

from __future__ import annotations

import re
from collections import Counter

from django.db import IntegrityError, transaction

from catalog.models import Artist
from core.clients.spotify import spotify_artist
from core.models import Job
from core.normalize import clean_text, name_key
from core.params import MAX_ID, parse_id
from core.resilience.services import service_not_configured
from core.services.jobs import job_beating, job_create, job_enqueue, job_finish, job_progress, job_start
from core.services.throttle import ThrottleRule, throttle_failure_record, throttle_wait
from enrichment.models import Fact
from enrichment.service import artists_enrich

BATCH_KIND = "enrichment_batch"
BATCH_MAX = 50
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
SPOTIFY_ARTIST_URL = re.compile(
    r"https://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?artist/(?P<id>[0-9A-Za-z]{22})/?(?:\?[^#\s]*)?")
# Each call counts; the one that reaches the limit blocks the user for the window (core.services.throttle).
ENRICH_RATE = ThrottleRule("enrichment-api", "ENRICHMENT_API_RATE_LIMIT", "ENRICHMENT_API_RATE_WINDOW", 10, 60)


class ArtistRequestError(ValueError):
    """The request cannot be done as asked; the message names the field and what it takes."""


class ArtistsMissing(LookupError):
    def __init__(self, ids: list[int]):
        super().__init__(f"No artist with id {', '.join(map(str, ids))}")
        self.ids = ids


class ArtistNameTaken(Exception):
    """Spotify's name for the id is, once normalized, the name of another Spotify artist in the library."""


def spotify_artist_id_parse(*, url: str | None, artist_id: str | None) -> str:
    """The Spotify artist id given as exactly one of a link (`url`) or a bare id; ArtistRequestError otherwise."""
    url, artist_id = (url or "").strip(), (artist_id or "").strip()
    if url and artist_id:
        raise ArtistRequestError("Give spotify_url or spotify_artist_id, not both.")
    if artist_id:
        if not SPOTIFY_ID.fullmatch(artist_id):
            raise ArtistRequestError(f"spotify_artist_id must be a Spotify artist id: 22 letters and digits, "
                                     f"not {artist_id[:60]!r}.")
        return artist_id
    if url:
        if not (match := SPOTIFY_ARTIST_URL.fullmatch(url)):
            raise ArtistRequestError(f"spotify_url must be a link like https://open.spotify.com/artist/<22-character "
                                     f"id>, not {url[:100]!r}.")
        return match["id"]
    raise ArtistRequestError("Give spotify_url (https://open.spotify.com/artist/<id>) or spotify_artist_id "
                             "(its 22 letters and digits).")


def artist_for_spotify_id(*, spotify_id: str) -> tuple[Artist, bool]:
    """`(artist, created)`: the one with this Spotify id, else the library's namesake of Spotify's name for it
    (given the id), else a new artist of that name.

    Asks Spotify only when no artist has the id: its failures come as `ServiceError` (`NotConfigured`,
    `NotFound` for an id it does not know…); a namesake already holding another Spotify id is `ArtistNameTaken`.
    """
    artist = Artist.objects.filter(spotify_id=spotify_id).first()
    if artist is not None:
        return artist, False
    if (unconfigured := service_not_configured(service="spotify")) is not None:
        raise unconfigured
    name = clean_text(str(spotify_artist(artist_id=spotify_id).get("name") or ""), 255) or spotify_id
    try:
        with transaction.atomic():
            namesake = Artist.objects.select_for_update().filter(name_key=name_key(name)).first()
            if namesake is None:
                return Artist.objects.create(name=name, spotify_id=spotify_id), True
            if namesake.spotify_id:
                raise ArtistNameTaken(f"Spotify names {spotify_id} {name!r}, but the library's {namesake.name!r} "
                                      f"(artist {namesake.pk}) is Spotify's {namesake.spotify_id}: "
                                      "merge or rename one first.")
            namesake.spotify_id = spotify_id
            namesake.save(update_fields=["spotify_id"])
            return namesake, False
    except IntegrityError:  # another request linked or created it meanwhile
        if (artist := Artist.objects.filter(spotify_id=spotify_id).first()) is not None:
            return artist, False
        raise


def artist_facts(*, artist: Artist) -> list[Fact]:
    """Every fact about the artist, each provider's own, by field."""
    return list(Fact.objects.filter(entity_type=Fact.Entity.ARTIST, entity_id=artist.pk).order_by("field", "provider"))


def enrich_rate_limit_take(*, user_id: int) -> int:
    """0 when the user may make one more enrichment request now (it is counted), else the seconds to wait."""
    if ENRICH_RATE.limit <= 0:  # 0 turns the limit off
        return 0
    key = f"user:{user_id}"
    if wait := throttle_wait(ENRICH_RATE, key):
        return wait
    throttle_failure_record(ENRICH_RATE, key)
    return 0


# --- batches ---------------------------------------------------------------------------------------
def artists_batch_check(*, artist_ids: list[int]) -> None:
    """1 to 50 distinct ids (ArtistRequestError otherwise) of artists in the library (ArtistsMissing)."""
    if not 1 <= len(artist_ids) <= BATCH_MAX:
        raise ArtistRequestError(f"artist_ids must list 1 to {BATCH_MAX} artist ids, not {len(artist_ids)}.")
    if invalid := [i for i in artist_ids if parse_id(i) is None]:
        raise ArtistRequestError(f"artist_ids must be ids from 1 to {MAX_ID}, not {', '.join(map(str, invalid[:5]))}.")
    if repeated := [i for i, count in Counter(artist_ids).items() if count > 1]:
        raise ArtistRequestError(f"artist_ids lists {', '.join(map(str, repeated))} more than once.")
    known = set(Artist.objects.filter(pk__in=artist_ids).values_list("pk", flat=True))
    if missing := [i for i in artist_ids if i not in known]:
        raise ArtistsMissing(missing)


def artists_batch_queue(*, artist_ids: list[int], requested_by: str = "api") -> Job:
    """A new job enriching these artists, handed to a worker once the transaction commits.

    Each batch is its own job: `job_request` would hand back a batch already running for other artists.
    """
    artists_batch_check(artist_ids=artist_ids)
    job = job_create(kind=BATCH_KIND, params={"artist_ids": list(artist_ids), "requested_by": requested_by})
    return job_enqueue(job=job)


def artists_batch_run(*, job: Job) -> str:
    """Enrich the job's artists through the service's own batch paths (one Spotify call per 50, one
    Apify run, one SPARQL query), with progress per chunk; finishes with the summary and
    `{"artists": n, "facts": n, "warnings": [...]}`. Run again (a resumed job), it starts over: the
    providers' caches answer the repeats."""
    ids = [int(i) for i in job.params.get("artist_ids") or []]
    found = Artist.objects.in_bulk(ids)
    artists = [found[i] for i in ids if i in found]
    with job_beating(job=job):
        job_start(job=job, total=len(artists), message=f"Enriching {len(artists)} artist(s)…")
        total = artists_enrich(artists=artists, on_progress=lambda done, count: job_progress(
            job=job, done=done, message=f"{done} of {count} artists"))
        gone = [i for i in ids if i not in found]
        summary = total.summary() + (f"; {len(gone)} gone from the library" if gone else "")
        warnings = [f"Artist {i} is gone from the library" for i in gone] + total.warnings
        job_finish(job=job, message=summary, result={"artists": total.entities, "facts": total.facts,
                                                     "warnings": warnings})
    return summary
