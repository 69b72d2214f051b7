"""Server time and SQL queries of every history page at scale, cold and warm, without and with
planner statistics.

Seeds `seed_demo --scrobbles N` (default 1,000,000 over 15 years, with a catalog of 5,000
artists, 20,000 albums and 150,000 tracks) into a temporary data folder, or reuses the one
given by --data-dir (seeding it first when it holds no plays), then requests each page through
the Django test client, in-process, as a logged-in user. Cold: the median of --runs requests,
each after the shared page cache was cleared (as after a new play); warm: the median of --runs
requests in a row. On SQLite, first with no statistics (a fresh database), then after the
app's daily `database_optimize` (ANALYZE); PostgreSQL always has them. Aim: every figure ≤ 50 ms.
Run: .venv/bin/python bench/pages.py [--data-dir DIR] [--scrobbles N] [--runs 10] [--only LABEL]
     [--database-url postgres://postgres@127.0.0.1:5432/journal_bench]  (used as it is)
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50
ANALYTICS = [("analytics", "/analytics/"), ("habits", "/analytics/habits/"), ("shelf & sound", "/analytics/shelf/")]


def prepare(data_dir: Path, scrobbles: int, env: dict) -> None:
    """Migrate, and seed the demo library unless the database already holds plays."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    count = subprocess.run(
        [*manage, "shell", "-c", "from tracker.models import Scrobble; print(Scrobble.objects.count())"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    if int(count) < scrobbles:
        print(f"seeding {scrobbles:,} scrobbles into {data_dir} …", file=sys.stderr)
        catalog = ["--artists", "5000", "--albums", "20000", "--tracks", "150000", "--copies", "2000",
                   "--days", str(15 * 365)]
        subprocess.run([*manage, "seed_demo", "--scrobbles", str(scrobbles), *catalog], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def measure(client, url: str, runs: int) -> tuple[float, float, int, int]:
    """(cold ms, warm ms, queries of a cold request, status) of GET `url`: cold is the median of
    `runs` requests each made after the shared page cache was cleared (as after a new play),
    warm the median of `runs` requests right after one another."""
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def timed() -> float:
        start = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        return (time.perf_counter() - start) * 1000

    cold = []
    for _ in range(runs):
        caches["pages"].clear()
        cold.append(timed())
    warm = [timed() for _ in range(runs)]
    caches["pages"].clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return statistics.median(cold), statistics.median(warm), len(captured), response.status_code


def statistics_state(state: str) -> None:
    """Drop the planner's statistics ("none") or gather them as the app's daily maintenance does."""
    from django.db import connection

    from core.services.maintenance import database_optimize

    with connection.cursor() as cursor:
        if state == "none" and connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sqlite_stat1")
                cursor.execute("ANALYZE sqlite_schema")  # makes SQLite reload the (now empty) statistics
        elif state == "analyzed":
            database_optimize()
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
    connection.close()  # statistics are read when a connection opens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="", help="Reuse this data folder (seeded when empty).")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="Measure only the pages whose label contains this.")
    parser.add_argument("--database-url", default="", help="Measure this PostgreSQL database instead of SQLite.")
    args = parser.parse_args()

    with seeded_library(args):
        run(args)


@contextmanager
def seeded_library(args):
    """The data folder of --data-dir (or a temporary one) with the generated library seeded into its
    database (or into --database-url's), set in the environment the app reads."""
    temporary = None if args.data_dir else tempfile.TemporaryDirectory()
    data_dir = Path(args.data_dir or temporary.name).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ.update({"JOURNAL_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
                       "ALLOWED_HOSTS": "testserver,localhost", "DEBUG": "false"})
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    try:
        prepare(data_dir, args.scrobbles, dict(os.environ))
        yield
    finally:
        if temporary:
            temporary.cleanup()


def run(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from catalog.models import Album, Artist
    from tracker.models import Scrobble, TrackTotal
    from tracker.selectors import journal
    from tracker.selectors.stats import top_counts

    user, _ = get_user_model().objects.get_or_create(username="bench-pages", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    busy_day = busiest_day()
    top_artist = Artist.objects.get(pk=top_counts(field="artist_id", limit=1)[0][0])
    top_album = Album.objects.get(pk=top_counts(field="album_id", limit=1)[0][0])
    first_page = journal.journal_page(filters=journal.JournalFilters())
    last_year = timezone.localdate().year - 1

    print(f"database: {connection.vendor}")
    print(f"scrobbles: {Scrobble.objects.count():,}; tracks played: {TrackTotal.objects.count():,}")
    print(f"most played artist: {top_artist.name} ({top_artist.pk}); album: {top_album.title} ({top_album.pk})")
    pages = [
        ("dashboard", "/"),
        ("journal", "/journal/"),
        ("journal next chunk", f"/journal/?more={first_page.next_cursor}"),
        ("journal ?artist=", f"/journal/?artist={top_artist.pk}"),
        ("timeline (today)", "/timeline/"),
        (f"timeline (busiest day {busy_day})", f"/timeline/?date={busy_day}"),
        *[(f"{view} {period}", f"{url}?period={period}") for view, url in ANALYTICS
          for period in ("7d", "30d", "90d", "year", str(last_year), "all")],
        (f"year in review {last_year}", f"/analytics/year/{last_year}/"),
        ("collection", "/collection/"),
        ("most played artist", f"/artists/{top_artist.pk}/"),
        ("most played album", f"/albums/{top_album.pk}/"),
    ]
    if args.only:
        pages = [(label, url) for label, url in pages if args.only in label]
    states = ["none", "analyzed"] if connection.vendor == "sqlite" else ["analyzed"]
    over = []
    for state in states:
        statistics_state(state)
        print(f"-- planner statistics: {state}")
        for label, url in pages:
            headers = {"HTTP_HX_REQUEST": "true"} if "more=" in url else {}
            client.defaults.update(headers)
            cold, warm, queries, _status = measure(client, url, args.runs)
            for key in headers:
                client.defaults.pop(key)
            print(f"{label}: cold {cold:.1f} ms, warm {warm:.1f} ms, {queries} queries")
            if max(cold, warm) > TARGET_MS:
                over.append(f"{label} ({state})")
    print(f"pages over {TARGET_MS} ms: {', '.join(over) if over else 'none'}")


def busiest_day():
    """The local day with the most plays."""
    from django.db.models import Sum

    from tracker.models import DayHour

    row = DayHour.objects.values("local_date").annotate(n=Sum("plays")).order_by("-n").first()
    return row["local_date"].isoformat() if row else ""


if __name__ == "__main__":
    main()
