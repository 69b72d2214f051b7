"""Reading history files fast: flat JSON entries decoded many at a time (lines still exact), anything
else by the standard scanner, and each file parsed once, its plays kept for the store."""

import json
from datetime import timedelta

import pytest

from tests.factories import utc
from tracker import importers
from tracker.importers import base
from tracker.models import Scrobble
from tracker.services import history_import as history_import_module
from tracker.services.history_import import history_import

pytestmark = pytest.mark.django_db

TRICKY = ["plain", "a \\\"quoted\\\" }", "line\\nbreak", "Sigur Rós", "Ōkami 🐺", ""]
BRACES = ["}{", "},{", "{[]}"]  # a `{` in a name: that run goes through the scanner


def spotify_row(n: int, **fields) -> dict:
    end = utc(2024, 1, 1) + timedelta(minutes=10 * n)
    return {"ts": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000 + n,
            "master_metadata_track_name": f"Song {n} {BRACES[n % 3] if n % 20 == 7 else TRICKY[n % len(TRICKY)]}",
            "master_metadata_album_artist_name": f"Artist {n % 7}", "master_metadata_album_album_name": "Album",
            "incognito_mode": False, **fields}


def json_array(items: list, *, indent: int | None = 4) -> tuple[str, list[int]]:
    """The text of a JSON array of `items`, laid out like Spotify's, and the line each item starts on."""
    parts, lines, line = ["[\n"], [], 2
    for n, item in enumerate(items):
        text = json.dumps(item, indent=indent, ensure_ascii=False)
        parts.append(("," if n else "") + ("\n" if n and indent else "") + text)
        lines.append(line)
        line += text.count("\n") + (1 if indent else 0)
    parts.append("\n]\n")
    return "".join(parts), lines


@pytest.fixture
def small_runs(monkeypatch):
    """Chunks and runs far smaller than an entry's few hundred bytes are not: every boundary gets cut."""
    monkeypatch.setattr(base, "CHUNK_CHARS", 2000)
    monkeypatch.setattr(base, "FLAT_RUN_CHARS", 1500)
    decoded = []
    real = base._flat_objects

    def counting(buffer, pos):
        objects, end = real(buffer, pos)
        decoded.extend(objects or [])
        return objects, end

    monkeypatch.setattr(base, "_flat_objects", counting)
    return decoded


@pytest.mark.parametrize("indent", [4, None])
def test_flat_entries_decoded_many_at_a_time_keep_their_lines_and_values(tmp_path, small_runs, indent):
    rows = [spotify_row(n) for n in range(60)]
    text, lines = json_array(rows, indent=indent)
    path = tmp_path / "history.json"
    path.write_text(text, encoding="utf-8")
    with open(path, encoding="utf-8") as stream:
        assert list(base.iter_json_array(stream, path.name)) == list(zip(lines, rows))
    assert len(small_runs) > len(rows) / 2  # most went through the fast path


def test_nested_entries_and_what_only_the_scanner_reads_come_out_the_same(tmp_path, small_runs):
    text = '[{"a": 1}, {"b": {"c": [1, 2]}}, {"d": NaN}, {"e": 12345678901234567890123}, {"f": "\\ud800"}]'
    path = tmp_path / "odd.json"
    path.write_text(text, encoding="utf-8")
    with open(path, encoding="utf-8") as stream:
        items = [item for _, item in base.iter_json_array(stream, path.name)]
    assert json.dumps(items) == json.dumps(json.loads(text))


def test_a_bad_entry_deep_in_a_flat_file_is_named_with_its_exact_line(tmp_path, small_runs):
    rows = [spotify_row(n) for n in range(80)]
    rows[57]["ms_played"] = "a while"
    text, lines = json_array(rows)
    path = tmp_path / "Streaming_History_Audio_2024_0.json"
    path.write_text(text, encoding="utf-8")
    [failure] = history_import(paths=[path]).failed
    assert f"line {lines[57]}: ms_played 'a while' is not a number of milliseconds" in failure.error
    assert not Scrobble.objects.exists()


def test_each_file_is_parsed_once_and_its_plays_stored_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(history_import_module, "SPOOL_BATCH", 3)
    monkeypatch.setattr(history_import_module, "SPOOL_MEMORY_BYTES", 100)  # past it: a temporary file
    parser, source, family = importers.PARSERS["spotify-extended"]
    calls = []
    monkeypatch.setitem(importers.PARSERS, "spotify-extended",
                        (lambda stream, name: calls.append(name) or parser(stream, name), source, family))
    rows = [spotify_row(n) for n in range(10)] + [spotify_row(10, master_metadata_track_name=None)]
    (tmp_path / "Streaming_History_Audio_2024_0.json").write_text(json_array(rows)[0], encoding="utf-8")
    report = history_import(paths=[tmp_path])
    assert len(calls) == 1
    assert (report.total.added, dict(report.total.rejected_reasons)) == (
        10, {"not music (podcast, audiobook or local file)": 1})
    starts = [utc(2024, 1, 1) + timedelta(minutes=10 * n, milliseconds=-(200_000 + n)) for n in range(10)]
    assert sorted(Scrobble.objects.values_list("played_at", "ms_played")) == [
        (start.replace(microsecond=0), 200_000 + n) for n, start in enumerate(starts)]
