"""ListenBrainz-compatible submission speed over loopback HTTP: imports of 1,000 listens, then `single` under load.

Migrates a temporary data folder (SQLite, or a new PostgreSQL database with --database-url; or a
copy of an existing data folder with --library, e.g. /tmp/big for a million plays), issues a
personal token, serves the app with gunicorn (2 workers, DEBUG=0) and then:

1. sends IMPORTS `import` submissions of 1,000 listens each, one after the other (a realistic
   catalogue: a new track about every fourth listen) — plays/s and p50/max per request;
2. runs CLIENTS clients that each send one `single` listen after the other for SECONDS —
   requests/s, p50, p99 and max latency, and errors (none expected).

Then checks that every listen was stored exactly once. The request limit is lifted
(LISTENBRAINZ_RATE_LIMIT=""): this measures the server, not the limit. Prints one figure a line.
Run: .venv/bin/python bench/listenbrainz.py [--imports 20] [--clients 4] [--seconds 20]
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import requests
from import_history import realistic_catalog  # bench/import_history.py (scripts run from bench/)
from load_during_import import gunicorn_serving  # bench/load_during_import.py
from scratch import scratch_database  # bench/scratch.py

ROOT = Path(__file__).resolve().parent.parent
IMPORT_SIZE = 1_000
IMPORTS_FROM = int(datetime(2021, 1, 1, tzinfo=UTC).timestamp())  # imports: 2021 onwards, 4 min apart
SINGLES_FROM = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())  # singles: 2024 onwards, never the same second


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def import_documents(count: int, seed: int = 11):
    rng = random.Random(seed)
    tracks = realistic_catalog(rng)
    moment = IMPORTS_FROM
    for _ in range(count):
        payload = []
        for _ in range(IMPORT_SIZE):
            artist, album, title = next(tracks)
            moment += rng.randint(200, 400)
            payload.append({"listened_at": moment, "track_metadata": {
                "artist_name": artist, "track_name": title, "release_name": album,
                "additional_info": {"duration_ms": rng.randint(120_000, 420_000), "submission_client": "bench"}}})
        yield orjson.dumps({"listen_type": "import", "payload": payload})


def run_imports(base: str, headers: dict, count: int) -> dict:
    latencies, errors = [], []
    documents = list(import_documents(count))  # built before the clock starts
    started = time.perf_counter()
    with requests.Session() as session:
        for body in documents:
            began = time.perf_counter()
            answer = session.post(f"{base}/apis/listenbrainz/1/submit-listens", data=body, headers=headers, timeout=120)
            latencies.append((time.perf_counter() - began) * 1000)
            if answer.status_code != 200:
                errors.append(f"HTTP {answer.status_code}: {answer.text[:120]}")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "latencies": sorted(latencies), "errors": errors}


def run_singles(base: str, headers: dict, clients: int, seconds: float) -> dict:
    latencies, errors, sent, lock = [], [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        with requests.Session() as session:
            n = 0
            while time.monotonic() < deadline:
                listened_at = SINGLES_FROM + (n * clients + number) * 240  # each client its own seconds
                n += 1
                meta = {"artist_name": f"Single Artist {rng.randrange(200)}",
                        "track_name": f"Song {rng.randrange(2000)}", "release_name": f"Record {rng.randrange(500)}",
                        "additional_info": {"duration_ms": 240_000, "submission_client": "bench"}}
                body = orjson.dumps({"listen_type": "single",
                                     "payload": [{"listened_at": listened_at, "track_metadata": meta}]})
                began = time.perf_counter()
                try:
                    status = session.post(f"{base}/apis/listenbrainz/1/submit-listens", data=body, headers=headers,
                                          timeout=60).status_code
                except requests.RequestException as error:
                    status = error.__class__.__name__
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    sent[0] += 1
                    if status != 200:
                        errors.append(str(status))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - started, "latencies": sorted(latencies), "errors": errors,
            "sent": sent[0]}


def shell(manage: list[str], env: dict, code: str) -> str:
    """The last line `code` prints, run by `manage.py shell` against the bench's data."""
    out = subprocess.run([*manage, "shell", "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def stored_plays(manage: list[str], env: dict) -> int:
    return int(shell(manage, env, "from tracker.models import Scrobble; "
                                  "print(Scrobble.objects.filter(source='listenbrainz').count())"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--imports", type=int, default=20, help="import submissions of 1,000 listens")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients sending single listens")
    parser.add_argument("--seconds", type=float, default=20, help="how long the single-listen load runs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server to make a scratch database on")
    parser.add_argument("--library", default="", help="a data folder to copy and measure on (e.g. /tmp/big)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mj-lb-") as folder, \
            scratch_database(args.database_url, label="listenbrainz") as database_url:
        if args.library:
            shutil.copytree(args.library, folder, dirs_exist_ok=True)
        env = {**os.environ, "JOURNAL_DATA_DIR": folder, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50,
               "ALLOWED_HOSTS": "127.0.0.1", "JOURNAL_ADMIN_PASSWORD": "bench-password-123", "SEED_DEMO": "0",
               "DJANGO_SETTINGS_MODULE": "config.settings", "LISTENBRAINZ_RATE_LIMIT": ""}
        if database_url:
            env["DATABASE_URL"] = database_url
        manage = [sys.executable, str(ROOT / "manage.py")]
        quiet = {"env": env, "cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], **quiet)
        subprocess.run([*manage, "bootstrap"], **quiet)
        owner = shell(manage, env, "from django.contrib.auth import get_user_model; "
                                   "print(get_user_model().objects.filter(is_superuser=True).order_by('pk')[0])")
        token = subprocess.run([*manage, "create_api_token", owner, "--name", "bench"], env=env, cwd=ROOT,
                               check=True, capture_output=True, text=True).stdout.strip()
        before = stored_plays(manage, env)

        with gunicorn_serving(env, workers=args.workers) as base:
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            check = requests.get(f"{base}/apis/listenbrainz/1/validate-token", headers=headers, timeout=30).json()
            if not check.get("valid"):
                sys.exit(f"validate-token refused the bench token: {check}")

            imports = run_imports(base, headers, args.imports)
            plays = args.imports * IMPORT_SIZE
            ordered = imports["latencies"]
            print(f"import: {args.imports} × {IMPORT_SIZE:,} listens in {imports['seconds']:.1f} s "
                  f"= {plays / imports['seconds']:,.0f} plays/s")
            print(f"import request p50: {statistics.median(ordered):.0f} ms")
            print(f"import request max: {ordered[-1]:.0f} ms")
            print(f"import errors: {len(imports['errors'])}" + (f" (first: {imports['errors'][0]})"
                                                                 if imports["errors"] else ""))

            singles = run_singles(base, headers, args.clients, args.seconds)
            ordered = singles["latencies"]
            print(f"single: {singles['sent']:,} requests from {args.clients} clients in {singles['seconds']:.1f} s "
                  f"= {singles['sent'] / singles['seconds']:.1f} requests/s")
            print(f"single p50: {statistics.median(ordered):.1f} ms")
            print(f"single p99: {percentile(ordered, 0.99):.1f} ms")
            print(f"single max: {ordered[-1]:.1f} ms")
            print(f"single errors: {len(singles['errors'])}" + (f" (first: {singles['errors'][0]})"
                                                                 if singles["errors"] else ""))
        added = stored_plays(manage, env) - before
        expected = plays - len(imports["errors"]) * IMPORT_SIZE + singles["sent"] - len(singles["errors"])
        print(f"stored: {added:,} plays of {expected:,} submitted"
              + ("" if added == expected else f" — {expected - added:,} missing or doubled"))


if __name__ == "__main__":
    main()
