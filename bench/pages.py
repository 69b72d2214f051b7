"""Server time and SQL queries of the history pages at scale: `/`, `/journal/`, `/timeline/`.

Seeds `seed_demo --scrobbles N` (default 1,000,000) into a temporary data folder, or reuses
the one given by --data-dir (seeding it first when it holds no plays), then requests each
page through the Django test client, in-process, as a logged-in user: one warm-up, then the
median of --runs requests. Prints one figure per line: milliseconds and queries per page,
a few journal filters, and the journal's query count at several page sizes (it must not grow).
Run: .venv/bin/python bench/pages.py [--data-dir DIR] [--scrobbles N] [--runs 10]
     [--database-url postgres://postgres@127.0.0.1:5432/journal_bench]  (used as it is)
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50


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
        subprocess.run([*manage, "seed_demo", "--scrobbles", str(scrobbles)], env=env, check=True,
                       stdout=subprocess.DEVNULL)


def measure(client, url: str, runs: int) -> tuple[float, int, int]:
    """(median ms, queries of one request, status) of GET `url`, after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return statistics.median(timings), len(captured), response.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="", help="Reuse this data folder (seeded when empty).")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", default="", help="Measure this PostgreSQL database instead of SQLite.")
    args = parser.parse_args()

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
        run(args)
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

    from tracker.models import Scrobble
    from tracker.selectors import journal

    user, _ = get_user_model().objects.get_or_create(username="bench-pages", defaults={"is_staff": True})
    client = Client()
    client.force_login(user)
    newest = Scrobble.objects.order_by("-played_at").select_related("artist").first()
    busy_day = newest.local_date.isoformat() if newest else ""
    first_page = journal.journal_page(filters=journal.JournalFilters())
    last_of_four_chunks = journal.journal_page(filters=journal.JournalFilters(), limit=200).plays[-1]

    print(f"database: {connection.vendor}")
    print(f"scrobbles: {Scrobble.objects.count():,}")
    pages = [
        ("dashboard /", "/"),
        ("journal /journal/", "/journal/"),
        ("timeline /timeline/", f"/timeline/?date={busy_day}"),
    ]
    extra = [
        ("journal next chunk (htmx)", f"/journal/?more={first_page.next_cursor}"),
        ("journal reloaded after 4 chunks (until=)", f"/journal/?until={journal.encode_cursor(last_of_four_chunks)}"),
        ("journal ?artist=", f"/journal/?artist={newest.artist_id}" if newest else "/journal/"),
        ("journal ?source=spotify", "/journal/?source=spotify"),
        ("journal ?loved=1", "/journal/?loved=1"),
        ("journal ?from=&to= (one month)",
         f"/journal/?from={newest.local_date.replace(day=1)}&to={newest.local_date}" if newest else "/journal/"),
        ("journal ?q= (text search)", f"/journal/?q={newest.artist.name.split()[0]}" if newest else "/journal/"),
    ]
    over = []
    for label, url in pages + extra:
        headers = {"HTTP_HX_REQUEST": "true"} if "more=" in url else {}
        client.defaults.update(headers)
        ms, queries, status = measure(client, url, args.runs)
        for key in headers:
            client.defaults.pop(key)
        if status != 200:
            sys.exit(f"{url} answered {status}")
        print(f"{label} ms: {ms:.1f}")
        print(f"{label} queries: {queries}")
        if (label, url) in pages and ms > TARGET_MS:
            over.append(label)
    for size in (10, 50, 200):
        journal.PAGE_SIZE = size
        _ms, queries, _status = measure(client, "/journal/", 1)
        print(f"journal queries at page size {size}: {queries}")
    print(f"pages over {TARGET_MS} ms: {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
