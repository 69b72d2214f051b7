"""Search latency: the one selector (playlists.selectors.search, every kind, 10 hits each) for
common prefixes, rare words, accented, CJK and unmatched queries, on a library of 1,000,000 plays.

Works on a COPY of a seeded library (it migrates it, which builds the search indexes):
    cp -r /tmp/big /tmp/me/ && .venv/bin/python bench/search.py --data-dir /tmp/me/big
    .venv/bin/python bench/search.py --database-url postgres://postgres@127.0.0.1:5432/journal_bench
Prints one figure per line: each query's median, then the median and p99 over all. Aim: median ≤ 30 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {"common prefix (2)": "th", "common prefix (3)": "the", "common word": "love", "rare word": "kyoto",
           "accented": "sigrun", "accented full": "aurélie mäkelä", "CJK": "坂本", "CJK (3)": "坂本龍",
           "no match": "zzqxw", "no match (2)": "qz"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if args.data_dir:
        os.environ["JOURNAL_DATA_DIR"] = args.data_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Artist, Track
    from playlists.selectors.search import search
    from tracker.models import Scrobble

    call_command("migrate", verbosity=0)
    if not Artist.objects.filter(name="坂本龍一").exists():  # the generated library has no CJK name
        Artist.objects.create(name="坂本龍一")
    print(f"database: {connection.vendor}, {Scrobble.objects.count():,} plays, {Track.objects.count():,} tracks")
    every = []
    for label, q in QUERIES.items():
        search(q=q)  # warm the page cache and the statements
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            search(q=q)
            times.append((time.perf_counter() - start) * 1000)
        every += times
        print(f"search {label} {q!r}: median {statistics.median(times):.1f} ms")
    every.sort()
    print(f"search median over all queries: {statistics.median(every):.1f} ms")
    print(f"search p99 over all queries: {every[min(len(every) - 1, int(len(every) * 0.99))]:.1f} ms")


if __name__ == "__main__":
    main()
