"""History files uploaded on the settings page: checked, stored under the data folder, and
imported by a django-q2 task that reports progress and per-file outcomes on a core.Job.

An upload that holds no history file at all is refused before anything is stored. A file
that is broken half-way is found by the import itself, which rolls that file back whole and
reports it with its name and line.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from core.models import Job
from core.services.jobs import (
    job_beating,
    job_create,
    job_enqueue,
    job_fail,
    job_finish,
    job_progress,
    job_start,
    job_to_run,
)
from tracker.importers import FORMAT_CHOICES, ImportFileError, detect_format, passed_over_reason
from tracker.services.history_import import HEAD_CHARS, ImportReport, history_import

IMPORT_KIND = "history_import"


class UploadRejected(ValueError):
    """The upload is not something we can import; nothing was stored."""


@dataclass(frozen=True)
class FileResult:
    """One file's outcome as shown on the settings page (stored on the job)."""

    name: str
    format: str = ""
    added: int = 0
    already_present: int = 0
    rejected: int = 0
    reasons: tuple[tuple[str, int], ...] = ()
    error: str = ""
    passed_over: str = ""


def upload_max_bytes() -> int:
    return settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024


def uploads_folder() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def import_upload_start(*, files: list[UploadedFile], format: str = "auto") -> Job:
    """Check the uploaded files, store them and queue their import; returns the job to follow.

    Raises UploadRejected (with a message naming the file) when the upload is empty, too
    large, of an unknown format, or holds no listening history at all."""
    if format not in FORMAT_CHOICES:
        raise UploadRejected(f"Unknown format {format!r}: choose one of {', '.join(FORMAT_CHOICES)}.")
    if not files:
        raise UploadRejected("Choose at least one file to import.")
    limit = upload_max_bytes()
    if sum(f.size or 0 for f in files) > limit:
        raise UploadRejected(f"The upload is larger than {limit // (1024 * 1024):,} MB (IMPORT_MAX_UPLOAD_MB).")
    names = _unique_names([_safe_name(f.name) for f in files])
    problems, importable = [], 0
    for upload, name in zip(files, names, strict=True):
        found, problem = _check_upload(upload, name, format)
        importable += found
        if problem:
            problems.append(problem)
    if problems or not importable:
        problems = problems or ["none of the files holds a listening history (they are passed over: "
                                "video or podcast history, account data, documents)"]
        raise UploadRejected("Nothing was imported. " + "; ".join(problems))

    job = job_create(kind=IMPORT_KIND, params={"format": format, "files": names},
                     message="Uploaded; waiting for a worker…")
    folder = uploads_folder() / f"import-{job.pk}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for upload, name in zip(files, names, strict=True):
            upload.seek(0)
            with open(folder / name, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        job_fail(job=job, error=f"Could not store the upload under the data folder: {error.strerror or error}")
        raise UploadRejected("Could not store the upload under the data folder; nothing was imported.") from error
    return job_enqueue(job=job, task="tracker.tasks_imports.import_upload_task")


def import_upload_run(*, job_id: int) -> str:
    """Import the files stored for job `job_id`, recording progress and each file's outcome."""
    job = job_to_run(job_id=job_id, kind=IMPORT_KIND)
    if job is None:
        return f"job {job_id} is not waiting to run"
    with job_beating(job=job):
        return _import(job=job)


def _import(*, job: Job) -> str:
    folder = uploads_folder() / f"import-{job.pk}"
    if not folder.is_dir():
        job_fail(job=job, error="The uploaded files are gone from the data folder; upload them again.")
        return job.message
    job_start(job=job, message="Importing…")
    read_per_file: dict[str, int] = {}

    def progress(name, result):
        read_per_file[name] = result.added + result.already_present + result.rejected
        job_progress(job=job, done=sum(read_per_file.values()),
                     message=f"{_display_name(name, folder)}: {read_per_file[name]:,} plays read")

    try:
        report = history_import(paths=[folder], format=job.params.get("format", "auto"), on_progress=progress)
    except Exception as error:  # noqa: BLE001 — the page must show why, and the worker must go on
        job_fail(job=job, error=str(error))  # history_import's ImportStopped: one sentence, the cause logged
        return job.message
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results = [_file_result(outcome, folder) for outcome in report.files]
    outcome = {"result": {"files": [_result_to_json(r) for r in results]},
               "done": report.total.added + report.total.already_present + report.total.rejected}
    summary = _summary(report)
    if report.failed and not any(r.added or r.already_present for r in results):
        return job_fail(job=job, error=summary, **outcome).message
    return job_finish(job=job, message=summary, **outcome).message


def import_upload_forget(*, job: Job) -> None:
    """Remove a job's uploaded files (once it ended, whichever way: they are never needed again)."""
    if job.kind == IMPORT_KIND:
        shutil.rmtree(uploads_folder() / f"import-{job.pk}", ignore_errors=True)


def import_file_results(*, job: Job) -> list[FileResult]:
    """The per-file outcomes stored on a finished import job."""
    rows = (job.result or {}).get("files", [])
    return [FileResult(**{**row, "reasons": tuple(tuple(pair) for pair in row.get("reasons", []))}) for row in rows]


def import_jobs_recent(*, limit: int = 5) -> list[Job]:
    return list(Job.objects.filter(kind=IMPORT_KIND).order_by("-created_at")[:limit])


# --- checks -------------------------------------------------------------------------------
def _safe_name(name: str) -> str:
    """A file name without folders or odd characters (it is written under the data folder)."""
    base = Path((name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    return base[:150] or "upload"


def _unique_names(names: list[str]) -> list[str]:
    seen, unique = set(), []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        seen.add(candidate)
        unique.append(candidate)
    return unique


def _check_upload(upload: UploadedFile, name: str, format: str) -> tuple[int, str]:
    """(number of importable files in it, a problem to report or "")."""
    upload.seek(0)
    if zipfile.is_zipfile(upload):
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                return _check_zip(archive, name, format)
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:
            return 0, f"{name}: a damaged zip ({error})"
    if passed_over_reason(name):
        return 0, ""
    upload.seek(0)
    head = upload.read(HEAD_CHARS * 4).decode("utf-8-sig", errors="replace")[:HEAD_CHARS]
    try:
        detect_format(name, head, format)
    except ImportFileError as error:
        return 0, str(error)
    return 1, ""


def _check_zip(archive: zipfile.ZipFile, name: str, format: str) -> tuple[int, str]:
    found = 0
    for info in archive.infolist():
        member = info.filename
        if (info.is_dir() or member.startswith("__MACOSX/") or Path(member).name.startswith(".")
                or passed_over_reason(member)):
            continue
        with archive.open(info) as raw:
            head = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace").read(HEAD_CHARS)
        try:
            detect_format(member, head, format)
            found += 1
        except ImportFileError:
            continue  # the import reports it; one stray file does not refuse a whole export
    return found, "" if found else f"{name}: no listening-history file inside this zip"


# --- outcomes -----------------------------------------------------------------------------
def _display_name(name: str, folder: Path) -> str:
    return name.replace(f"{folder}/", "").replace(str(folder), "")


def _file_result(outcome, folder: Path) -> FileResult:
    result = outcome.result
    return FileResult(
        name=_display_name(outcome.name, folder),
        format=outcome.format,
        added=result.added if result else 0,
        already_present=result.already_present if result else 0,
        rejected=result.rejected if result else 0,
        reasons=tuple(result.rejected_reasons.most_common()) if result else (),
        error=_display_name(outcome.error, folder),
        passed_over=outcome.passed_over,
    )


def _result_to_json(result: FileResult) -> dict:
    return {**result.__dict__, "reasons": [list(pair) for pair in result.reasons]}


def _summary(report: ImportReport) -> str:
    total = report.total
    text = f"{total.added:,} plays added, {total.already_present:,} already present, {total.rejected:,} rejected"
    if report.failed:
        text += f"; {len(report.failed)} file(s) failed and changed nothing"
    return text
