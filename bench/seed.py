"""Demo seeding speed: `manage.py seed_demo --scrobbles N` (default 1,000,000) on a fresh database.

Prints, one figure per line: wall seconds of the command (process start to exit), the peak
memory of the seeding process, and scrobbles per second. Runs on a new SQLite file in a
temporary data folder; with --database-url it creates a throw-away database on that
PostgreSQL server and drops it afterwards.
Run: .venv/bin/python bench/seed.py [--scrobbles N] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent


def run_measured(command: list[str], env: dict) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one child process, read from its own rusage (wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        sys.exit(f"seed_demo failed ({process.returncode}): {output.strip()}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="A PostgreSQL server to measure instead of SQLite.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, \
            scratch_database(args.database_url, label="seed") as database_url:
        env = {**os.environ, "JOURNAL_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        seconds, peak_mb = run_measured([*manage, "seed_demo", "--scrobbles", str(args.scrobbles)], env)
    print(f"database: {'postgresql' if args.database_url else 'sqlite'}")
    print(f"scrobbles: {args.scrobbles:,}")
    print(f"seconds: {seconds:.1f}")
    print(f"peak memory MB: {peak_mb:.0f}")
    print(f"scrobbles/s: {args.scrobbles / seconds:,.0f}")


if __name__ == "__main__":
    main()
