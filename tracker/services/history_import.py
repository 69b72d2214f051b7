"""Import listening-history files (Spotify, Last.fm, ListenBrainz exports, or zips of them).

Each file is read through once before anything of it is stored: a file that turns out
broken half-way (a cut-off JSON, a date no format matches) changes nothing and is reported
with its name and line, while the other files of the same run still land. The plays that read
gave are kept compact (in memory, past SPOOL_MEMORY_BYTES in a temporary file), so storing
them parses nothing twice. They are stored in short transactions of a batch each, so pages
(and their logins) never wait long for the database while a file of a million plays goes in,
and a killed import keeps what it stored. A zip member that would unpack to too much
(ZIP_MEMBER_MAX_BYTES, or more than ZIP_MAX_RATIO times its packed size) is refused the same
way, unread.

Whatever stops the whole import is raised as ImportStopped, whose text is the one line to
show: the command prints it, the upload job stores it.
"""

from __future__ import annotations

import csv
import io
import logging
import marshal
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from tracker.importers import PARSERS, ImportFileError, detect_format, passed_over_reason
from tracker.services.ingest import (
    IngestResult,
    IngestRun,
    Play,
    catalog_figures_refresh,
    scrobble_ingest,
)

HEAD_CHARS = 4096
ZIP_MEMBER_MAX_BYTES = 512 << 20  # a year of Spotify history is ~12 MB
ZIP_MAX_RATIO = 200  # real exports pack about 10:1
ZIP_RATIO_FROM_BYTES = 16 << 20  # smaller members may pack as well as they like: they stay small
SPOOL_MEMORY_BYTES = 4 << 20  # parsed plays kept in memory (~50,000); more wait in a temporary file
SPOOL_BATCH = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
log = logging.getLogger(__name__)


class ImportStopped(Exception):
    """The import could not go on; the text is one sentence for people, the cause is chained."""


@dataclass
class FileOutcome:
    name: str
    format: str = ""
    result: IngestResult | None = None
    error: str = ""
    passed_over: str = ""


@dataclass
class ImportReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def total(self) -> IngestResult:
        total = IngestResult()
        for outcome in self.files:
            if outcome.result:
                total.merge(outcome.result)
        return total

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.files if outcome.error]

    def summary(self) -> str:
        imported = sum(1 for outcome in self.files if outcome.result)
        text = f"{imported} file(s) imported: {self.total.summary()}"
        if self.failed:
            text += f"; {len(self.failed)} file(s) failed and changed nothing"
        return text


@dataclass(frozen=True)
class _Source:
    """One file to read: a path on disk, or a member of a zip."""

    name: str
    open_text: Callable[[], IO[str]]


def history_import(
    *,
    paths: list[Path | str],
    format: str = "auto",
    on_progress: Callable[[str, IngestResult], None] | None = None,
) -> ImportReport:
    """Import every history file found at `paths` (files, zips or folders).

    A file's own problem is reported on its FileOutcome; anything that stops the whole import
    raises ImportStopped (an unexpected error is logged with its traceback first).
    """
    try:
        return _import(paths=paths, format=format, on_progress=on_progress)
    except ImportFileError as error:
        raise ImportStopped(f"The import stopped: {error}") from error
    except Exception as error:
        log.exception("The history import stopped on an unexpected error")
        raise ImportStopped("The import stopped on an unexpected error; see the logs") from error


def _import(*, paths, format, on_progress) -> ImportReport:
    report = ImportReport()
    run = IngestRun()  # the files of an export share their artists and tracks
    for source in _sources([Path(p) for p in paths]):
        outcome = FileOutcome(name=source.name)
        report.files.append(outcome)
        reason = passed_over_reason(source.name)
        if reason:
            outcome.passed_over = reason
            continue
        try:
            with source.open_text() as stream:
                head = stream.read(HEAD_CHARS)
            outcome.format = detect_format(source.name, head, format)
            parser, scrobble_source, _ = PARSERS[outcome.format]
            with source.open_text() as stream:  # the whole file must read well before a play is stored
                parsed = _ParsedPlays.read(parser(stream, source.name))
            with parsed:
                outcome.result = parsed.ingest(
                    source=scrobble_source, run=run,
                    on_batch=lambda result: on_progress(source.name, result) if on_progress else None,
                )
        except ImportFileError as error:
            outcome.result, outcome.error = None, str(error)
        except UnicodeDecodeError:
            outcome.result, outcome.error = None, f"{source.name}: not UTF-8 text"
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            outcome.result, outcome.error = None, f"{source.name}: a damaged zip entry ({error})"
        except (csv.Error, ValueError, KeyError, TypeError, AttributeError) as error:
            # A file shaped unlike its format (a field where a list belongs…): still the file's fault.
            outcome.result = None
            outcome.error = f"{source.name}: not a valid {outcome.format or 'history'} file ({error})"
        if outcome.error:
            run = IngestRun()  # ids a failed file created may have been rolled back with it
        if on_progress and outcome.result:
            on_progress(source.name, outcome.result)  # after the file's commit, so a progress bar can see it
    del run  # its id maps (tens of MB) are done with: the refresh reuses their memory
    catalog_figures_refresh(result=report.total)
    return report


