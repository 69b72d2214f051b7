"""Backups and restore: a consistent copy while plays are written, rotation, a restore that checks first,
keeps the current database and puts the backup back row for row; pg_dump when PostgreSQL runs.

Tests that copy the suite's database are transactional: a backup reads what is committed, as it
does in production (SQLite's backup API waits for a connection's open write transaction).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_q.models import Schedule

from catalog.models import Artist, CollectionItem
from core.selectors.backups import backup_list
from core.services import backups as backups_service
from core.services.backups import (
    BackupFailed,
    backup_create,
    backup_restore,
    backups_rotate,
    postgresql_dump,
    sqlite_file_backup,
)
from core.tasks import database_backup_task
from tests.factories import (
    make_album,
    make_artist,
    make_copy,
    make_listening_history,
    make_scrobble,
    make_track,
    utc,
)

ROOT = Path(__file__).resolve().parent.parent.parent
NIGHT = utc(2026, 12, 2, 3, 30)


@pytest.fixture
def backup_folder(settings, tmp_path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def every_row() -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order: what a restore must give back exactly."""
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def a_library():
    plays = make_listening_history(plays_per_day=6, days=4)
    make_copy(plays[0].album, instance_id=7, folder_name="Vinyl")
    return plays


def more_plays():
    track = make_track("Hyperballad", make_album("Post", make_artist("Björk"), year=1995), number=3)
    for minute in range(3):
        make_scrobble(track, utc(2026, 1, 5, 12, minute * 6))


def sqlite_rows(path: Path, query: str) -> list[tuple]:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


# --- a consistent copy while the app writes ------------------------------------------------
def standalone_database(path: Path, rows: int) -> None:
    """A SQLite file in WAL mode, as the app keeps it, with plays enough to take many backup steps."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE tracker_scrobble (id INTEGER PRIMARY KEY, track_id INTEGER NOT NULL, "
               "played_at TEXT NOT NULL UNIQUE, source TEXT NOT NULL)")
    db.execute("BEGIN")
    db.executemany("INSERT INTO tracker_scrobble (track_id, played_at, source) VALUES (?, ?, 'lastfm')",
                   ((n % 500, f"2020-01-01 {n:012d}") for n in range(rows)))
    db.execute("COMMIT")
    db.close()


def test_it_copies_a_consistent_snapshot_while_plays_are_written(tmp_path):
    live, copy = tmp_path / "journal.sqlite3", tmp_path / "copy.sqlite3"
    standalone_database(live, rows=20_000)
    committed: list[int] = []
    stop = threading.Event()

    def writer():  # an import: one play a transaction, as fast as it goes
        db = sqlite3.connect(live, timeout=10, isolation_level=None)
        n = 0
        while not stop.is_set():
            cursor = db.execute("INSERT INTO tracker_scrobble (track_id, played_at, source) VALUES (?, ?, 'spotify')",
                                (n, f"2026-12-02 {n:012d}"))
            committed.append(cursor.lastrowid)
            n += 1
        db.close()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    steps: list[int] = []
    written_during_backup: list[int] = []

    def progress(done: int, total: int) -> None:
        if not steps:  # hold the backup after its first step until the import has committed more plays
            mark = len(committed)
            deadline = time.monotonic() + 10
            while len(committed) < mark + 50 and time.monotonic() < deadline:
                time.sleep(0.001)
            written_during_backup.append(len(committed) - mark)
        steps.append(done)

    try:
        while len(committed) < 50:
            time.sleep(0.001)
        before = {row[0] for row in sqlite_rows(live, "SELECT id FROM tracker_scrobble")}
        sqlite_file_backup(source=live, target=copy, on_progress=progress, step_pages=8)
    finally:
        stop.set()
        thread.join(timeout=10)

    assert written_during_backup[0] >= 50  # the import was never held up by the backup
    assert len(steps) > 10 and steps == sorted(steps)  # step by step, and never started over
    assert sqlite_rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert sqlite_rows(copy, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    copied = {row[0] for row in sqlite_rows(copy, "SELECT id FROM tracker_scrobble")}
    assert before <= copied  # every play committed before the backup began
    assert max(copied) < committed[-1]  # a snapshot: what came in during the copy is not half in it
    assert len(copied) == len({row[0] for row in sqlite_rows(copy, "SELECT played_at FROM tracker_scrobble")})


WRITER = """
import itertools
from datetime import UTC, datetime, timedelta
from tracker.services.ingest import Play, scrobble_ingest
start = datetime(2024, 1, 1, tzinfo=UTC)
for n in itertools.count():
    played_at = start + timedelta(minutes=5 * n)
    play = Play(artist=f"Artist {n % 7}", title=f"Song {n}", album=f"Album {n % 3}", played_at=played_at)
    scrobble_ingest(plays=[play], source="lastfm")
