"""History-file formats: which parser reads a file, decided from its name and its first bytes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO

from tracker.importers import lastfm_export, listenbrainz, spotify_history
from tracker.importers.base import ImportFileError
from tracker.models import Scrobble

Parser = Callable[[IO[str], str], Iterator]

# key: (parser, scrobble source, family the user can name with --format)
PARSERS: dict[str, tuple[Parser, str, str]] = {
    "spotify-extended": (spotify_history.parse_extended, Scrobble.Source.SPOTIFY, "spotify"),
    "spotify-account": (spotify_history.parse_account, Scrobble.Source.SPOTIFY, "spotify"),
    "lastfm-tool-csv": (lastfm_export.parse_tool_csv, Scrobble.Source.LASTFM, "lastfm-csv"),
    "lastfm-ghan-csv": (lastfm_export.parse_ghan_csv, Scrobble.Source.LASTFM, "lastfm-csv"),
    "lastfm-ghan-json": (lastfm_export.parse_ghan_json, Scrobble.Source.LASTFM, "lastfm-csv"),
    "listenbrainz-json": (listenbrainz.parse_json_array, Scrobble.Source.LISTENBRAINZ, "listenbrainz"),
    "listenbrainz-jsonl": (listenbrainz.parse_jsonl, Scrobble.Source.LISTENBRAINZ, "listenbrainz"),
}
FORMAT_CHOICES = ["auto", "spotify", "lastfm-csv", "listenbrainz"]

# Files that belong to an export but hold no plays: recognised and passed over.
NO_PLAYS = [
    (re.compile(r"Streaming_History_Video_.*\.json$", re.I), "Spotify video history"),
    (re.compile(r"StreamingHistory_?podcast_?\d*\.json$", re.I), "Spotify podcast history"),
    (re.compile(r"(^|/)(user\.json|feedback\.jsonl|pinned_recording\.jsonl)$", re.I), "ListenBrainz account data"),
    (re.compile(r"\.(pdf|txt|md|html?)$", re.I), "not a history file"),
]
BY_NAME = [
    (re.compile(r"(Streaming_History_Audio_.*|endsong_?\d*)\.json$", re.I), "spotify-extended"),
    (re.compile(r"StreamingHistory(_music_)?\d*\.json$", re.I), "spotify-account"),
    (re.compile(r"(^|/)listens/\d{4}/\d{1,2}\.jsonl$", re.I), "listenbrainz-jsonl"),
    (re.compile(r"_lb-\d{4}-\d{2}-\d{2}\.json$", re.I), "listenbrainz-json"),
    (re.compile(r"recenttracks-.*\.csv$", re.I), "lastfm-ghan-csv"),
    (re.compile(r"recenttracks-.*\.json$", re.I), "lastfm-ghan-json"),
]


def passed_over_reason(name: str) -> str | None:
    """Why a file of an export holds no plays, or None when it may hold some."""
    for pattern, reason in NO_PLAYS:
        if pattern.search(name):
            return reason
    return None


def detect_format(name: str, head: str, family: str = "auto") -> str:
    """The parser key for a file, from its name, else its first characters.

    Raises ImportFileError when the file is no history format we know (or not of `family`).
    """
    key = next((key for pattern, key in BY_NAME if pattern.search(name)), None) or _sniff(name, head)
    if key is None:
        raise ImportFileError(name, None, "not a listening-history file this journal can read "
                              "(Spotify, Last.fm or ListenBrainz export)")
    if family != "auto" and PARSERS[key][2] != family:
        raise ImportFileError(name, None, f"looks like {key}, not {family}")
    return key


def _sniff(name: str, head: str) -> str | None:
    text = head.lstrip("\ufeff \t\r\n")
    lower = name.lower()
    if text.startswith("["):
        if '"ms_played"' in text and '"ts"' in text:
            return "spotify-extended"
        if '"endTime"' in text and '"msPlayed"' in text:
            return "spotify-account"
        if '"listened_at"' in text:
            return "listenbrainz-json"
        if '"track"' in text:
            return "lastfm-ghan-json"
        return None
    if text.startswith("{") and '"listened_at"' in text:
        return "listenbrainz-jsonl"
    if lower.endswith(".csv") or "," in text.split("\n", 1)[0]:
        first = text.split("\n", 1)[0].replace('"', "").lower()
        if first.startswith("uts,utc_time"):
            return "lastfm-ghan-csv"
        if lower.endswith(".csv"):
            return "lastfm-tool-csv"
    return None


__all__ = ["FORMAT_CHOICES", "PARSERS", "ImportFileError", "detect_format", "passed_over_reason"]
