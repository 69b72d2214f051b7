"""A playlist as a file other players and tools open: M3U8, XSPF 1 and CSV.

Each format is written as an iterator of text chunks, so a StreamingHttpResponse sends a long
playlist without building it in memory. No local audio file is known, so each track points where a
player can find it: its Spotify URI when the track has a Spotify id (Mopidy and the Spotify tools
read those), else "Artist - Title" for a player to look up. Names come from outside and are data:
XML is written by xml.sax.saxutils, never pasted, and characters XML 1.0 forbids (NUL, \\x0b…)
are dropped from every format.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin
from xml.sax.saxutils import XMLGenerator

from django.db.models import OuterRef, Subquery
from django.utils.text import slugify

from catalog.models import Track
from core.exports import ExportFormat, ExportFormatError, spreadsheet_cell
from playlists.models import Playlist, PlaylistTrack
from tracker.models import TrackTotal

XSPF_NAMESPACE = "http://xspf.org/ns/0/"
XSPF_CREATOR = "Music Journal"
CSV_HEADER = ("position", "artist", "title", "album", "duration_ms", "reason", "spotify_id", "mbid", "plays")
FILENAME_MAX = 80
_ROWS_PER_QUERY = 500

# Everything outside XML 1.0's Char production: C0 controls but tab and line ends, lone surrogates, U+FFFE/F.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u0085\u2028\u2029]+")



FORMATS = {
    "m3u8": ExportFormat("m3u8", "audio/x-mpegurl; charset=utf-8"),
    "xspf": ExportFormat("xspf", "application/xspf+xml; charset=utf-8"),
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
}


@dataclass(frozen=True)
class ExportRow:
    """One entry of the playlist with everything any format writes of it."""

    position: int
    artist: str
    title: str
    album: str
    album_path: str  # the album's page on this site, "" when the track has no album
    track_number: int | None
    duration_ms: int | None
    reason: str
    spotify_id: str
    mbid: str
    plays: int

    @property
    def spotify_uri(self) -> str:
        return f"spotify:track:{self.spotify_id}" if self.spotify_id else ""


@dataclass(frozen=True)
class Export:
    chunks: Iterator[str]
    content_type: str
    filename: str


def playlist_export(playlist: Playlist, *, format: str, base_url: str = "") -> Export:
    """`playlist` written as `format` (m3u8, xspf or csv), lazily: the entries are read as it is sent.
    With `base_url` (this site's address), XSPF tracks link to their album's page."""
    if format not in FORMATS:
        raise ExportFormatError(f"No export format {format!r}; choose one of: {', '.join(FORMATS)}")
    rows = export_rows(playlist)
    if format == "m3u8":
        chunks = m3u8_chunks(playlist, rows)
    elif format == "xspf":
        chunks = xspf_chunks(playlist, rows, base_url=base_url)
    else:
        chunks = csv_chunks(rows)
    return Export(chunks, FORMATS[format].content_type, playlist_filename(playlist, FORMATS[format].extension))


def playlist_filename(playlist: Playlist, ext: str) -> str:
    """A file name safe on every system and in a header: the name's letters and digits, hyphenated."""
    stem = slugify(clean_text(playlist.name), allow_unicode=True)[:FILENAME_MAX].strip("-_")
    return f"{stem or f'playlist-{playlist.pk}'}.{ext}"


def export_rows(playlist: Playlist) -> Iterator[ExportRow]:
    """The entries in order, with track, artist, album and play count, in one query per 500 rows."""
    plays = TrackTotal.objects.filter(track_id=OuterRef("track_id")).values("plays")
    entries = (
        PlaylistTrack.objects.filter(playlist=playlist).order_by("position")
        .select_related("track__artist", "track__album").annotate(plays=Subquery(plays))
    )
    for entry in entries.iterator(chunk_size=_ROWS_PER_QUERY):
        track: Track = entry.track
        album = track.album
        yield ExportRow(
            position=entry.position, artist=clean_text(track.artist.name), title=clean_text(track.title),
            album=clean_text(album.title) if album else "", album_path=album.get_absolute_url() if album else "",
            track_number=track.number or None, duration_ms=track.duration_ms or None,
            reason=clean_text(entry.reason), spotify_id=track.spotify_id or "", mbid=str(track.mbid or ""),
            plays=entry.plays or 0,
        )


def clean_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (and that no player or spreadsheet wants either)."""
    return _NOT_XML_CHAR.sub("", text or "")


def m3u8_chunks(playlist: Playlist, rows: Iterator[ExportRow]) -> Iterator[str]:
    """Extended M3U in UTF-8: a #EXTINF line and a locator line per track."""
    yield f"#EXTM3U\n#PLAYLIST:{_one_line(playlist.name)}\n"
    for row in rows:
        seconds = round(row.duration_ms / 1000) if row.duration_ms else -1
        yield f"#EXTINF:{seconds},{_one_line(f'{row.artist} - {row.title}')}\n{_m3u_locator(row)}\n"


def _m3u_locator(row: ExportRow) -> str:
    locator = row.spotify_uri or _one_line(f"{row.artist} - {row.title}")
    # A line starting with "#" is a comment to every player; "./" keeps it the same relative name.
    return f"./{locator}" if locator.startswith("#") else locator


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", clean_text(text)).strip()


def xspf_chunks(playlist: Playlist, rows: Iterator[ExportRow], *, base_url: str = "") -> Iterator[str]:
    """XSPF version 1, one chunk for the head and one per track."""
    buffer = io.StringIO()
    xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startPrefixMapping(None, XSPF_NAMESPACE)
    xml.startElementNS((XSPF_NAMESPACE, "playlist"), "playlist", {(None, "version"): "1"})
    _element(xml, "title", clean_text(playlist.name))
    _element(xml, "creator", XSPF_CREATOR)
    if playlist.description:
        _element(xml, "annotation", clean_text(playlist.description))
    _element(xml, "date", playlist.created_at.isoformat())
    xml.startElementNS((XSPF_NAMESPACE, "trackList"), "trackList", {})
    yield _drain(buffer)
    for row in rows:
        _xspf_track(xml, row, base_url)
        yield _drain(buffer)
    xml.endElementNS((XSPF_NAMESPACE, "trackList"), "trackList")
    xml.endElementNS((XSPF_NAMESPACE, "playlist"), "playlist")
    xml.endPrefixMapping(None)
    xml.endDocument()
    yield _drain(buffer) + "\n"


def _xspf_track(xml: XMLGenerator, row: ExportRow, base_url: str) -> None:
    # The children in the order of the specification (and of the schemas that fix one).
    xml.startElementNS((XSPF_NAMESPACE, "track"), "track", {})
    if row.spotify_id:
        _element(xml, "location", f"https://open.spotify.com/track/{row.spotify_id}")
        _element(xml, "identifier", row.spotify_uri)
    if row.mbid:
        _element(xml, "identifier", f"https://musicbrainz.org/recording/{row.mbid}")
    _element(xml, "title", row.title)
    _element(xml, "creator", row.artist)
    if row.reason:
        _element(xml, "annotation", row.reason)
    if base_url and row.album_path:
        _element(xml, "info", urljoin(base_url, row.album_path))
    if row.album:
        _element(xml, "album", row.album)
    if row.track_number:
        _element(xml, "trackNum", str(row.track_number))
    if row.duration_ms:
        _element(xml, "duration", str(row.duration_ms))
    xml.endElementNS((XSPF_NAMESPACE, "track"), "track")


def _element(xml: XMLGenerator, name: str, text: str) -> None:
    xml.startElementNS((XSPF_NAMESPACE, name), name, {})
    xml.characters(text)
    xml.endElementNS((XSPF_NAMESPACE, name), name)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_chunks(rows: Iterator[ExportRow]) -> Iterator[str]:
    """A header and a line per track; text cells a spreadsheet would run as a formula start with '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield _drain(buffer)
    for row in rows:
        writer.writerow([
            row.position, *map(spreadsheet_cell, (row.artist, row.title, row.album)), row.duration_ms or "",
            spreadsheet_cell(row.reason), row.spotify_id, row.mbid, row.plays,
        ])
        yield _drain(buffer)

