"""Last.fm exports: the "Last.fm to csv" tool (no header), and ghan's exporter (CSV and JSON).

Last.fm dates are the START of a play, in UTC. The now-playing row of an export has no
date: it is skipped, not an error.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from tracker.importers.base import ImportFileError, iter_json_array, utc_from_epoch, utc_from_text
from tracker.services.ingest import Play

SKIP_NOW_PLAYING = "playing during the export (no date)"
TOOL_DATE_FORMATS = ("%d %b %Y %H:%M", "%d %b %Y, %H:%M")
GHAN_HEADER = ["uts", "utc_time", "artist", "artist_mbid", "album", "album_mbid", "track", "track_mbid"]


def _csv_rows(reader, name: str, start: int = 1) -> Iterator[tuple[int, list[str]]]:
    """(line, row) of a csv reader; a broken row (an unclosed quote…) names its line."""
    line = start - 1
    try:
        for line, row in enumerate(reader, start=start):
            yield line, row
    except csv.Error as error:
        raise ImportFileError(name, line + 1, f"broken CSV: {error}") from None


def parse_tool_csv(stream: IO[str], name: str) -> Iterator[Play | str]:
    """`artist,album,track,date` rows, newest first; date like `02 Nov 2024 21:45`."""
    for line, row in _csv_rows(csv.reader(stream), name):
        if not row or row == ["artist", "album", "name", "date"] or row == ["artist", "album", "track", "date"]:
            continue
        if len(row) != 4:
            raise ImportFileError(name, line, f"expected 4 columns (artist, album, track, date), found {len(row)}")
        artist, album, title, date = row
        if not date.strip():
            yield SKIP_NOW_PLAYING
            continue
        yield Play(artist=artist, album=album, title=title,
                   played_at=utc_from_text(date, TOOL_DATE_FORMATS, name, line))


def parse_ghan_csv(stream: IO[str], name: str) -> Iterator[Play | str]:
    """ghan's CSV: a header, then quoted rows; `uts` is the start in epoch seconds."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:2]] != GHAN_HEADER[:2]:
        raise ImportFileError(name, 1, "expected the header uts,utc_time,artist,…")
    columns = {column: index for index, column in enumerate(h.strip().lower() for h in header)}
    missing = {"uts", "artist", "album", "track"} - columns.keys()
    if missing:
        raise ImportFileError(name, 1, f"the header lacks {', '.join(sorted(missing))}")
    for line, row in _csv_rows(reader, name, start=2):
        if not row:
            continue
        if len(row) < len(columns):
            raise ImportFileError(name, line, f"expected {len(columns)} columns, found {len(row)}")
        uts = row[columns["uts"]]
        if not uts.strip():
            yield SKIP_NOW_PLAYING
            continue
        yield Play(
            artist=row[columns["artist"]],
            album=row[columns["album"]],
            title=row[columns["track"]],
            played_at=utc_from_epoch(uts, name, line),
        )


def parse_ghan_json(stream: IO[str], name: str) -> Iterator[Play | str]:
    """ghan's JSON: an array of raw `user.getRecentTracks` pages."""
    for line, page in iter_json_array(stream, name):
        if not isinstance(page, dict) or "track" not in page:
            raise ImportFileError(name, line, "not a Last.fm recent-tracks page (no 'track' list)")
        tracks = page["track"]
        for track in [tracks] if isinstance(tracks, dict) else tracks:
            date = track.get("date") if isinstance(track, dict) else None
            if not date or not isinstance(date, dict) or not date.get("uts"):
                yield SKIP_NOW_PLAYING
                continue
            yield Play(
                artist=_text(track.get("artist")),
                album=_text(track.get("album")),
                title=track.get("name") or "",
                played_at=utc_from_epoch(date["uts"], name, line),
            )


def _text(value) -> str:
    """Last.fm JSON gives names as {"#text": ...} (or a plain string, or {"name": ...})."""
    if isinstance(value, dict):
        return value.get("#text") or value.get("name") or ""
    return value or ""
