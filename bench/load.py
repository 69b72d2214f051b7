"""The whole journal under a bounded loopback load, with and without a backfill writing.

gunicorn (2 workers) serves a copy of the 1,000,000-play library (SQLite; PostgreSQL with
--database-url, filled by seed_demo when empty). CLIENTS clients ask for one page after the
other — journal, collection, analytics, search (when /search/ exists) and the JSON API — half
of them as a logged-in browser session, half with a personal API token. Two scenarios of
SECONDS each: idle, then while `import_history` writes a generated backfill in batches of
plays. Prints requests/s, p50, p99 and errors per scenario, and the plays the writer stored.

    .venv/bin/python bench/load.py [--library /tmp/big] [--seconds 30] [--clients 4]
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/mj_load
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from import_history import write_history  # bench/import_history.py (scripts run from bench/)
from load_during_import import gunicorn_serving, load, logged_in, report  # bench/load_during_import.py

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-123"
PAGES = ["/journal/", "/collection/", "/analytics/", "/analytics/?period=all"]
SEARCH_PAGES = ["/search/?q=bjork", "/search/?q=the"]
API = ["/api/v1/history/tracks", "/api/v1/collection/albums", "/api/v1/analytics/top", "/api/v1/playlists"]
SEARCH_API = ["/api/v1/search?q=sigur", "/api/v1/search?q=love"]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    run = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True,
                         stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)
    return run.stdout or ""


def play_count(env: dict) -> int:
    return int(manage(env, "shell", "-c", "from tracker.models import Scrobble; print(Scrobble.objects.count())",
                      capture=True).strip().splitlines()[-1])


def token_session(raw: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {raw}"
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", default="/tmp/big", help="a JOURNAL_DATA_DIR to copy (never written)")
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of the SQLite copy")
    parser.add_argument("--seed-scrobbles", type=int, default=100_000, help="plays seeded into an empty PostgreSQL")
    parser.add_argument("--seconds", type=float, default=30, help="length of each scenario")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--backfill-plays", type=int, default=400_000, help="plays the writer may import at most")
    parser.add_argument("--batch", type=int, default=5_000, help="plays per imported file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mj-load-"))
    try:
        lib = folder / "lib"
        if args.database_url:
            lib.mkdir()
        else:
            print(f"copying {args.library} …", file=sys.stderr)
            shutil.copytree(args.library, lib)
        env = {**os.environ, "JOURNAL_DATA_DIR": str(lib), "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50,
               "ALLOWED_HOSTS": "127.0.0.1", "JOURNAL_ADMIN_PASSWORD": PASSWORD, "SEED_DEMO": "0",
               "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": args.database_url}
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "bootstrap")
        if args.database_url and play_count(env) == 0:
            manage(env, "seed_demo", "--scrobbles", str(args.seed_scrobbles))
        manage(env, "collectstatic", "--noinput", "-v", "0")
        raw_token = manage(env, "create_api_token", "admin", "--name", "bench-load", "--read-only",
                           capture=True).strip()
        batches = write_history(folder / "Streaming_History_Audio_bench_0.json", args.backfill_plays,
                                per_file=args.batch)
        database = "PostgreSQL" if args.database_url else "SQLite"
        print(f"database: {database}, {play_count(env):,} plays")

        with gunicorn_serving(env) as base:
            browsers = [logged_in(base, PASSWORD) for _ in range((args.clients + 1) // 2)]
            automations = [token_session(raw_token) for _ in range(args.clients // 2)]
            has_search = browsers[0].get(f"{base}/search/?q=a", timeout=60).status_code == 200
            if not has_search:
                print("search: /search/ answers no page yet, left out")
            # Browsers ask for pages and the API (the session is a login too); tokens ask only the API.
            pages = PAGES + (SEARCH_PAGES if has_search else []) + API + (SEARCH_API if has_search else [])
            api = API + (SEARCH_API if has_search else [])
            for session, paths in [(browsers[0], pages), (automations[0] if automations else browsers[0], api)]:
                for path in paths:  # warm: the first request of each page, and fail early on a broken one
                    status = session.get(f"{base}{path}", timeout=120).status_code
                    if status != 200:
                        sys.exit(f"{path}: HTTP {status} before the load started")

            def both(name: str) -> dict:
                """Both kinds of client at once for SECONDS: each kind's figures, then the sum."""
                until = time.monotonic() + args.seconds
                results = {}
                threads = [threading.Thread(target=lambda: results.__setitem__(
                               "session", load(base, browsers, pages, until=lambda: time.monotonic() > until))),
                           threading.Thread(target=lambda: results.__setitem__(
                               "token", load(base, automations, api, until=lambda: time.monotonic() > until)))]
                for thread in threads[: 2 if automations else 1]:
                    thread.start()
                for thread in threads[: 2 if automations else 1]:
                    thread.join()
                merged = results["session"]
                if "token" in results:
                    token = results["token"]
                    every = merged["requests"] + token["requests"]
                    merged = {**merged, "requests": every, "rps": merged["rps"] + token["rps"],
                              "errors": merged["errors"] + token["errors"]}
                    report(f"{name} token", token)
                report(f"{name} session", results["session"])
                print(f"{name} all: {merged['rps']:.1f} requests/s, errors: {len(merged['errors'])}")
                return merged

            both("idle")

            before = play_count(env)
            writer = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "import_history",
                                       *map(str, batches)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
            started = time.monotonic()
            both("during backfill")
            if writer.poll() is None:
                os.killpg(writer.pid, signal.SIGINT)  # an import is idempotent: stopped mid-way, nothing is lost
                try:
                    writer.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(writer.pid, signal.SIGKILL)
                    writer.wait()
            written = play_count(env) - before
            seconds = time.monotonic() - started
            print(f"backfill writer: {written:,} plays stored in {seconds:.1f} s = {written / seconds:,.0f} plays/s"
                  f" (batches of {args.batch:,}; exit {writer.returncode})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
