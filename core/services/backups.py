"""Backups of the journal's database, their rotation, and restoring one.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the live file step by step
inside one read transaction, so in WAL mode the app goes on writing and the copy is the database
as it stood when the backup began. PostgreSQL: `pg_dump` (custom format) and `pg_restore`, when the
client tools are installed. Copies go to settings.BACKUP_DIR under their UTC time's name.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient  # builds libpq's environment; no driver import
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from core.selectors.backups import (
    POSTGRESQL_SUFFIX,
    SQLITE_SUFFIX,
    Backup,
    backup_dir,
    backup_find,
    backup_list,
    backup_name,
)

Progress = Callable[[int, int], None]  # (pages copied, pages in all)

STEP_PAGES = 4096  # 16 MiB a step with 4 KiB pages: a progress figure every few tenths of a second
LOCKED_PATIENCE_SECONDS = 60
SQLITE_HEADER = b"SQLite format 3\x00"
# A Music Journal database has at least these (names as strings: the kernel imports no app above it).
JOURNAL_TABLES = ("django_migrations", "core_job", "catalog_artist", "catalog_album", "catalog_track",
                  "tracker_scrobble")
SUPPORTED = ("sqlite", "postgresql")


class BackupFailed(Exception):
    """A backup or restore that could not be made or was refused; the message is one line for the user."""


@dataclass
class BackupResult:
    backup: Backup
    seconds: float
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Backed up to {self.backup.path} ({size_text(self.backup.size)}) in {self.seconds:.1f} s"
        if self.removed:
            text += f"; rotation removed {len(self.removed)} older backup{'s' if len(self.removed) > 1 else ''}"
        return text + "."


@dataclass
class RestoreResult:
    source: Path
    kept: Backup  # the database as it was before the restore
    plays: int
    seconds: float
    migrations_pending: bool

    def summary(self) -> str:
        text = (f"Restored {self.source.name} ({self.plays:,} plays) in {self.seconds:.1f} s; the database as it was "
                f"is kept in {self.kept.path}.")
        if self.migrations_pending:
            text += " The backup is older than this version: run `python manage.py migrate` now."
        return text


def size_text(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError  # unreachable


def _connection():
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in SUPPORTED:
        raise BackupFailed(f"Backups of a {connection.vendor} database are not supported (SQLite and PostgreSQL are).")
    return connection


# --- backup -----------------------------------------------------------------------------
def backup_create(*, now: datetime | None = None, before_restore: bool = False,
                  on_progress: Progress | None = None) -> BackupResult:
    """Copy the database into BACKUP_DIR, named by `now` (UTC), then rotate the regular backups.

    The copy is written under a hidden `.partial` name and renamed when whole, so a backup that
    failed half-way is never listed, downloaded or counted by the rotation.
    """
    started = time.monotonic()
    connection = _connection()
    suffix = SQLITE_SUFFIX if connection.vendor == "sqlite" else POSTGRESQL_SUFFIX
    folder = backup_dir()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupFailed(f"Cannot create the backup folder {folder}: {error.strerror}.") from None
    name = backup_name(created_at=now or timezone.now(), suffix=suffix, before_restore=before_restore)
    if now is None and (folder / name).exists():  # names go by the second: a second backup within it waits
        time.sleep(1.05 - timezone.now().microsecond / 1e6)
        name = backup_name(created_at=timezone.now(), suffix=suffix, before_restore=before_restore)
    target = folder / name
    if target.exists():
        raise BackupFailed(f"A backup named {name} already exists.")
    partial = folder / f".{name}.partial"
    for leftover in (partial, partial.with_name(partial.name + "-journal")):  # of a backup killed half-way
        leftover.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(connection, partial, on_progress=on_progress)
        else:
            postgresql_dump(settings_dict=connection.settings_dict, target=partial)
        partial.chmod(0o600)  # every account's password hash is in it, as in the database itself
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupFailed(f"The backup failed: {_one_line(str(error))}.") from None
    except OSError as error:
        raise BackupFailed(f"The backup could not be written to {folder}: {error.strerror}.") from None
    finally:
        partial.unlink(missing_ok=True)
    removed = [] if before_restore else backups_rotate(spare=name)
    backup = backup_find(name=name)
    return BackupResult(backup=backup, seconds=time.monotonic() - started, removed=removed)


def _sqlite_backup(connection, target: Path, *, on_progress: Progress | None) -> None:
    if connection.is_in_memory_db():  # only Django's own connection can read a private in-memory database
        connection.ensure_connection()
        _sqlite_copy_to_file(connection.connection, target, on_progress=on_progress)
    else:
        sqlite_file_backup(source=Path(connection.settings_dict["NAME"]), target=target, on_progress=on_progress)


def sqlite_file_backup(*, source: Path, target: Path, on_progress: Progress | None = None,
                       step_pages: int = STEP_PAGES) -> None:
    """Copy the SQLite database at `source` into a new single file at `target`, through a read-only
    connection: the live database is only read, and writers are never held up (WAL mode)."""
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        _sqlite_copy_to_file(reader, target, on_progress=on_progress, step_pages=step_pages)
    finally:
        reader.close()


def _sqlite_copy_to_file(source: sqlite3.Connection, target: Path, *, on_progress: Progress | None,
                         step_pages: int = STEP_PAGES) -> None:
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        _sqlite_copy(source, copy, on_progress=on_progress, step_pages=step_pages)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()


def _sqlite_copy(source: sqlite3.Connection, destination: sqlite3.Connection, *, on_progress: Progress | None,
                 step_pages: int = STEP_PAGES) -> None:
    """Copy `source` into `destination` step by step inside one read transaction of `source`.

    Between steps the backup API lets go of the source, and a write by another connection would
    make it start over — for ever, while an import writes. The read transaction pins the snapshot
    instead: in WAL mode writers carry on beside it, and the copy is the database as of its start.
    """
    began = not source.in_transaction
    if began:
        source.execute("BEGIN")
    try:
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts at the first read
        source.backup(destination, pages=step_pages, progress=_progress_guard(on_progress))
    finally:
        if began:
            source.execute("COMMIT")


def _progress_guard(on_progress: Progress | None):
    """The backup API's progress callback: passes the figures on, and gives up on a database that stays locked."""
    locked_since = None

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal locked_since
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            locked_since = locked_since or time.monotonic()
            if time.monotonic() - locked_since > LOCKED_PATIENCE_SECONDS:
                raise BackupFailed(f"The database stayed locked for {LOCKED_PATIENCE_SECONDS} s; nothing was copied.")
            return
        locked_since = None
        if on_progress:
            on_progress(total - remaining, total)

    return progress


