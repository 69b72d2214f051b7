"""Analytics at scale: every view's page and API answer, cold and warm, with its queries.

Seeds (or reuses, with --data-dir) the same generated library as bench/pages.py — 1,000,000 plays
over 15 years by default — then asks, as a logged-in user through the Django test client, for
each analytics page and API endpoint for "last 30 days" and "all time", and for a year in
review, after the app's daily statistics upkeep (SQLite) or as autovacuum left them
(PostgreSQL, with --database-url). Cold: the median of --runs requests each after the pages
cache was cleared; warm: the median of --runs in a row. Aim: every figure ≤ 50 ms.
Run: .venv/bin/python bench/analytics.py [--data-dir DIR] [--scrobbles N] [--runs 5]
     [--database-url postgres://postgres@127.0.0.1:5432/journal_bench]
"""

import argparse
import sys

from pages import ROOT, TARGET_MS, measure, seeded_library, statistics_state  # bench/pages.py (run from bench/)

PERIODS = ("30d", "all")
PAGES = [("overview", "/analytics/?"), ("overview by time", "/analytics/?by=time&"),
         ("habits", "/analytics/habits/?"), ("shelf & sound", "/analytics/shelf/?")]
API = ["top", "over-time", "heatmap", "tags", "labels", "era", "owned-vs-played", "discoveries", "streaks",
       "sessions"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with seeded_library(args):
        run(args)


def run(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tracker.models import Scrobble

    user, _ = get_user_model().objects.get_or_create(username="bench-analytics", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    statistics_state("analyzed")
    last_year = timezone.localdate().year - 1
    urls = [(f"{label} {period}", f"{url}period={period}") for label, url in PAGES for period in PERIODS]
    urls += [(f"API {name} {period}", f"/api/v1/analytics/{name}?period={period}")
             for name in API for period in PERIODS]
    urls += [(f"year in review {last_year}", f"/analytics/year/{last_year}/"),
             (f"API year {last_year}", f"/api/v1/analytics/year/{last_year}")]
    print(f"database: {connection.vendor}; scrobbles: {Scrobble.objects.count():,}")
    over = []
    for label, url in urls:
        cold, warm, queries, status = measure(client, url, args.runs)
        failed = "" if status == 200 else f" (status {status})"
        print(f"{label}: cold {cold:.1f} ms, warm {warm:.1f} ms, {queries} queries{failed}", flush=True)
        if max(cold, warm) > TARGET_MS or status != 200:
            over.append(label)
    print(f"views over {TARGET_MS} ms: {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
