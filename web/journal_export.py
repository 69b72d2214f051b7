"""The journal export as the settings page's download and `manage.py export_journal` both give it.

It lives here, above the domain apps, because its JSON holds enrichment's facts next to
tracker's plays and catalog's collection, and tracker and enrichment are peers that may not
import each other: tracker.selectors.export writes every format and takes extra JSON sections,
enrichment.selectors.fact_export_rows reads the facts, and this module joins the two.
"""

from __future__ import annotations

from datetime import date

from enrichment.selectors import fact_export_rows
from tracker.selectors.export import FORMATS, ExportFormatError, JournalExport, Progress
from tracker.selectors.export import journal_export as tracker_journal_export

__all__ = ["FORMATS", "ExportFormatError", "JournalExport", "journal_export"]


def journal_export(*, format: str, since: date | None = None, on_progress: Progress | None = None,
                   username: str = "") -> JournalExport:
    """Every play from the local day `since` on as `format`; the JSON also holds the collection and
    the enrichment facts with their evidence. Lazy: the chunks read the database as they are taken."""
    sections = {"facts": fact_export_rows} if format == "json" else {}
    return tracker_journal_export(format=format, since=since, sections=sections, on_progress=on_progress,
                                  username=username)
