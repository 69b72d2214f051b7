"""Spotify history files: extended streaming history and the older account-data package.

Spotify records when a stream ENDED (`ts`, `endTime`); the start is the end minus
`ms_played`. Rows that are not music (podcasts, audiobooks, local files), plays under
the threshold (settings.IMPORT_MIN_MS_PLAYED, 30 s), and plays that cannot be real (an
absurd `ms_played`, an end before 2002 or in the future) are skipped, not errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.utils import timezone

from tracker.importers.base import ImportFileError, iter_json_array, utc_from_text
from tracker.services.ingest import IMPOSSIBLE_DURATION, Play, duration_ms, play_time_rejection

SKIP_NOT_MUSIC = "not music (podcast, audiobook or local file)"
SKIP_SHORT = "played under 30 s"
SKIP_PRIVATE = "private session"


def parse_extended(stream: IO[str], name: str) -> Iterator[Play | str]:
    """`Streaming_History_Audio_*.json` and the older `endsong_*.json`."""
    min_ms = settings.IMPORT_MIN_MS_PLAYED
    skip_private = settings.IMPORT_SKIP_PRIVATE_SESSIONS
    now = timezone.now()  # once a file, not once a row
    for line, row in iter_json_array(stream, name):
        if not isinstance(row, dict) or "ts" not in row or "ms_played" not in row:
            raise ImportFileError(name, line, "not a Spotify streaming-history entry (no ts / ms_played)")
        title, artist = row.get("master_metadata_track_name"), row.get("master_metadata_album_artist_name")
        if not title or not artist:
            yield SKIP_NOT_MUSIC
            continue
        ms_played = _milliseconds(row["ms_played"], name, line)
        if ms_played is None or ms_played < min_ms:
            yield IMPOSSIBLE_DURATION if ms_played is None else SKIP_SHORT
            continue
        if skip_private and row.get("incognito_mode"):
            yield SKIP_PRIVATE
            continue
        started = _start(_iso_utc(row["ts"], name, line), ms_played, now)
        if isinstance(started, str):
            yield started
            continue
        yield Play(artist, title, started, row.get("master_metadata_album_album_name") or "", ms_played)


def parse_account(stream: IO[str], name: str) -> Iterator[Play | str]:
    """`StreamingHistory_music_*.json`: end time to the minute, no album."""
    min_ms = settings.IMPORT_MIN_MS_PLAYED
    now = timezone.now()
    for line, row in iter_json_array(stream, name):
        if not isinstance(row, dict) or "endTime" not in row or "msPlayed" not in row:
            raise ImportFileError(name, line, "not a Spotify account-data entry (no endTime / msPlayed)")
        if not row.get("trackName") or not row.get("artistName"):
            yield SKIP_NOT_MUSIC
            continue
        ms_played = _milliseconds(row["msPlayed"], name, line)
        if ms_played is None or ms_played < min_ms:
            yield IMPOSSIBLE_DURATION if ms_played is None else SKIP_SHORT
            continue
        started = _start(utc_from_text(row["endTime"], ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"), name, line),
                         ms_played, now)
        if isinstance(started, str):
            yield started
            continue
        yield Play(artist=row["artistName"], title=row["trackName"], played_at=started, ms_played=ms_played)


def _milliseconds(value, name: str, line: int) -> int | None:
    """ms_played as an int; None when it is a number but no plausible length (see duration_ms)."""
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ImportFileError(name, line, f"ms_played {value!r} is not a number of milliseconds")
    return duration_ms(value)


def _start(ended: datetime, ms_played: int, now: datetime) -> datetime | str:
    """When the stream started, or why the row is skipped: an end that cannot be real is
    checked before the subtraction (which overflows near the year 1)."""
    return (play_time_rejection(ended, now=now)
            or (ended - timedelta(milliseconds=ms_played)).replace(microsecond=0))


def _iso_utc(value, name: str, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ImportFileError(name, line, f"the time {value!r} is not an ISO 8601 UTC time") from None
    if moment.tzinfo is None:
        raise ImportFileError(name, line, f"the time {value!r} has no time zone")
    return moment
