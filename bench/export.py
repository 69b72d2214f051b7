"""Journal export speed and memory: `manage.py export_journal` in each format over a 1,000,000-play library.

Reads the library at --data-dir (default /tmp/big, as JOURNAL_DATA_DIR; an export only reads it)
and writes each export into a temporary folder under --out-dir, deleted at the end. Each format
runs in a fresh process, so that its figures are its own: the rate (plays/s over the whole
command, database to file) and the time, the size of the file, and the peak resident memory
(ru_maxrss: it includes SQLite's page cache, cache_size = 64 MiB, filled by any read of a large
database; the same process with Django loaded and connected is printed for reference). Then, in
another fresh process each, the peak of the Python allocations (tracemalloc) while the first
100,000 and the first 400,000 plays are exported: the same peak at both sizes is what "never
loads all the plays" means. Prints one figure per line.
Run: .venv/bin/python bench/export.py [--data-dir /tmp/big] [--out-dir /tmp] [--formats csv json listenbrainz]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("csv", "json", "listenbrainz")
HEAP_PLAYS = (100_000, 400_000)


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def worker_export(format: str, out: str) -> dict:
    """Run the command as a user does; its own time, from the first query to the renamed file."""
    _django()
    from django.core.management import call_command

    from tracker.models import Scrobble

    plays = Scrobble.objects.count()
    with open(os.devnull, "w") as devnull:
        started = time.perf_counter()
        call_command("export_journal", "--format", format, out, stdout=devnull, stderr=devnull)
        seconds = time.perf_counter() - started
    return {"plays": plays, "seconds": seconds, "bytes": os.path.getsize(out), "maxrss_mib": _maxrss_mib()}


def worker_heap(format: str, plays: int) -> dict:
    """The peak of Python allocations while the first `plays` plays are exported (chunks dropped)."""
    _django()
    import tracemalloc

    from web.journal_export import journal_export

    tracemalloc.start()
    export = journal_export(format=format)
    for _chunk in export.chunks:
        if export.counts["plays"] >= plays:
            break
    _, peak = tracemalloc.get_traced_memory()
    return {"plays": export.counts["plays"], "peak_mib": peak / (1 << 20)}


def worker_baseline() -> dict:
    _django()
    return {"maxrss_mib": _maxrss_mib()}


def _run(env: dict, *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--worker", *args], env=env, check=True,
                            capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="/tmp/big")
    parser.add_argument("--out-dir", default=tempfile.gettempdir())
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "export":
            print(json.dumps(worker_export(rest[0], rest[1])))
        elif kind == "heap":
            print(json.dumps(worker_heap(rest[0], int(rest[1]))))
        else:
            print(json.dumps(worker_baseline()))
        return

    if not (Path(args.data_dir) / "journal.sqlite3").exists() and not os.environ.get("DATABASE_URL"):
        sys.exit(f"No library at {args.data_dir} (seed one with bench/pages.py --data-dir DIR)")
    env = {**os.environ, "JOURNAL_DATA_DIR": str(Path(args.data_dir).resolve()), "DEBUG": "0"}
    out_dir = Path(tempfile.mkdtemp(prefix="export_bench_", dir=args.out_dir))
    try:
        baseline = _run(env, "baseline")
        print(f"process with Django loaded and connected, peak RSS: {baseline['maxrss_mib']:.0f} MiB")
        for format in args.formats:
            out = out_dir / f"journal.{format}"
            figures = _run(env, "export", format, str(out))
            out.unlink()
            print(f"{format}: plays exported: {figures['plays']:,}")
            print(f"{format}: export rate: {figures['plays'] / figures['seconds']:,.0f} plays/s")
            print(f"{format}: export time: {figures['seconds']:.1f} s")
            print(f"{format}: file size: {figures['bytes'] / 1e6:,.1f} MB")
            print(f"{format}: peak RSS: {figures['maxrss_mib']:.0f} MiB")
            for plays in HEAP_PLAYS:
                heap = _run(env, "heap", format, str(plays))
                print(f"{format}: Python heap peak over the first {heap['plays']:,} plays: {heap['peak_mib']:.1f} MiB")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
