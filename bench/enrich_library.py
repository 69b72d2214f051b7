"""Enrichment at library scale: every registered provider over N artists and their albums, twice.

Generates --artists artists (default 1,000, "Artist 0001 Collective") with --albums-per-artist
albums each (default 3, "Album 1 of Artist 0001") in a fresh SQLite database in a temporary data
folder, points every outside service at the local fake (tests/fakes, started in this process)
with --latency-ms per request (default 50), politeness rate limits lifted and the fake's
credentials set, then runs `artists_enrich` over all artists and `albums_enrich` over all albums
(the service's own chunks of 50, providers concurrent), and a second pass over the same rows
without `force`. Prints, one figure per line: seconds of each pass, outside requests per service
in each pass counted twice (as the fake recorded them, and as ServiceMetric.requests deltas; the
fake also sees Spotify's token request), each provider's own `calls` (which count cache hits too)
and facts, the peak memory of the process (ru_maxrss, with the in-process fake server; and how
much of it is above what `django.setup()` alone takes), the cache hit rate of pass 2 (from the
ServiceMetric cache_hits / (cache_hits + cache_misses) deltas), facts stored and warnings (with
the first three).

The fake answers every search with the same fixture payloads (Spotify's Portishead and In
Rainbows, Last.fm knows only Radiohead), so the generated names match nothing: this measures
the machinery (requests, caching, concurrency, storing), not the match rate. Artists get no
Spotify id, so Wikidata, the monthly listeners and the label resolver (which look artists up by
id) ask nothing.
Run: .venv/bin/python bench/enrich_library.py [--artists 1000] [--albums-per-artist 3] [--latency-ms 50]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project first, before bench/
SUFFIXES = ("Collective", "Orchestra", "Trio", "Band", "Sound")
TARGET_MB = 100
TARGET_HIT_RATE = 0.8
BATCH = 200  # artists created at a time
METRIC_FIELDS = ("requests", "cache_hits", "cache_misses", "failures")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def library_create(artists: int, albums_per_artist: int) -> None:
    """The generated artists and albums, in bulk (names and keys deterministic)."""
    from catalog.models import Album, Artist
    from core.normalize import name_key, title_key

    width = max(4, len(str(artists)))
    for first in range(1, artists + 1, BATCH):  # in batches, so the peak memory is enrichment's, not ours
        rows = []
        for i in range(first, min(first + BATCH, artists + 1)):
            name = f"Artist {i:0{width}d} {SUFFIXES[i % len(SUFFIXES)]}"
            rows.append(Artist(name=name, name_key=name_key(name), sort_name=name))
        created = Artist.objects.bulk_create(rows)
        albums = []
        for artist in created:
            number = artist.name.split()[1]
            for j in range(1, albums_per_artist + 1):
                title = f"Album {j} of Artist {number}"
                albums.append(Album(title=title, title_key=title_key(title), artist=artist, year=1990 + j,
                                    play_count=(int(number) * 7 + j) % 97))
        Album.objects.bulk_create(albums)


def metric_snapshot() -> dict[str, dict[str, int]]:
    from core.models import ServiceMetric

    return {m.service: {name: getattr(m, name) for name in METRIC_FIELDS} for m in ServiceMetric.objects.all()}


def metric_delta(before: dict, after: dict) -> dict[str, dict[str, int]]:
    empty = dict.fromkeys(METRIC_FIELDS, 0)
    return {service: {name: values[name] - before.get(service, empty)[name] for name in METRIC_FIELDS}
            for service, values in after.items()}


def run_pass(fake, *, label: str) -> dict:
    """One pass over every artist then every album (no force), read afresh from the database as the
    command reads them: seconds, requests, the providers' summaries."""
    from catalog.models import Album, Artist
    from enrichment.service import albums_enrich, artists_enrich

    print(f"{label} …", file=sys.stderr)
    recorded = Counter()

    def drain(done: int = 0, total: int = 0) -> None:
        """Count the fake's recorded requests by service and forget them: called between chunks, when
        none is in flight, so its log (headers, bodies) does not grow into the memory figure."""
        taken = fake.recorded[:]
        del fake.recorded[:len(taken)]
        recorded.update(request.service for request in taken)

    fake.recorded.clear()
    before = metric_snapshot()
    start = time.perf_counter()
    by_artists = artists_enrich(artists=Artist.objects.order_by("pk"), on_progress=drain)
    artists_seconds = time.perf_counter() - start
    by_albums = albums_enrich(albums=Album.objects.select_related("artist").order_by("pk"), on_progress=drain)
    seconds = time.perf_counter() - start
    drain()
    return {"seconds": seconds, "artists_seconds": artists_seconds, "albums_seconds": seconds - artists_seconds,
            "recorded": recorded, "metrics": metric_delta(before, metric_snapshot()),
            "results": (by_artists, by_albums)}