# --- rotation ---------------------------------------------------------------------------
def backups_rotate(*, keep_daily: int | None = None, keep_weekly: int | None = None, spare: str = "") -> list[str]:
    """Remove the regular backups no rule keeps; return their names.

    As borg and restic prune: the newest backup of each of the `keep_daily` latest days that have
    one, then of each of the `keep_weekly` latest ISO weeks not already kept by a daily copy (in
    UTC, from the names). The newest backup, `spare` (the one just made) and the copies kept before a
    restore are never removed.
    """
    keep_daily = settings.BACKUP_KEEP_DAILY if keep_daily is None else keep_daily
    keep_weekly = settings.BACKUP_KEEP_WEEKLY if keep_weekly is None else keep_weekly
    regular = [backup for backup in backup_list() if not backup.before_restore]  # newest first
    kept: set[str] = {regular[0].name} if regular and keep_daily + keep_weekly <= 0 else set()
    rules = ((lambda moment: moment.date(), keep_daily), (lambda moment: moment.isocalendar()[:2], keep_weekly))
    for period_of, wanted in rules:
        last_period, count = None, 0
        for backup in regular:
            if count >= wanted:
                break
            period = period_of(backup.created_at)
            if period != last_period:
                last_period = period
                if backup.name not in kept:
                    kept.add(backup.name)
                    count += 1
    removed = []
    for backup in regular:
        if backup.name not in kept and backup.name != spare:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.name)
    return removed


