"""`manage.py export_journal [--format csv|json|listenbrainz] [--since DATE] OUT`.

Here, not in tracker: the JSON export holds enrichment's facts (see web.journal_export).
"""

import os
import tempfile
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from core.priority import background_priority
from tracker.selectors.export import play_export_count
from tracker.selectors.stats import day_in_range
from web.journal_export import FORMATS, journal_export


class Command(BaseCommand):
    help = ("Export every play (artist, album, track, UTC and local time, source, loved, durations) as CSV, "
            "as a ListenBrainz export (a zip that ListenBrainz and import_history read back), or as JSON that "
            "also holds the record collection and the enrichment facts with their evidence.")

    def add_arguments(self, parser):
        parser.add_argument("out", metavar="OUT", help="the file to write, or - for standard output")
        # Checked in handle, not by argparse, so that a wrong value is one line, not the usage.
        parser.add_argument("--format", default="csv", help="csv (the default), json or listenbrainz")
        parser.add_argument("--since", metavar="DATE", help="only the plays from this local day on (YYYY-MM-DD)")

    def handle(self, *args, out: str, format: str, since: str | None, **options):
        if format not in FORMATS:
            raise CommandError(f"Unknown format {format!r}: choose one of {', '.join(FORMATS)}.")
        since_day = _day(since)
        target = "standard output" if out == "-" else out
        background_priority()  # the web server, if it runs here, keeps answering first
        started = time.monotonic()
        try:
            total = play_export_count(since=since_day)

            def progress(done: int) -> None:
                share = f" ({done / total:.0%})" if total else ""
                self.stderr.write(f"\rExporting plays: {done:,} / {total:,}{share}", ending="")

            export = journal_export(format=format, since=since_day, on_progress=progress)
            if out == "-":
                self._write_stdout(export.chunks, binary_only=format == "listenbrainz")
            else:
                _write_file(Path(out), export.chunks)
        except OSError as error:  # BrokenPipeError, a full disk, a folder that is not there…
            raise CommandError(f"Cannot write {target}: {error.strerror or error}.") from None
        except DatabaseError as error:
            raise CommandError(f"The export stopped on a database error: {_first_line(error)}") from None
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; {target} was not written." if out != "-" else "Interrupted.") from None
        finally:
            self.stderr.write("")
        elapsed = time.monotonic() - started
        plays = export.counts["plays"]
        written = f"{plays:,} plays"
        if format == "json":
            written += (f", {export.counts.get('collection', 0):,} collection items and "
                        f"{export.counts.get('facts', 0):,} facts")
        summary = (f"Exported {written} to {target} in {elapsed:.1f} s "
                   f"({plays / elapsed if elapsed else 0:,.0f} plays/s)")
        (self.stderr if out == "-" else self.stdout).write(self.style.SUCCESS(summary))

    def _write_stdout(self, chunks, *, binary_only: bool) -> None:
        stream = self.stdout._out  # under the OutputWrapper: bytes go to its buffer
        binary = getattr(stream, "buffer", None)
        if binary is None and binary_only:
            raise CommandError("A zip cannot be written to this text output; give a file path instead of -.")
        for chunk in chunks:
            if binary is not None:
                binary.write(chunk)
            else:
                stream.write(chunk.decode())
        (binary or stream).flush()


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not day_in_range(day):
        raise CommandError(f"--since {text!r} is not a date like 2024-01-31.")
    return day


def _write_file(path: Path, chunks) -> None:
    """Into a temporary file beside `path`, renamed to it once whole: an export that fails half-way
    leaves no half file, and one already there untouched."""
    if path.is_dir():
        raise IsADirectoryError(21, "it is a folder", str(path))
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False)
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as a file opened by name would be, not the temporary 0600
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [error.__class__.__name__])[0]

