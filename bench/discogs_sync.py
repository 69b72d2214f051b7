"""Discogs sync of a generated collection (default 5,000 copies) against the local fake, no rate limit.

Prints, one figure per line: seconds of the first sync, outside requests it made (expect
ceil(n/100) pages + folders + fields), seconds and requests of a second, unchanged run, and
the catalog counts. Runs on a new SQLite file in a temporary data folder, or with
--database-url on a throw-away PostgreSQL database.
Run: .venv/bin/python bench/discogs_sync.py [--copies 5000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=5_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, \
            scratch_database(args.database_url, label="discogs") as database_url:
        os.environ.update({"JOURNAL_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings"})
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        if database_url:
            os.environ["DATABASE_URL"] = database_url
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from catalog.models import Album, Artist, CollectionItem
        from catalog.services.discogs_sync import discogs_sync
        from tests.fakes.discogs_gen import DiscogsCollection
        from tests.fakes.server import FakeServices

        fake = FakeServices().start()
        try:
            for name, value in fake.settings().items():
                setattr(settings, name, value)
            settings.ENRICHMENT_RATE_LIMIT_DISCOGS = ""
            DiscogsCollection.generate(args.copies, doubles=args.copies // 50).install(fake)

            started = time.perf_counter()
            first = discogs_sync()
            seconds = time.perf_counter() - started
            requests = len(fake.requests_to("discogs"))
            fake.recorded.clear()
            started = time.perf_counter()
            second = discogs_sync()
            rerun_seconds = time.perf_counter() - started
            rerun_requests = len(fake.requests_to("discogs"))
        finally:
            fake.stop()
        from django.db import connection

        print(f"database: {connection.vendor}")
        print(f"copies: {args.copies:,}")
        print(f"sync seconds: {seconds:.2f}")
        print(f"copies/s: {args.copies / seconds:,.0f}")
        print(f"outside requests: {requests} (pages: {math.ceil(args.copies / 100)})")
        print(f"rerun seconds: {rerun_seconds:.2f}")
        print(f"rerun outside requests: {rerun_requests}")
        print(f"rerun changes: {second.counts.albums_updated + second.counts.copies_updated + second.copies_removed}")
        print(f"albums: {Album.objects.count():,}, copies: {CollectionItem.objects.count():,}, "
              f"artists: {Artist.objects.count():,}")
        assert first.complete and CollectionItem.objects.count() == args.copies


if __name__ == "__main__":
    main()