# --- restore ----------------------------------------------------------------------------
def backup_restore_check(*, path: Path) -> str:
    """Check that `path` is an intact Music Journal backup this database can take; describe it in one line.

    SQLite: the file header, `PRAGMA integrity_check`, the journal's tables, and no migration this
    version does not know (a backup from a newer version). PostgreSQL: pg_restore reads the archive's
    table of contents, which must hold the journal's tables.
    """
    connection = _connection()
    _must_be_a_file(path)
    if connection.vendor == "sqlite":
        with _sqlite_staged(path) as staged:
            return _sqlite_check(staged, name=path.name)
    return _postgresql_check(settings_dict=connection.settings_dict, path=path)


def backup_restore(*, path: Path, on_progress: Progress | None = None,
                   on_stage: Callable[[str], None] | None = None) -> RestoreResult:
    """Replace the database with the backup at `path`: check it, keep the current database as a
    `-before-restore` backup, then copy the backup in (one transaction: it lands whole or not at all).
    `on_stage` hears of each stage as it begins.

    Meant for a stopped app: whatever is written meanwhile is not in the restored database.
    """
    started = time.monotonic()
    stage = on_stage or (lambda text: None)
    connection = _connection()
    _must_be_a_file(path)
    if connection.vendor == "sqlite":
        with _sqlite_staged(path) as staged:
            stage(f"checking {path.name}")
            _sqlite_check(staged, name=path.name)
            stage("keeping the current database")
            kept = backup_create(before_restore=True).backup
            stage(f"restoring {path.name}")
            _sqlite_restore(connection, staged, on_progress=on_progress)
    else:
        stage(f"checking {path.name}")
        _postgresql_check(settings_dict=connection.settings_dict, path=path)
        stage("keeping the current database")
        kept = backup_create(before_restore=True).backup
        stage(f"restoring {path.name}")
        connections.close_all()  # pg_restore drops the tables: no session of ours may hold a lock on them
        postgresql_restore(settings_dict=connection.settings_dict, path=path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_scrobble")
        plays = cursor.fetchone()[0]
    executor = MigrationExecutor(connection)
    pending = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return RestoreResult(source=path, kept=kept, plays=plays, seconds=time.monotonic() - started,
                         migrations_pending=pending)


def _must_be_a_file(path: Path) -> None:
    if not path.is_file():
        raise BackupFailed(f"No such file: {path}")


@contextmanager
def _sqlite_staged(path: Path) -> Iterator[Path]:
    """A private copy of the file to check and restore from: what is checked is what is restored, even
    if the file changes meanwhile, and the user's file is never opened for writing."""
    folder = backup_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = folder / f".restore-{os.getpid()}.sqlite3"
    try:
        with path.open("rb") as given:
            if given.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupFailed(f"{path.name} is not a SQLite database; nothing was changed.")
        shutil.copyfile(path, staged)
        yield staged
    finally:
        for leftover in (staged, staged.with_name(staged.name + "-wal"), staged.with_name(staged.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _sqlite_check(staged: Path, *, name: str) -> str:
    try:
        db = sqlite3.connect(staged, isolation_level=None)
        try:
            problems = [line for row in db.execute("PRAGMA integrity_check") for line in row[0].splitlines()
                        if line.strip() and not line.startswith("*** in database")]
            if problems != ["ok"]:
                others = len(problems) - 1
                more = f", and {others:,} more problem{'s' if others > 1 else ''}" if others else ""
                raise BackupFailed(f"{name} fails SQLite's integrity check ({_one_line(problems[0])}{more}); "
                                   "nothing was changed.")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in JOURNAL_TABLES if table not in tables]
            if missing:
                raise BackupFailed(f"{name} is not a Music Journal database (it has no {', '.join(missing)} table); "
                                   "nothing was changed.")
            unknown = _unknown_migrations(db.execute("SELECT app, name FROM django_migrations").fetchall())
            if unknown:
                raise BackupFailed(f"{name} comes from a newer Music Journal (migration {unknown[0]} is unknown here): "
                                   "upgrade first; nothing was changed.")
            plays = db.execute("SELECT count(*) FROM tracker_scrobble").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as error:  # "file is not a database", "database disk image is malformed"
        raise BackupFailed(f"{name} is damaged ({_one_line(str(error))}); nothing was changed.") from None
    return f"SQLite, {plays:,} plays, intact"


def _unknown_migrations(applied: list[tuple[str, str]]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    apps = {app for app, _ in known}
    return sorted(f"{app}.{name}" for app, name in applied if app in apps and (app, name) not in known)


def _sqlite_restore(connection, staged: Path, *, on_progress: Progress | None) -> None:
    source = sqlite3.connect(staged, isolation_level=None)
    try:
        if connection.is_in_memory_db():
            connection.ensure_connection()
            if connection.connection.in_transaction:
                raise BackupFailed("Cannot restore inside a transaction.")
            _sqlite_copy(source, connection.connection, on_progress=on_progress)
            return
        connection.close()
        # Through SQLite's locks, not a file swap: a process that still has the file open sees the
        # restored database at its next read instead of going on with an unlinked file.
        live = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None)
        try:
            _sqlite_copy(source, live, on_progress=on_progress)
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # fold the restored pages into the file itself
        finally:
            live.close()
    except sqlite3.Error as error:
        raise BackupFailed(f"The restore failed ({_one_line(str(error))}); the database is as it was.") from None
    finally:
        source.close()


# --- PostgreSQL -------------------------------------------------------------------------
def _pg_run(tool: str, args: list[str], *, settings_dict: dict, failure: str = "", outcome: str = "") -> str:
    """Run a PostgreSQL client tool; a failure is one line: `failure` (the tool's last word); `outcome`."""
    executable = shutil.which(tool)
    if executable is None:
        raise BackupFailed(f"{tool} is not installed: install the PostgreSQL client tools (Debian: "
                           f"apt install postgresql-client) to back up or restore a PostgreSQL database.")
    _, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])  # password, sslmode, service…
    named = {"PGHOST": settings_dict.get("HOST"), "PGPORT": settings_dict.get("PORT"),
             "PGUSER": settings_dict.get("USER"), "PGDATABASE": settings_dict.get("NAME")}
    env = {**os.environ, **{key: str(value) for key, value in {**named, **(extra or {})}.items() if value}}
    completed = subprocess.run([executable, *args], env=env, capture_output=True, text=True)
    if completed.returncode:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        reason = _one_line(lines[-1] if lines else f"exit status {completed.returncode}")
        raise BackupFailed(f"{failure or f'{tool} failed'} ({reason})" + (f"; {outcome}." if outcome else "."))
    return completed.stdout