"""


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_commands_back_up_while_an_import_writes_then_restore_it(tmp_path):
    """Real processes on a real file, as in production: an import writing through the one ingest path,
    `manage.py backup` beside it, then `manage.py restore` once it has stopped."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "JOURNAL_DATA_DIR": str(tmp_path),
           "BACKUP_DIR": str(tmp_path / "backups"), "REDIS_URL": "", "BACKGROUND_NICENESS": "0"}
    env.pop("DATABASE_URL", None)  # its own SQLite file, whatever the suite runs on
    live = tmp_path / "journal.sqlite3"
    assert manage(env, "migrate", "--noinput", "-v", "0").returncode == 0

    def play_ids() -> list[int]:
        return [row[0] for row in sqlite_rows(live, "SELECT id FROM tracker_scrobble ORDER BY id")]

    writer = subprocess.Popen([sys.executable, "manage.py", "shell", "-c", WRITER], cwd=ROOT, env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(play_ids()) < 30:
            assert time.monotonic() < deadline and writer.poll() is None, "the import did not start"
            time.sleep(0.1)
        before = set(play_ids())
        backed_up = manage(env, "backup")
        during = len(play_ids())
    finally:
        os.killpg(writer.pid, signal.SIGTERM)
        writer.wait(timeout=10)

    assert backed_up.returncode == 0, backed_up.stderr
    assert backed_up.stdout.startswith("Backed up to ") and len(backed_up.stdout.strip().splitlines()) == 1
    assert during > len(before)  # the import kept writing while the backup ran
    (copy,) = (tmp_path / "backups").iterdir()
    assert sqlite_rows(copy, "PRAGMA integrity_check") == [("ok",)]
    copied = {row[0] for row in sqlite_rows(copy, "SELECT id FROM tracker_scrobble")}
    assert before <= copied

    refused = manage(env, "restore", str(copy))
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "Would replace the sqlite database" in refused.stderr and "--force" in refused.stderr
    latest = play_ids()
    assert set(latest) > copied  # the refusal changed nothing

    restored = manage(env, "restore", str(copy), "--force")
    assert restored.returncode == 0, restored.stderr
    query = "SELECT * FROM tracker_scrobble ORDER BY id"
    assert sqlite_rows(live, query) == sqlite_rows(copy, query)
    assert sqlite_rows(live, "SELECT * FROM catalog_track ORDER BY id") == sqlite_rows(
        copy, "SELECT * FROM catalog_track ORDER BY id")
    (kept,) = (tmp_path / "backups").glob("*-before-restore.sqlite3")
    assert [row[0] for row in sqlite_rows(kept, "SELECT id FROM tracker_scrobble ORDER BY id")] == latest


# --- backup ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_it_backs_up_under_its_utc_time_with_the_databases_own_tool(backup_folder):
    plays = a_library()
    result = backup_create(now=NIGHT)

    if connection.vendor == "postgresql":  # pg_dump, custom format
        assert result.backup.name == "journal-2026-12-02T033000Z.dump"
        assert result.backup.path.read_bytes()[:5] == b"PGDMP"
        listing = subprocess.run(["pg_restore", "--list", str(result.backup.path)], capture_output=True, text=True,
                                 check=True).stdout
        assert "TABLE DATA public tracker_scrobble" in listing
    else:
        assert result.backup.name == "journal-2026-12-02T033000Z.sqlite3"
        assert sqlite_rows(result.backup.path, "PRAGMA integrity_check") == [("ok",)]
        assert sqlite_rows(result.backup.path, "SELECT count(*) FROM tracker_scrobble") == [(len(plays),)]
    assert [backup.name for backup in backup_list()] == [result.backup.name]
    assert result.backup.size == result.backup.path.stat().st_size > 0
    assert result.backup.created_at == NIGHT
    assert result.backup.path.stat().st_mode & 0o777 == 0o600  # for the owner only, as the database's secrets
    assert not list(backup_folder.glob(".*"))  # no partial copy left behind
    assert result.summary().startswith(f"Backed up to {result.backup.path} (")


@pytest.mark.django_db(transaction=True)
def test_the_backup_command_ends_with_a_one_line_summary(backup_folder, capsys):
    a_library()
    call_command("backup")
    out = capsys.readouterr().out
    assert out.startswith(f"Backed up to {backup_folder}") and len(out.strip().splitlines()) == 1
    assert len(backup_list()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_backup_rotates_the_older_ones(backup_folder, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY = 2, 0
    a_library()
    made = [backup_create(now=NIGHT + timedelta(days=day)) for day in range(3)]
    assert made[-1].removed == [made[0].backup.name]
    assert [backup.name for backup in backup_list()] == [made[2].backup.name, made[1].backup.name]


@pytest.mark.django_db
def test_it_says_in_one_line_when_pg_dump_is_missing(backup_folder, monkeypatch):
    monkeypatch.setattr(backups_service.shutil, "which", lambda name: None)
    with pytest.raises(BackupFailed) as failed:
        postgresql_dump(settings_dict={"NAME": "journal", "HOST": "127.0.0.1", "OPTIONS": {}},
                        target=backup_folder / "x.dump")
    message = str(failed.value)
    assert message.startswith("pg_dump is not installed: install the PostgreSQL client tools") and "\n" not in message
    if connection.vendor == "postgresql":  # the command itself, on the database the suite runs on
        with pytest.raises(CommandError, match=r"^pg_dump is not installed: [^\n]*$"):
            call_command("backup")
        assert not backup_folder.exists() or not list(backup_folder.iterdir())


def backup_settings_under(tmp_path, **variables) -> tuple[str, int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKUP_")}
    env.update(JOURNAL_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="config.settings", **variables)
    code = ("import runpy; g = runpy.run_path('config/settings.py'); "
            "print(g['BACKUP_DIR'], g['BACKUP_KEEP_DAILY'], g['BACKUP_KEEP_WEEKLY'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                         check=True).stdout.split()
    return out[0], int(out[1]), int(out[2])


def test_the_backup_settings_have_working_defaults(tmp_path):
    default = (str(tmp_path / "data" / "backups"), 7, 4)
    assert backup_settings_under(tmp_path) == default
    assert backup_settings_under(tmp_path, BACKUP_DIR="") == default  # as .env.example leaves it
    assert backup_settings_under(tmp_path, BACKUP_DIR="/mnt/usb/journal", BACKUP_KEEP_DAILY="14",
                                 BACKUP_KEEP_WEEKLY="0") == ("/mnt/usb/journal", 14, 0)
    assert backup_settings_under(tmp_path, BACKUP_DIR="elsewhere")[0] == str(ROOT / "elsewhere")


# --- rotation -------------------------------------------------------------------------------
def touch_backups(folder: Path, moments, *, label: str = "") -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for moment in moments:
        name = f"journal-{moment:%Y-%m-%dT%H%M%S}Z{label}.sqlite3"
        (folder / name).write_bytes(b"SQLite format 3\x00")
        names.append(name)
    return names


def test_rotation_keeps_seven_daily_and_four_weekly(backup_folder):
    # Sixty nights of backups up to Wednesday 2 December 2026, and a second one on some days.
    nights = [NIGHT - timedelta(days=day) for day in range(60)]
    touch_backups(backup_folder, nights)
    touch_backups(backup_folder, [night - timedelta(hours=2) for night in nights[::3]])

    removed = backups_rotate()

    kept = [backup.name for backup in backup_list()]
    daily = [f"journal-2026-{month:02d}-{day:02d}T033000Z.sqlite3"
             for month, day in ((12, 2), (12, 1), (11, 30), (11, 29), (11, 28), (11, 27), (11, 26))]
    # The weeks of 30 Nov and 23 Nov already have a daily copy; then each earlier week's Sunday.
    weekly = [f"journal-2026-11-{day:02d}T033000Z.sqlite3" for day in (22, 15, 8, 1)]
    assert kept == daily + weekly
    assert len(removed) == 60 + 20 - 11


def test_rotation_keeps_the_copies_made_before_a_restore_and_other_files(backup_folder, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY = 1, 0
    regular = touch_backups(backup_folder, [NIGHT - timedelta(days=day) for day in range(3)])
    (before_restore,) = touch_backups(backup_folder, [NIGHT - timedelta(days=30)], label="-before-restore")
    (backup_folder / "notes.txt").write_text("mine")
    (backup_folder / ".journal-2026-12-03T033000Z.sqlite3.partial").write_bytes(b"half")

    assert backups_rotate() == regular[1:]
    assert sorted(path.name for path in backup_folder.iterdir()) == sorted(
        [regular[0], before_restore, "notes.txt", ".journal-2026-12-03T033000Z.sqlite3.partial"])


def test_rotation_with_nothing_to_keep_still_keeps_the_newest(backup_folder):
    names = touch_backups(backup_folder, [NIGHT - timedelta(days=day) for day in range(3)])
    assert backups_rotate(keep_daily=0, keep_weekly=0) == names[1:]


# --- schedule -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_backup_runs_every_night():
    declared = next(s for s in django_settings.JOURNAL_SCHEDULES if s["func"] == "core.tasks.database_backup_task")
    assert declared["schedule_type"] == "C" and declared["cron"] == "30 3 * * *"
    assert Schedule.objects.filter(name=declared["name"], func="core.tasks.database_backup_task").exists()


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_makes_a_backup(backup_folder):
    a_library()
    summary = database_backup_task()
    (backup,) = backup_list()
    assert summary.startswith(f"Backed up to {backup.path}")


# --- restore --------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_without_force_in_one_line_and_changes_nothing(backup_folder):
    a_library()
    backup = backup_create(now=NIGHT).backup
    more_plays()
    rows = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(backup.path))

    message = str(refused.value)
    assert message.startswith(f"Would replace the {connection.vendor} database with {backup.path}")
    assert "--force" in message and "\n" not in message
    assert every_row() == rows
    assert [b.name for b in backup_list()] == [backup.name]  # not even the copy of the current database


def foreign_sqlite(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    db.execute("INSERT INTO notes (body) VALUES ('not a journal')")
    db.commit()
    db.close()
    return path


def corrupt(backup: Path) -> Path:
    """Garble a real backup where the plays are: SQLite's integrity check (or pg_restore) must notice."""
    data = bytearray(backup.read_bytes())
    if connection.vendor == "postgresql":
        data[:5] = b"XXXXX"
    else:
        ((root, page_size),) = sqlite_rows(backup, "SELECT rootpage, (SELECT page_size FROM pragma_page_size()) "
                                                   "FROM sqlite_master WHERE name = 'tracker_scrobble'")
        start = (root - 1) * page_size
        data[start:start + page_size] = bytes((n * 37) % 251 for n in range(page_size))
    corrupted = backup.with_name("corrupt-" + backup.name)
    corrupted.write_bytes(bytes(data))
    return corrupted


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["text file", "foreign database", "corrupt backup", "missing file"])
def test_restore_refuses_a_corrupt_or_foreign_file_in_one_line_and_changes_nothing(backup_folder, tmp_path, kind):
    a_library()
    if kind == "text file":
        given = tmp_path / "journal.sqlite3"
        given.write_text("artist,title\nPortishead,Roads\n")
    elif kind == "foreign database":
        given = foreign_sqlite(tmp_path / "other.sqlite3")
    elif kind == "corrupt backup":
        given = corrupt(backup_create(now=NIGHT).backup.path)
    else:
        given = tmp_path / "nowhere.sqlite3"
    listed = [b.name for b in backup_list()]
    rows = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(given), "--force")

    message = str(refused.value)
    assert "\n" not in message
    if kind == "missing file":
        assert message == f"No such file: {given}"
    elif connection.vendor == "postgresql":
        assert message.startswith(f"{given.name} is not a readable pg_dump archive (")
    elif kind == "text file":
        assert message == f"{given.name} is not a SQLite database; nothing was changed."
    elif kind == "foreign database":
        assert message.startswith(f"{given.name} is not a Music Journal database (it has no django_migrations")
    else:
        assert message.startswith(f"{given.name} ") and ("integrity check" in message or "is damaged" in message)
    assert every_row() == rows
    assert [b.name for b in backup_list()] == listed  # checked before anything was touched


@pytest.mark.django_db(transaction=True)
def test_restore_puts_the_backup_back_row_for_row_and_keeps_the_current_database(backup_folder):
    a_library()
    original = every_row()
    backup = backup_create(now=NIGHT).backup
    # Then life goes on: new plays, a renamed artist, a copy sold.
    more_plays()
    Artist.objects.filter(name="Portishead").update(name="Portishead (renamed)")
    CollectionItem.objects.all().delete()
    changed = every_row()
    assert changed != original

    result = backup_restore(path=backup.path)

    assert every_row() == original
    assert result.plays == len(original["tracker_scrobble"])
    assert result.kept.before_restore and result.kept.name.endswith(
        "-before-restore.dump" if connection.vendor == "postgresql" else "-before-restore.sqlite3")
    assert not result.migrations_pending
    # The database as it was before the restore can itself be restored.
    backup_restore(path=result.kept.path)
    assert every_row() == changed


@pytest.mark.django_db(transaction=True)
def test_the_restore_command_ends_with_a_one_line_summary(backup_folder, capsys):
    a_library()
    backup = backup_create(now=NIGHT).backup
    call_command("restore", str(backup.path), "--force")
    out = capsys.readouterr().out
    assert out.startswith(f"Restored {backup.name} (24 plays)") and len(out.strip().splitlines()) == 1
