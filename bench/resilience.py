"""Overhead of the resilience layer per call, against the local fake services.

Prints, one figure per line (median microseconds over N calls):
  - the bare library call (spotipy `artist()`, a requests SPARQL GET) against the fake;
  - the same call through `resilient_call` (breaker read, metrics UPDATE, politeness);
  - the wrapper's overhead (the difference of the medians);
  - the cache-hit path (`resilient_call` with a stored `cache_key`).
Runs on a fresh SQLite database in a temporary folder with the database cache, or on
REDIS_URL / DATABASE_URL when set. Run: .venv/bin/python bench/resilience.py [-n 500]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="calls per measurement")
    args = parser.parse_args()

    os.environ.setdefault("JOURNAL_DATA_DIR", tempfile.mkdtemp(prefix="mj-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SEED_DEMO", "false")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from tests.fakes import FakeServices

    fake = FakeServices().start()
    for name, value in fake.settings().items():
        setattr(settings, name, value)

    from core.clients.spotify import spotify_client
    from core.clients.wikidata import wikidata_client
    from core.resilience import breaker_reset, resilient_call

    for service in ("spotify", "wikidata"):
        breaker_reset(service=service)
    artist_id = "4Z8W4fKeB5YxbusRsdQVPb"
    spotify = spotify_client()
    session = wikidata_client()

    def spotify_bare():
        return spotify.artist(artist_id)

    def wikidata_bare():
        response = session.get(settings.WIKIDATA_SPARQL_URL, params={"format": "json", "query": "ASK {}"}, timeout=5)
        response.raise_for_status()
        return response.json()

    spotify_bare(), wikidata_bare()  # warm up connections and the token
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"setup: {database} database, {cache_backend}, n={args.n}")

    bare = median_us(spotify_bare, args.n)
    wrapped = median_us(lambda: resilient_call("spotify", spotify_bare, what=artist_id), args.n)
    print(f"spotify bare call median_us: {bare:.0f}")
    print(f"spotify through resilient_call median_us: {wrapped:.0f}")
    print(f"wrapper overhead median_us: {wrapped - bare:.0f}")

    bare = median_us(wikidata_bare, args.n)
    wrapped = median_us(lambda: resilient_call("wikidata", wikidata_bare, what="ASK"), args.n)
    print(f"wikidata bare call median_us: {bare:.0f}")
    print(f"wikidata through resilient_call (one-at-a-time slot) median_us: {wrapped:.0f}")
    print(f"wrapper overhead with a politeness slot median_us: {wrapped - bare:.0f}")

    resilient_call("spotify", spotify_bare, cache_key=f"bench:{artist_id}", ttl_kind="artist", force_refresh=True)
    hit = median_us(lambda: resilient_call("spotify", spotify_bare, cache_key=f"bench:{artist_id}",
                                           ttl_kind="artist"), args.n)
    print(f"cache hit median_us: {hit:.0f}")
    fake.stop()


if __name__ == "__main__":
    main()
