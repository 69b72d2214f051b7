"""The database backups in settings.BACKUP_DIR, as the settings page lists them and the download finds them.

A backup is named by its UTC time: `journal-2026-12-02T033000Z.sqlite3` (SQLite) or `….dump`
(PostgreSQL, pg_dump's custom format); the copy kept before a restore adds `-before-restore`.
Only files named so count: a half-written copy (`.partial`) or anything else in the folder is never listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

STAMP_FORMAT = "%Y-%m-%dT%H%M%SZ"
BEFORE_RESTORE = "before-restore"
SQLITE_SUFFIX = ".sqlite3"
POSTGRESQL_SUFFIX = ".dump"
BACKUP_NAME = re.compile(r"^journal-(?P<stamp>\d{4}-\d\d-\d\dT\d{6}Z)(?P<label>-before-restore)?\.(?:sqlite3|dump)$")


@dataclass(frozen=True)
class Backup:
    name: str
    path: Path
    size: int  # bytes
    created_at: datetime  # UTC, from the name
    before_restore: bool  # kept by a restore: never removed by the rotation


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def backup_name(*, created_at: datetime, suffix: str, before_restore: bool = False) -> str:
    label = f"-{BEFORE_RESTORE}" if before_restore else ""
    return f"journal-{created_at.astimezone(UTC).strftime(STAMP_FORMAT)}{label}{suffix}"


def _backup_of(path: Path) -> Backup | None:
    match = BACKUP_NAME.match(path.name)
    if not match:
        return None
    try:
        size = path.stat().st_size
    except OSError:  # removed meanwhile (a rotation in another process)
        return None
    created_at = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
    return Backup(name=path.name, path=path, size=size, created_at=created_at, before_restore=bool(match["label"]))


def backup_list() -> list[Backup]:
    """Every backup in the folder, newest first (none when the folder does not exist yet)."""
    folder = backup_dir()
    if not folder.is_dir():
        return []
    found = (_backup_of(entry) for entry in folder.iterdir() if entry.is_file() and not entry.is_symlink())
    return sorted((backup for backup in found if backup), key=lambda b: (b.created_at, b.name), reverse=True)


def backup_find(*, name: str) -> Backup | None:
    """The listed backup called `name`, or None: a name is matched against the folder's own listing,
    never joined to a path, so no `..`, separator or link can reach a file outside the folder."""
    return next((backup for backup in backup_list() if backup.name == name), None)


@dataclass(frozen=True)
class BackupOverview:
    backups: list[Backup]  # newest first
    folder: Path
    keep_daily: int
    keep_weekly: int

    @property
    def newest(self) -> Backup | None:
        return self.backups[0] if self.backups else None


def backup_overview() -> BackupOverview:
    """What the settings page shows of the backups: the list, the folder and the rotation's rule."""
    return BackupOverview(backups=backup_list(), folder=backup_dir(), keep_daily=settings.BACKUP_KEEP_DAILY,
                          keep_weekly=settings.BACKUP_KEEP_WEEKLY)