def postgresql_dump(*, settings_dict: dict, target: Path) -> None:
    """The database as pg_dump's custom format (compressed; pg_restore reads it back)."""
    _pg_run("pg_dump", ["--format=custom", f"--file={target}"], settings_dict=settings_dict)


def _postgresql_check(*, settings_dict: dict, path: Path) -> str:
    listing = _pg_run("pg_restore", ["--list", str(path)], settings_dict=settings_dict,
                      failure=f"{path.name} is not a readable pg_dump archive", outcome="nothing was changed")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )\S+ (\S+)", listing, re.MULTILINE))
    missing = [table for table in JOURNAL_TABLES if table not in tables]
    if missing:
        raise BackupFailed(f"{path.name} is not a Music Journal database (it has no {', '.join(missing)} table); "
                           "nothing was changed.")
    return "pg_dump archive, intact table of contents"


def postgresql_restore(*, settings_dict: dict, path: Path) -> None:
    """Replace the database's tables with the archive's, in one transaction (a failure changes nothing)."""
    _pg_run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                           "--exit-on-error", f"--dbname={settings_dict['NAME']}", str(path)],
            settings_dict=settings_dict, failure="The restore failed",
            outcome="the database is as it was")


def _one_line(text: str) -> str:
    return " ".join(text.split()).rstrip(".")