class _ParsedPlays:
    """A file's plays as its one read gave them, marshalled in batches into a spool (memory, then
    a temporary file), and the rows it passed over with their reasons."""

    def __init__(self, spool: IO[bytes], skipped: IngestResult):
        self.spool, self.skipped = spool, skipped

    @classmethod
    def read(cls, parsed: Iterator[Play | str]) -> _ParsedPlays:
        spool, skipped, rows = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES), IngestResult(), []
        try:
            for item in parsed:
                if isinstance(item, str):
                    skipped.reject(item)
                    continue
                moment = item.played_at  # kept exact, as microseconds; a play without a time stays so
                microseconds = (moment - _EPOCH) // _MICROSECOND if moment and moment.tzinfo else None
                rows.append((item.artist, item.title, microseconds, item.album, item.ms_played, item.duration_ms,
                             item.loved))
                if len(rows) == SPOOL_BATCH:
                    _spool_write(spool, rows)
                    rows = []
            _spool_write(spool, rows)
        except BaseException:
            spool.close()
            raise
        return cls(spool, skipped)

    def plays(self) -> Iterator[Play]:
        self.spool.seek(0)
        while size := int.from_bytes(self.spool.read(8), "little"):  # 0 at the end
            for artist, title, microseconds, album, ms_played, duration, loved in marshal.loads(self.spool.read(size)):
                moment = None if microseconds is None else _EPOCH + microseconds * _MICROSECOND
                yield Play(artist, title, moment, album, ms_played, duration, loved)

    def ingest(self, *, source: str, run: IngestRun, on_batch) -> IngestResult:
        result = scrobble_ingest(plays=self.plays(), source=source, on_batch=on_batch, refresh_catalog=False, run=run)
        result.merge(self.skipped)
        return result

    def __enter__(self) -> _ParsedPlays:
        return self

    def __exit__(self, *exc_info) -> None:
        self.spool.close()


def _spool_write(spool: IO[bytes], rows: list[tuple]) -> None:
    """One batch, its length first: a read of a whole batch at once is five times faster than
    marshal.load's small reads."""
    if rows:
        blob = marshal.dumps(rows)
        spool.write(len(blob).to_bytes(8, "little") + blob)


def _sources(paths: list[Path]) -> Iterator[_Source]:
    for path in paths:
        if not path.exists():
            raise ImportFileError(str(path), None, "no such file or folder")
        if path.is_dir():
            yield from _sources(sorted(p for p in path.rglob("*") if p.is_file()))
        elif zipfile.is_zipfile(path):
            yield from _zip_sources(path)
        else:
            yield _Source(name=str(path), open_text=lambda path=path: _open_text_file(path))


def _zip_sources(path: Path) -> Iterator[_Source]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((info for info in archive.infolist() if not info.is_dir()), key=lambda i: i.filename)
    except zipfile.BadZipFile as error:
        raise ImportFileError(path.name, None, f"a damaged zip ({error})") from None

    for info in members:
        member = info.filename
        if member.startswith("__MACOSX/") or Path(member).name.startswith("."):
            continue
        name = f"{path.name}/{member}"

        @contextmanager
        def open_member(info=info, name=name):
            if refusal := _unzip_refusal(info):
                raise ImportFileError(name, None, refusal)
            # zipfile never hands out more bytes than the entry declares (a lying entry then
            # fails its CRC check: BadZipFile), so the sizes checked here bound what is read.
            with zipfile.ZipFile(path) as archive, _open_member(archive, info.filename, name) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

        yield _Source(name=name, open_text=open_member)


def _unzip_refusal(info: zipfile.ZipInfo) -> str:
    """Why a zip member is not unpacked (a zip bomb, most likely), or ""."""
    size_mb = f"{info.file_size / (1 << 20):,.0f} MB"
    if info.file_size > ZIP_MEMBER_MAX_BYTES:
        return f"unpacks to {size_mb}, more than the {ZIP_MEMBER_MAX_BYTES >> 20} MB a history file may be"
    if info.file_size > ZIP_RATIO_FROM_BYTES and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
        return (f"unpacks to {size_mb} from {info.compress_size / 1024:,.0f} KB, more than "
                f"{ZIP_MAX_RATIO}:1 (a zip bomb?); not unpacked")
    return ""


def _open_member(archive: zipfile.ZipFile, member: str, name: str) -> IO[bytes]:
    try:
        return archive.open(member)
    except (RuntimeError, NotImplementedError) as error:  # encrypted, or packed in a way zipfile cannot read
        raise ImportFileError(name, None, f"cannot be unpacked ({error})") from None


def _open_text_file(path: Path) -> IO[str]:
    return open(path, encoding="utf-8-sig", newline="")
