"""ListenBrainz exports: the old single JSON array, and the new zip of `listens/<y>/<m>.jsonl`.

`listened_at` is the START of the play, in epoch seconds (an int, sometimes a float).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

import orjson

from tracker.importers.base import (
    MAX_ENTRY_CHARS,
    ImportFileError,
    iter_json_array,
    too_deep,
    too_large,
    utc_from_epoch,
)
from tracker.services.ingest import Play, duration_ms


def parse_json_array(stream: IO[str], name: str) -> Iterator[Play | str]:
    """`<user>_lb-YYYY-MM-DD.json`: one JSON array of listens, newest first."""
    for line, listen in iter_json_array(stream, name):
        yield _play(listen, name, line)


def parse_jsonl(stream: IO[str], name: str) -> Iterator[Play | str]:
    """`listens/<year>/<month>.jsonl`: one listen per line."""
    line = 0
    while text := stream.readline(MAX_ENTRY_CHARS + 1):  # a line is never read whole past the limit
        line += 1
        if len(text) > MAX_ENTRY_CHARS:
            raise too_large(name, line)
        if not text.strip():
            continue
        try:
            listen = orjson.loads(text)
        except orjson.JSONDecodeError:  # the standard library words the error, or reads what orjson refuses (NaN)
            listen = _loads(text, name, line)
        yield _play(listen, name, line)


def _loads(text: str, name: str, line: int):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(name, line, f"broken JSON: {error.msg.lower()}") from None
    except RecursionError:
        raise too_deep(name, line) from None


def _play(listen, name: str, line: int) -> Play:
    if (not isinstance(listen, dict) or "listened_at" not in listen
            or not isinstance(listen.get("track_metadata"), dict)):
        raise ImportFileError(name, line, "not a ListenBrainz listen (no listened_at / track_metadata)")
    meta = listen["track_metadata"]
    info = meta.get("additional_info")
    info = info if isinstance(info, dict) else {}
    return Play(
        artist=meta.get("artist_name") or "",
        title=meta.get("track_name") or "",
        album=meta.get("release_name") or "",
        played_at=utc_from_epoch(listen["listened_at"], name, line),
        duration_ms=_ms(info, "duration_ms") or _ms(info, "duration", scale=1000),
        # Spotify's listening time, as ListenBrainz's Spotify importer and this app's export keep it;
        # loved, as this app's export writes it (ListenBrainz keeps feedback apart).
        ms_played=_ms(info, "ms_played"),
        loved=info.get("journal_loved") is True,
    )


def _ms(info: dict, key: str, *, scale: int = 1) -> int | None:
    """Milliseconds from free-form `additional_info[key]`; None when missing or implausible."""
    try:
        return None if info.get(key) is None else duration_ms(float(info[key]) * scale)
    except (TypeError, ValueError, OverflowError):
        return None
