"""Import listening-history files (Spotify, Last.fm, ListenBrainz exports, or zips of them).

Each file is imported in its own transaction: a file that turns out broken half-way
(a cut-off JSON, a date no format matches) is rolled back whole and reported with its
name and line, while the other files of the same run still land.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import transaction

from tracker.importers import PARSERS, ImportFileError, detect_format, passed_over_reason
from tracker.services.ingest import IngestResult, Play, catalog_figures_refresh, scrobble_ingest

HEAD_CHARS = 4096


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
    """Import every history file found at `paths` (files, zips or folders)."""
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
            with transaction.atomic(), source.open_text() as stream:
                outcome.result = _ingest_parsed(
                    parser(stream, source.name), scrobble_source,
                    lambda result: on_progress(source.name, result) if on_progress else None,
                )
        except ImportFileError as error:
            outcome.result, outcome.error = None, str(error)
        except UnicodeDecodeError:
            outcome.result, outcome.error = None, f"{source.name}: not UTF-8 text"
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
    with zipfile.ZipFile(path) as archive:
        members = sorted(info.filename for info in archive.infolist() if not info.is_dir())

    for member in members:
        if member.startswith("__MACOSX/") or Path(member).name.startswith("."):
            continue

        @contextmanager
        def open_member(member=member):
            with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

        yield _Source(name=f"{path.name}/{member}", open_text=open_member)


def _open_text_file(path: Path) -> IO[str]:
    return open(path, encoding="utf-8-sig", newline="")
