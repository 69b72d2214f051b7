"""Import listening-history files (Spotify, Last.fm, ListenBrainz exports, or zips of them).

Each file is read through once before anything of it is stored: a file that turns out
broken half-way (a cut-off JSON, a date no format matches) changes nothing and is reported
with its name and line, while the other files of the same run still land. It is then stored
in short transactions of a batch each, so pages (and their logins) never wait long for the
database while a file of a million plays goes in, and a killed import keeps what it stored. A zip member that would
unpack to too much (ZIP_MEMBER_MAX_BYTES, or more than ZIP_MAX_RATIO times its packed size)
is refused the same way, unread.

Whatever stops the whole import is raised as ImportStopped, whose text is the one line to
show: the command prints it, the upload job stores it.
"""

from __future__ import annotations

import collections
import csv
import io
import logging
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tracker.importers import PARSERS, ImportFileError, detect_format, passed_over_reason
from tracker.services.ingest import IngestResult, Play, catalog_figures_refresh, scrobble_ingest

HEAD_CHARS = 4096
ZIP_MEMBER_MAX_BYTES = 512 << 20  # a year of Spotify history is ~12 MB
ZIP_MAX_RATIO = 200  # real exports pack about 10:1
ZIP_RATIO_FROM_BYTES = 16 << 20  # smaller members may pack as well as they like: they stay small
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
                collections.deque(parser(stream, source.name), maxlen=0)
            with source.open_text() as stream:
                outcome.result = _ingest_parsed(
                    parser(stream, source.name), scrobble_source,
                    lambda result: on_progress(source.name, result) if on_progress else None,
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
        if on_progress and outcome.result:
            on_progress(source.name, outcome.result)  # after the file's commit, so a progress bar can see it
    catalog_figures_refresh(result=report.total)
    return report


def _ingest_parsed(parsed: Iterator[Play | str], source: str, on_batch) -> IngestResult:
    skipped = IngestResult()

    def plays() -> Iterator[Play]:
        for item in parsed:
            if isinstance(item, str):
                skipped.reject(item)
            else:
                yield item

    result = scrobble_ingest(plays=plays(), source=source, on_batch=on_batch, refresh_catalog=False)
    result.merge(skipped)
    return result


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
