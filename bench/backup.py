"""Backup and restore of the 1,000,000-play library: `backup` idle and while an import writes, then `restore`.

Copies the library's SQLite file (--source, /tmp/big/journal.sqlite3 by default; never written) into a
work folder, and runs there, through the same services as the commands: a backup with nothing else
running; a backup while a separate process ingests plays through the one ingest path (plays it
committed during the backup show that writers are never held up); SQLite's integrity check of the
copy (what a restore checks first); and a restore of the copy (staging, checks, the before-restore
copy of the current database, the copy in). Prints one figure per line.
Run: .venv/bin/python bench/backup.py [--source /tmp/big/journal.sqlite3] [--work-dir DIR]
"""

import argparse
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRITER = """
import itertools
from datetime import UTC, datetime, timedelta
from tracker.services.ingest import Play, scrobble_ingest
start = datetime(2025, 6, 1, tzinfo=UTC)
for batch in itertools.count():
    plays = [Play(artist=f"Bench Writer {n % 20}", title=f"Bench Song {batch}-{n}", album="Bench Album",
                  played_at=start + timedelta(minutes=4 * (batch * 100 + n))) for n in range(100)]
    scrobble_ingest(plays=plays, source="listenbrainz", refresh_catalog=False)
"""


def plays_in(path: Path) -> int:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT count(*) FROM tracker_scrobble").fetchone()[0]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="/tmp/big/journal.sqlite3")
    parser.add_argument("--work-dir", default="")
    args = parser.parse_args()
    source = Path(args.source)
    if not source.is_file():
        sys.exit(f"No library at {source}: seed one first (bench/pages.py --data-dir DIR) or pass --source.")
    temporary = None if args.work_dir else tempfile.TemporaryDirectory(prefix="bench-backup-")
    work = Path(args.work_dir or temporary.name).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(source, work)
    finally:
        if temporary:
            temporary.cleanup()


def run(source: Path, work: Path) -> None:
    live = work / "journal.sqlite3"
    for suffix in ("", "-wal"):  # the file and what its WAL still holds; the source is only read
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{live}{suffix}")
    env = {**os.environ, "JOURNAL_DATA_DIR": str(work), "BACKUP_DIR": str(work / "backups"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "BACKGROUND_NICENESS": "0", "REDIS_URL": ""}
    env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from core.services.backups import backup_create, backup_restore

    plays = plays_in(live)
    print(f"database: sqlite, {live.stat().st_size / 2**20:,.0f} MiB, {plays:,} plays")

    started = time.monotonic()
    idle = backup_create()
    print(f"backup, idle: {time.monotonic() - started:.2f} s")
    print(f"backup size: {idle.backup.size / 2**20:,.0f} MiB")
    print(f"backup rate: {idle.backup.size / 2**20 / idle.seconds:,.0f} MiB/s")
    idle.backup.path.unlink()

    writer = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", WRITER], cwd=ROOT, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while plays_in(live) < plays + 1000 and time.monotonic() < deadline:  # the import is under way
            time.sleep(0.2)
        alone, started = plays_in(live), time.monotonic()
        time.sleep(2)
        alone_rate = (plays_in(live) - alone) / (time.monotonic() - started)
        before = plays_in(live)
        started = time.monotonic()
        busy = backup_create()
        seconds = time.monotonic() - started
        during = plays_in(live) - before
    finally:
        os.killpg(writer.pid, signal.SIGTERM)
        writer.wait(timeout=30)
    print(f"backup, while an import writes: {seconds:.2f} s")
    print(f"import rate, alone: {alone_rate:,.0f} plays/s")
    print(f"import rate during that backup: {during / seconds:,.0f} plays/s ({during:,} plays committed)")

    check = sqlite3.connect(busy.backup.path)
    started = time.monotonic()
    intact = check.execute("PRAGMA integrity_check").fetchone()[0]
    print(f"integrity check of the backup: {time.monotonic() - started:.2f} s ({intact})")
    check.close()

    started = time.monotonic()
    restored = backup_restore(path=busy.backup.path)
    print(f"restore (check, before-restore copy, copy in): {time.monotonic() - started:.2f} s, "
          f"{restored.plays:,} plays")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
