"""The track page of the most played track, and the API's read endpoints answered in full and as a
304 (If-None-Match), at scale: server time and SQL queries, cold and warm, without and with planner
statistics (as bench/pages.py, whose seeding and measuring it reuses). Aim: the page ≤ 50 ms cold;
a 304 a fraction of its 200.
Run: .venv/bin/python bench/track_page.py --data-dir DIR [--runs 10]   (DIR: a copy, it gets ANALYZEd)
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pages import TARGET_MS, measure, seeded_library, statistics_state  # noqa: E402


def revalidation(client, url: str, runs: int) -> tuple[float, float, int, int]:
    """(ms of a 200, ms of a 304, queries of each) of GET `url`, the 304 with the 200's ETag."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def timed(**headers):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, headers=headers)
        return (time.perf_counter() - start) * 1000, response, len(queries)

    full = [timed() for _ in range(runs)]
    etag = full[-1][1]["ETag"]
    again = [timed(if_none_match=etag) for _ in range(runs)]
    if any(r.status_code != 304 for _, r, _ in again):
        sys.exit(f"{url} did not answer 304 to its own ETag")
    median = statistics.median
    return median(t for t, _, _ in full), median(t for t, _, _ in again), full[-1][2], again[-1][2]


def run(args) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.models import ApiToken
    from tracker.models import TrackTotal

    user, _ = get_user_model().objects.get_or_create(username="bench-pages", defaults={"is_staff": True})
    browser = Client()
    browser.force_login(user)
    _token, raw = ApiToken.issue(user=user, name="bench")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    top = TrackTotal.objects.order_by("-plays", "track_id").first()
    print(f"most played track: {top.track_id} ({top.plays:,} plays)")
    reads = [f"/api/v1/tracks/{top.track_id}", f"/api/v1/artists/{top.artist_id}", f"/api/v1/albums/{top.album_id}",
             "/api/v1/history/tracks", "/api/v1/analytics/top?period=all", "/api/v1/collection/albums"]
    over = []
    for state in ("none", "analyzed"):
        statistics_state(state)
        print(f"-- planner statistics: {state}")
        cold, warm, queries, _ = measure(browser, f"/tracks/{top.track_id}/", args.runs)
        print(f"track page: cold {cold:.1f} ms, warm {warm:.1f} ms, {queries} queries")
        if cold > TARGET_MS:
            over.append(state)
        for url in reads:
            full, not_modified, full_queries, short_queries = revalidation(api, url, args.runs)
            print(f"{url}: 200 {full:.1f} ms ({full_queries} queries), 304 {not_modified:.1f} ms "
                  f"({short_queries} queries)")
    print(f"track page over {TARGET_MS} ms: {', '.join(over) if over else 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with seeded_library(args):
        run(args)


if __name__ == "__main__":
    main()
