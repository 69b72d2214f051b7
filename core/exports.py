"""What every export of the app shares: its formats' names, and CSV text cells safe in a spreadsheet.

A spreadsheet runs a text cell that starts with one of FORMULA_STARTS as a formula, and names come
from outside (a file, a feed): such a cell gets a leading "'". A cell that itself starts with "'"
gets one too, so `spreadsheet_cell_decoded` gives every text back exactly.
"""

from dataclasses import dataclass

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class ExportFormatError(ValueError):
    """A format an export does not write."""


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str


def spreadsheet_cell(value):
    """`value` as a CSV cell no spreadsheet runs; numbers and empty values as they are."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def spreadsheet_cell_decoded(text: str) -> str:
    """The text `spreadsheet_cell` wrote as `text`."""
    return text[1:] if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS else text