def provider_totals(results) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for result in results:
        for summary in result.providers.values():
            total = totals.setdefault(summary.provider, {"calls": 0, "facts": 0, "warnings": 0, "available": 1})
            total["calls"] += summary.calls
            total["facts"] += summary.facts
            total["warnings"] += len(summary.warnings)
            total["available"] &= int(summary.available)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artists", type=int, default=1_000)
    parser.add_argument("--albums-per-artist", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="Delay of every answer of the fake.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mj-bench-enrichment-") as tmp:
        os.environ.update({"JOURNAL_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings",
                           "SEED_DEMO": "false", "LOG_LEVEL": "ERROR"})  # a not-found is a logged warning
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        # migrated by another process, as bench/import_history.py does: loading every migration
        # would add ~12 MB to this process's peak that enrichment never needs
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=dict(os.environ), check=True)
        run(args)


def run(args) -> None:
    import django

    django.setup()
    setup_mb = peak_mb()  # Django and every client library (openai, spotipy, pylast…) imported by the apps
    from django.conf import settings
    from django.db import connection

    from catalog.models import Album, Artist
    from enrichment.models import Fact
    from enrichment.providers import providers_get
    from tests.fakes.server import SERVICES as FAKE_SERVICES
    from tests.fakes.server import FakeServices

    fake = FakeServices().start()
    try:
        for name, value in fake.settings().items():
            setattr(settings, name, value)
        settings.ENRICHMENT_RATE_LIMIT_LASTFM = ""  # the fake has no quota
        settings.ENRICHMENT_RATE_LIMIT_DISCOGS = ""
        for service in FAKE_SERVICES:
            fake.delay(service, args.latency_ms / 1000)

        library_create(args.artists, args.albums_per_artist)
        library_mb = peak_mb()
        cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"setup: {connection.vendor} database, {cache_backend}, {args.latency_ms:g} ms a request, "
              f"parallel providers: {settings.ENRICHMENT_PARALLEL}")
        print(f"providers: {', '.join(provider.id for provider in providers_get())}")
        print(f"artists: {Artist.objects.count():,}")
        print(f"albums: {Album.objects.count():,}")
        print(f"memory after django.setup MB: {setup_mb:.0f}")
        print(f"memory with the library loaded MB: {library_mb:.0f}")

        passes = [run_pass(fake, label="pass 1"), run_pass(fake, label="pass 2")]
    finally:
        fake.stop()

    for number, done in enumerate(passes, start=1):
        print(f"pass {number} seconds: {done['seconds']:.1f}")
        print(f"pass {number} artists seconds: {done['artists_seconds']:.1f}")
        print(f"pass {number} albums seconds: {done['albums_seconds']:.1f}")
    services = sorted({s for done in passes for s in done["recorded"]}
                      | {s for done in passes for s, m in done["metrics"].items() if any(m.values())})
    for number, done in enumerate(passes, start=1):
        print(f"pass {number} requests recorded by the fake: {sum(done['recorded'].values()):,}")
        for service in services:
            print(f"pass {number} requests to {service} (recorded by the fake): {done['recorded'][service]:,}")
            metric = done["metrics"].get(service, {})
            print(f"pass {number} requests to {service} (ServiceMetric delta): {metric.get('requests', 0):,}")
    print(f"services not asked: {', '.join(s for s in FAKE_SERVICES if s not in services) or 'none'}")
    for number, done in enumerate(passes, start=1):
        for provider, total in provider_totals(done["results"]).items():
            if not total["available"]:
                print(f"pass {number} {provider}: not available")
                continue
            print(f"pass {number} {provider} calls (as the provider reports them): {total['calls']:,}")
            print(f"pass {number} {provider} facts: {total['facts']:,}")

    hits = misses = 0
    for service in services:
        metric = passes[1]["metrics"].get(service, dict.fromkeys(METRIC_FIELDS, 0))
        hits, misses = hits + metric["cache_hits"], misses + metric["cache_misses"]
        lookups = metric["cache_hits"] + metric["cache_misses"]
        if lookups:
            print(f"pass 2 cache hit rate {service} %: {100 * metric['cache_hits'] / lookups:.1f}")
    rate = hits / (hits + misses) if hits + misses else None
    print(f"pass 2 cache lookups: {hits + misses:,}")
    print(f"pass 2 cache hit rate %: {'n/a' if rate is None else f'{100 * rate:.1f}'}")
    peak = peak_mb()
    print(f"peak memory MB: {peak:.0f}")
    print(f"peak memory above django.setup MB: {peak - setup_mb:.0f}")

    for number, done in enumerate(passes, start=1):
        print(f"pass {number} facts stored: {sum(result.facts for result in done['results']):,}")
    print(f"fact rows in the database: {Fact.objects.count():,}")
    warnings = [w for done in passes for result in done["results"] for w in result.warnings]
    for number, done in enumerate(passes, start=1):
        print(f"pass {number} warnings: {sum(len(result.warnings) for result in done['results']):,}")
    for number, done in enumerate(passes, start=1):
        print(f"pass {number} notes: {sum(len(result.notes) for result in done['results']):,}")
    for warning in warnings[:3]:
        print(f"warning: {warning}")
    print(f"peak memory under {TARGET_MB} MB: {'yes' if peak < TARGET_MB else 'no'}")
    over = rate is not None and rate > TARGET_HIT_RATE
    print(f"pass 2 cache hit rate over {TARGET_HIT_RATE:.0%}: {'yes' if over else 'no'}")


if __name__ == "__main__":
    main()
