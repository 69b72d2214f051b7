"""Backfill speed: the full Last.fm backfill against the local fake (no delay, no rate limit).

Prints plays/s of fetching (real pylast over HTTP), parsing and storing N plays (default
100,000 = 500 pages) into a fresh SQLite database. Run: .venv/bin/python bench/lastfm_backfill.py
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plays", type=int, default=100_000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    os.environ["JOURNAL_DATA_DIR"] = tmp
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from core.services.jobs import job_create
    from tests.fakes.lastfm_history import FakeLastfmHistory
    from tests.fakes.server import FakeServices
    from tracker.models import Scrobble
    from tracker.services.lastfm import BACKFILL_KIND, lastfm_backfill

    fake = FakeServices().start()
    FakeLastfmHistory.generated(args.plays).install(fake)
    for name, value in fake.settings().items():
        setattr(settings, name, value)
    settings.ENRICHMENT_RATE_LIMIT_LASTFM = ""

    start = time.perf_counter()
    lastfm_backfill(job=job_create(kind=BACKFILL_KIND))
    seconds = time.perf_counter() - start
    fake.stop()
    stored = Scrobble.objects.count()
    print(f"plays: {stored:,}")
    print(f"pages: {len(fake.requests_to('lastfm')):,}")
    print(f"seconds: {seconds:.1f}")
    print(f"plays/s: {stored / seconds:,.0f}")


if __name__ == "__main__":
    main()
