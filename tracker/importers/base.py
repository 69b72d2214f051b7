"""What every history-file parser shares: the error type, a streaming JSON reader, time parsing.

A history entry is a few hundred bytes (a Last.fm page of them some hundred kilobytes): an
entry or line over MAX_ENTRY_CHARS, or JSON nested deeper than Python's recursion limit, is
no history, and the file is refused with its line instead of being read into memory whole.

Flat entries (a Spotify history's) are decoded many at a time by orjson, twice as fast; anything
else, and anything orjson refuses, goes through the standard library's scanner item by item,
which also words every error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import IO

import orjson

_DECODER = json.JSONDecoder()
_scan = _DECODER.scan_once
_WHITESPACE = re.compile(r"[ \t\r\n]*")
CHUNK_CHARS = 1 << 20
MAX_ENTRY_CHARS = 8 << 20
FLAT_RUN_CHARS = 1 << 17  # decoded at once; a whole chunk's objects at once left 20 MB of heap behind


class ImportFileError(Exception):
    """A file is not what it claims to be; names the file and the line."""

    def __init__(self, name: str, line: int | None, problem: str):
        self.name, self.line, self.problem = name, line, problem
        where = f"{name}, line {line}" if line else name
        super().__init__(f"{where}: {problem}")


def too_large(name: str, line: int) -> ImportFileError:
    return ImportFileError(name, line, f"an entry longer than {MAX_ENTRY_CHARS >> 20} MB: not a listening history")


def too_deep(name: str, line: int) -> ImportFileError:
    return ImportFileError(name, line, "JSON nested too deeply: not a listening history")


def iter_json_array(stream: IO[str], name: str) -> Iterator[tuple[int, object]]:
    """Yield (line, item) for each item of a top-level JSON array, reading in chunks.

    A 500 MB history file never sits in memory whole; a file cut off mid-way raises
    ImportFileError with the line where the broken item starts.
    """
    buffer, pos, eof = "", 0, False
    counted_to, line = 0, 1  # newlines are counted once, as the reader moves forward
    runs_from = 0  # where decoding a run of entries at once may be tried again (math.inf: never)

    def line_at(index: int) -> int:
        nonlocal counted_to, line
        if index > counted_to:
            line += buffer.count("\n", counted_to, index)
            counted_to = index
        return line

    def fill() -> bool:
        nonlocal buffer, pos, eof, counted_to, runs_from
        chunk = stream.read(CHUNK_CHARS)
        if not chunk:
            eof = True
            return False
        line_at(pos)
        buffer, runs_from = buffer[pos:] + chunk, runs_from - pos
        pos, counted_to = 0, 0
        return True

    fill()
    pos = _WHITESPACE.match(buffer, 1 if buffer.startswith("\ufeff") else 0).end()
    if pos >= len(buffer) or buffer[pos] != "[":
        raise ImportFileError(name, line_at(pos) if buffer else 1, "expected a JSON array ([ … ])")
    pos += 1
    expect_item = True
    while True:
        pos = _WHITESPACE.match(buffer, pos).end()
        if pos >= len(buffer):
            if fill():
                continue
            raise ImportFileError(name, line_at(pos), "the file ends before the JSON array is closed (cut off?)")
        char = buffer[pos]
        if char == "]":
            return
        if char == "," and not expect_item:
            pos += 1
            expect_item = True
            continue
        if not expect_item:
            raise ImportFileError(name, line_at(pos), f"expected ',' or ']' but found {char!r}")
        if char == "{" and pos >= runs_from:
            objects, end = _flat_objects(buffer, pos)
            if objects:
                for start, item in objects:
                    yield line_at(start), item
                pos, expect_item = end, False
                continue
            # Past what would not decode the scanner reads on; nested entries it reads to the end.
            runs_from = math.inf if objects is None else max(end, pos + 1)
        try:
            item, end = _scan(buffer, pos)  # the C scanner behind json.loads, without its wrapper
        except (StopIteration, json.JSONDecodeError):
            if len(buffer) - pos > MAX_ENTRY_CHARS:
                raise too_large(name, line_at(pos)) from None
            if not eof and fill():
                continue  # the item runs past the chunk read so far
            raise _broken_item(name, buffer, pos, line_at) from None
        except RecursionError:
            raise too_deep(name, line_at(pos)) from None
        yield line_at(pos), item
        pos = end
        expect_item = False


def _flat_objects(buffer: str, pos: int) -> tuple[list[tuple[int, dict]] | None, int]:
    """(start, object) of the objects from `pos` to the last `}` within FLAT_RUN_CHARS, decoded
    at once, and where that run ends. [] when it does not decode (an object cut off, or JSON only
    the scanner takes, like NaN) or a name holds a `{`; None when the entries nest: exactly one
    `{` per object is what tells where each starts, so that every line stays exact.
    """
    end = buffer.rfind("}", pos, pos + FLAT_RUN_CHARS) + 1
    text = buffer[pos:end]
    try:
        items = orjson.loads(f"[{text}]")
    except orjson.JSONDecodeError:
        return [], end
    if text.count("{") != len(items) or not all(type(item) is dict for item in items):
        nested = any(type(item) is not dict or any(type(v) in (dict, list) for v in item.values()) for item in items)
        return None if nested else [], end
    starts, at = [], pos - 1
    for _ in items:
        at = buffer.find("{", at + 1)
        starts.append(at)
    return list(zip(starts, items)), end


def _broken_item(name: str, buffer: str, pos: int, line_at) -> ImportFileError:
    try:
        _DECODER.raw_decode(buffer, pos)
        problem, where = "broken JSON", pos
    except json.JSONDecodeError as error:
        problem = error.msg.lower().removesuffix(" at").removesuffix(" starting")
        where = error.pos
    item_line = line_at(pos)
    return ImportFileError(
        name, line_at(where),
        f"broken JSON: {problem} (in the item that starts on line {item_line}); the file may be cut off",
    )


def utc_from_epoch(value, name: str, line: int) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc).replace(microsecond=0)
    except (TypeError, ValueError, OverflowError, OSError):
        raise ImportFileError(name, line, f"{value!r} is not a Unix timestamp") from None


def utc_from_text(value: str, formats: tuple[str, ...], name: str, line: int) -> datetime:
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ImportFileError(name, line, f"the date {value!r} matches no known format")
