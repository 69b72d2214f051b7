"""`manage.py export_journal`: every format equals the database, --since, the ListenBrainz round trip,
one-line errors, and plays read batch by batch."""

import csv
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Album, AlbumArtist, Artist, CollectionItem, Track
from core.exports import spreadsheet_cell, spreadsheet_cell_decoded
from enrichment.models import Fact
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.models import Scrobble
from tracker.selectors import export
from tracker.services.ingest import Play, scrobble_ingest

ROOT = Path(__file__).resolve().parent.parent.parent
LB_FIXTURE = ROOT / "tests" / "fixtures" / "imports" / "listenbrainz" / "listenbrainz_rj_demo_1734220800"
PARIS = ZoneInfo("Europe/Paris")
# PostgreSQL refuses a NUL in text; SQLite stores one (a database edited by hand, or older data).
NUL = "\x00" if connection.vendor == "sqlite" else ""

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def hostile_history() -> dict:
    """Plays whose names hold quotes, commas, line breaks, NUL, emoji, a formula; one at 23:30 UTC,
    already the next day in Paris; a record in the collection and a fact with its evidence."""
    csny = make_artist('Crosby, Stills, Nash & Young', mbid=uuid.UUID("a1b2c3d4-0000-4000-8000-000000000001"))
    deja = make_album('Déjà "Vu"', artist=csny, mbid=uuid.UUID("a1b2c3d4-0000-4000-8000-000000000002"),
                      discogs_release_id=367458, year=1970)
    carry_on = make_track("Carry On,\nQuestions", album=deja, duration_ms=385_000, number=1,
                          mbid=uuid.UUID("a1b2c3d4-0000-4000-8000-000000000003"), spotify_id="4bBqpV1BrBdAT0Tq1jLBvN")
    formula = make_artist('=HYPERLINK("http://example.com","x")')
    emoji = make_track(f"☕ Morning{NUL} 🎧", artist=formula)  # no album
    quote = make_artist("'Til Tuesday")
    voices = make_track("Voices Carry", album=make_album("Voices Carry", artist=quote), duration_ms=260_000)
    live = make_track("Voices Carry (live)", album=voices.album)
    plays = [
        make_scrobble(carry_on, utc(2024, 3, 9, 22, 30), source="spotify", ms_played=301_000),  # 23:30 in Paris
        make_scrobble(carry_on, utc(2024, 3, 9, 23, 30), source="lastfm", loved=True),  # 00:30 on the 10th
        make_scrobble(emoji, utc(2024, 3, 10, 8, 0, 5), source="listenbrainz"),
        make_scrobble(voices, utc(2024, 4, 1, 12, 0), source="manual"),
        make_scrobble(live, utc(2024, 4, 1, 12, 0), source="manual"),  # the same instant: the id orders them
    ]
    copy = make_copy(deja, instance_id=99_001, folder_id=7, folder_name='Keepers, "best"',
                     date_added=utc(2023, 12, 24, 18, 5), rating=4, notes="Gatefold,\nfirst press")
    fact = Fact.objects.create(entity_type="artist", entity_id=csny.pk, field="genres", value=["folk rock", "🎸"],
                               provider="lastfm", confidence=0.8,
                               evidence=["https://www.last.fm/music/Crosby,+Stills,+Nash+%26+Young", "req:1\n2"])
    return {"plays": plays, "copy": copy, "fact": fact, "artist": csny}


def database_plays(since=None) -> list[tuple]:
    plays = Scrobble.objects.select_related("artist", "album", "track").order_by("played_at", "id")
    if since:
        plays = plays.filter(played_at__gte=datetime.combine(since, datetime.min.time(), PARIS))
    return [(p.played_at, p.played_at.astimezone(PARIS), p.artist.name, p.album.title if p.album else None,
             p.track.title, p.source, p.loved, p.track.duration_ms, p.ms_played) for p in plays]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_journal", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def csv_plays(text: str) -> list[tuple]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == export.CSV_HEADER
    decoded = spreadsheet_cell_decoded
    return [(datetime.fromisoformat(utc_text), datetime.fromisoformat(local), decoded(artist),
             decoded(album) or None, decoded(track), source, {"true": True, "false": False}[loved],
             int(duration) if duration else None, int(ms_played) if ms_played else None)
            for utc_text, local, artist, album, track, source, loved, duration, ms_played in rows[1:]]


def json_plays(document: dict) -> list[tuple]:
    return [(datetime.fromisoformat(p["played_at"]), datetime.fromisoformat(p["played_at_local"]), p["artist"],
             p["album"], p["track"], p["source"], p["loved"], p["duration_ms"], p["ms_played"])
            for p in document["plays"]]


def zip_listens(path: Path) -> dict[str, list[dict]]:
    with zipfile.ZipFile(path) as archive:
        return {name: [json.loads(line) for line in archive.read(name).decode().splitlines()]
                for name in archive.namelist()}


# --- content ---------------------------------------------------------------------------------
def test_it_exports_every_play_as_csv_equal_to_the_database(tmp_path):
    hostile_history()
    out, _ = run("--format", "csv", tmp_path / "journal.csv")
    text = (tmp_path / "journal.csv").read_text(encoding="utf-8")
    assert csv_plays(text) == database_plays()
    assert len(database_plays()) == 5
    assert "Exported 5 plays to" in out


def test_csv_cells_a_spreadsheet_would_run_are_guarded_and_read_back(tmp_path):
    hostile_history()
    run(tmp_path / "journal.csv")  # csv is the default
    rows = list(csv.reader((tmp_path / "journal.csv").open(encoding="utf-8", newline="")))
    artists = {row[2] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://example.com\",\"x\")" in artists
    assert "''Til Tuesday" in artists  # the guard itself is guarded, so nothing is lost
    assert [spreadsheet_cell_decoded(spreadsheet_cell(text)) for text in ("'", "-M-", "'=", "ok", "")] == [
        "'", "-M-", "'=", "ok", ""]


def test_it_exports_valid_json_with_plays_the_collection_and_facts_with_evidence(tmp_path):
    history = hostile_history()
    out, _ = run("--format", "json", tmp_path / "journal.json")
    document = json.loads((tmp_path / "journal.json").read_bytes())  # strict: any broken escape fails here
    assert document["version"] == export.EXPORT_VERSION
    assert document["time_zone"] == "Europe/Paris" and document["since"] is None
    assert datetime.fromisoformat(document["exported_at"]).tzinfo is not None
    assert json_plays(document) == database_plays()
    first = document["plays"][0]
    track = Track.objects.get(title="Carry On,\nQuestions")
    assert (first["track_id"], first["artist_id"], first["album_id"]) == (track.pk, track.artist_id, track.album_id)

    [copy] = document["collection"]
    assert copy == {
        "discogs_instance_id": 99_001, "discogs_release_id": 367458, "folder_id": 7, "folder_name": 'Keepers, "best"',
        "date_added": "2023-12-24T18:05:00Z", "rating": 4, "album_id": history["copy"].album_id, "album": 'Déjà "Vu"',
        "artist": "Crosby, Stills, Nash & Young", "year": 1970, "format": "", "format_descriptions": "",
        "label": None, "catalog_number": "", "media_condition": "", "sleeve_condition": "",
        "notes": "Gatefold,\nfirst press", "removed_at": None,
    }
    [fact] = document["facts"]
    assert fact["entity_type"] == "artist" and fact["entity_id"] == history["artist"].pk
    assert fact["entity_name"] == "Crosby, Stills, Nash & Young"
    assert (fact["field"], fact["value"], fact["provider"], fact["confidence"]) == (
        "genres", ["folk rock", "🎸"], "lastfm", 0.8)
    assert fact["evidence"] == ["https://www.last.fm/music/Crosby,+Stills,+Nash+%26+Young", "req:1\n2"]
    assert datetime.fromisoformat(fact["retrieved_at"]) == history["fact"].retrieved_at
    assert "Exported 5 plays, 1 collection items and 1 facts to" in out


def test_json_holds_what_orjson_refuses_as_valid_json():
    assert json.loads(export.json_dumps({"big": 2**70, "name": "a\x00\"b\"\n🎧"})) == {
        "big": 2**70, "name": "a\x00\"b\"\n🎧"}


def test_times_are_utc_and_local_and_since_starts_at_the_local_midnight(tmp_path):
    hostile_history()
    run("--format", "json", "--since", "2024-03-10", tmp_path / "since.json")
    document = json.loads((tmp_path / "since.json").read_bytes())
    assert document["since"] == "2024-03-10"
    # 23:30 UTC on the 9th is 00:30 on the 10th in Paris: in; 22:30 UTC (23:30 on the 9th): out.
    assert [(p["played_at"], p["played_at_local"]) for p in document["plays"][:1]] == [
        ("2024-03-09T23:30:00Z", "2024-03-10T00:30:00+01:00")]
    assert json_plays(document) == database_plays(since=datetime(2024, 3, 10).date())
    assert len(document["plays"]) == 4

    run("--since", "2024-04-01", tmp_path / "april.csv")
    assert [row[0] for row in csv_plays((tmp_path / "april.csv").read_text())] == [utc(2024, 4, 1, 12)] * 2


def test_listenbrainz_export_has_the_layout_and_listens_of_a_listenbrainz_export(tmp_path):
    hostile_history()
    run("--format", "listenbrainz", tmp_path / "lb.zip")
    listens = zip_listens(tmp_path / "lb.zip")
    assert list(listens) == ["listens/2024/3.jsonl", "listens/2024/4.jsonl"]  # UTC months, not zero-padded
    march = listens["listens/2024/3.jsonl"]
    assert [listen["listened_at"] for listen in march] == [
        int(utc(2024, 3, 9, 22, 30).timestamp()), int(utc(2024, 3, 9, 23, 30).timestamp()),
        int(utc(2024, 3, 10, 8, 0, 5).timestamp())]
    carry_on = march[0]["track_metadata"]
    assert carry_on["artist_name"] == "Crosby, Stills, Nash & Young"
    assert carry_on["track_name"] == "Carry On,\nQuestions" and carry_on["release_name"] == 'Déjà "Vu"'
    assert carry_on["mbid_mapping"] is None
    assert carry_on["additional_info"] == {
        "duration_ms": 385_000, "ms_played": 301_000, "tracknumber": 1,
        "artist_mbids": ["a1b2c3d4-0000-4000-8000-000000000001"],
        "release_mbid": "a1b2c3d4-0000-4000-8000-000000000002",
        "recording_mbid": "a1b2c3d4-0000-4000-8000-000000000003",
        "spotify_id": "https://open.spotify.com/track/4bBqpV1BrBdAT0Tq1jLBvN", "music_service": "spotify.com",
        "submission_client": "Music Journal", "journal_source": "spotify",
    }
    assert march[1]["track_metadata"]["additional_info"]["journal_loved"] is True
    emoji = march[2]["track_metadata"]
    assert emoji["track_name"] == "☕ Morning 🎧" and "release_name" not in emoji  # NUL dropped: jsonb refuses it

    # The shape of ListenBrainz's own export lines (tests/fixtures), less the msid only ListenBrainz assigns.
    fixture = json.loads((LB_FIXTURE / "listens/2024/11.jsonl").read_text().splitlines()[0])
    for listen in (line for lines in listens.values() for line in lines):
        assert list(listen) == ["listened_at", "inserted_at", "track_metadata"]
        assert set(listen) == set(fixture)
        assert set(listen["track_metadata"]) <= set(fixture["track_metadata"])
        assert isinstance(listen["listened_at"], int) and isinstance(listen["inserted_at"], float)
        assert_listenbrainz_imports(listen)


def assert_listenbrainz_imports(listen: dict) -> None:
    """What ListenBrainz's archive importer does with a line (listens_importer/listenbrainz.py, then
    api_tools.validate_listen for an import): it must take the listen, unchanged but for its own keys."""
    listen = json.loads(json.dumps(listen))
    listen.pop("inserted_at", None)
    metadata = listen["track_metadata"]
    metadata.pop("mbid_mapping", None)
    metadata.pop("recording_msid", None)
    assert set(listen) == {"listened_at", "track_metadata"}  # "may only contain listened_at and track_metadata"
    assert int(listen["listened_at"]) == listen["listened_at"]
    assert isinstance(metadata["artist_name"], str) and metadata["artist_name"]
    assert isinstance(metadata["track_name"], str) and metadata["track_name"]
    info = metadata.get("additional_info", {})
    for key in ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid"):
        if key in info:
            uuid.UUID(info[key])
    for mbid in info.get("artist_mbids", []):
        uuid.UUID(mbid)
    assert "\\u0000" not in json.dumps(listen)  # PostgreSQL's jsonb refuses it
    assert len(json.dumps(listen).encode()) <= 10_240  # MAX_LISTEN_SIZE


def test_listenbrainz_export_imports_back_into_an_empty_journal_as_the_same_plays(tmp_path):
    spotify = [
        Play("Crosby, Stills, Nash & Young", 'Carry On "Questions"', utc(2024, 3, 9, 23, 30), 'Déjà "Vu"',
             ms_played=301_000, duration_ms=385_000),
        Play("宇多田ヒカル", "初恋", utc(2024, 11, 24, 8, 57, 31), "初恋", duration_ms=295_013),
        Play("Massive Attack", "Teardrop 💧", utc(2024, 12, 1, 0, 15), "Mezzanine", duration_ms=329_800),
    ]
    lastfm = [Play("Portishead", "Roads", utc(2013, 10, 5, 21, 0), "Dummy", loved=True),
              Play("Portishead", "Roads", utc(2013, 10, 5, 21, 5, 30), "Dummy")]  # played twice
    scrobble_ingest(plays=spotify, source="spotify")
    scrobble_ingest(plays=lastfm, source="lastfm")

    def journal():
        return sorted((s.played_at, s.artist.name, s.album.title if s.album else None, s.track.title,
                       s.track.duration_ms, s.loved, s.ms_played)
                      for s in Scrobble.objects.select_related("artist", "album", "track"))

    before = journal()
    assert len(before) == 5
    run("--format", "listenbrainz", tmp_path / "listenbrainz_owner_1734220800.zip")
    Scrobble.objects.all().delete()
    CollectionItem.objects.all().delete()
    Track.objects.all().delete()
    AlbumArtist.objects.all().delete()
    Album.objects.all().delete()
    Artist.objects.all().delete()

    call_command("import_history", tmp_path / "listenbrainz_owner_1734220800.zip", format="listenbrainz",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert journal() == before
    # The importer takes the way in as the source; the journal's own is kept in additional_info.
    assert set(Scrobble.objects.values_list("source", flat=True)) == {"listenbrainz"}

    call_command("import_history", tmp_path / "listenbrainz_owner_1734220800.zip", stdout=io.StringIO(),
                 stderr=io.StringIO())  # found by its layout too, and nothing is doubled
    assert journal() == before


def test_it_writes_to_standard_output_with_the_summary_on_stderr():
    hostile_history()
    out, err = run("-")
    assert csv_plays(out) == database_plays()
    assert "Exporting plays: 5 / 5 (100%)" in err
    assert "Exported 5 plays to standard output in" in err and "plays/s)" in err


def test_it_shows_progress_and_ends_with_a_one_line_summary(tmp_path):
    hostile_history()
    out, err = run("--format", "json", tmp_path / "journal.json")
    assert "\rExporting plays: 5 / 5 (100%)" in err
    [summary] = out.splitlines()
    assert summary.startswith(f"Exported 5 plays, 1 collection items and 1 facts to {tmp_path / 'journal.json'} in ")
    assert summary.endswith(" plays/s)")


def test_an_empty_journal_exports_valid_empty_files(tmp_path):
    out, _ = run("--format", "json", tmp_path / "empty.json")
    assert json.loads((tmp_path / "empty.json").read_bytes())["plays"] == []
    run("--format", "listenbrainz", tmp_path / "empty.zip")
    assert zip_listens(tmp_path / "empty.zip") == {}
    assert "Exported 0 plays" in out


# --- failures ----------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--format", "xml", "out.csv"], "Unknown format 'xml': choose one of csv, json, listenbrainz."),
    (["--since", "31/01/2024", "out.csv"], "--since '31/01/2024' is not a date like 2024-01-31."),
    (["--since", "0001-01-01", "out.csv"], "--since '0001-01-01' is not a date like 2024-01-31."),
])
def test_bad_arguments_fail_with_one_line(tmp_path, args, message):
    with pytest.raises(CommandError) as error:
        run(*args[:-1], tmp_path / args[-1])
    assert str(error.value) == message
    assert not (tmp_path / args[-1]).exists()


def test_an_unwritable_path_fails_with_one_line_and_leaves_nothing(tmp_path):
    hostile_history()
    with pytest.raises(CommandError) as error:
        run(tmp_path / "missing" / "journal.csv")
    assert str(error.value) == f"Cannot write {tmp_path / 'missing' / 'journal.csv'}: No such file or directory."
    with pytest.raises(CommandError) as error:
        run(tmp_path)
    assert str(error.value) == f"Cannot write {tmp_path}: it is a folder."
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_fails_half_way_keeps_the_previous_file(tmp_path, monkeypatch):
    hostile_history()
    (tmp_path / "journal.csv").write_text("the previous export")

    def broken(**kwargs):
        yield [export._play_row((1, utc(2024, 1, 1), "a", None, "t", "lastfm", False, None, None, 1, 1, None,
                                 utc(2024, 1, 1), None, None, None, None, None))]
        raise DatabaseError("disk I/O error\nmore detail")

    monkeypatch.setattr(export, "play_export_rows", broken)
    with pytest.raises(CommandError) as error:
        run(tmp_path / "journal.csv")
    assert str(error.value) == "The export stopped on a database error: disk I/O error"
    assert (tmp_path / "journal.csv").read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["journal.csv"]  # no .part left behind


def test_a_bad_format_from_the_shell_is_one_line_and_a_non_zero_exit(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "export_journal", "--format", "xml",
                             str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: Unknown format 'xml': choose one of csv, json, listenbrainz."]


# --- memory: batches -----------------------------------------------------------------------------
def test_plays_are_read_in_keyset_batches_never_all_at_once(monkeypatch):
    hostile_history()
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    with CaptureQueriesContext(connection) as queries:
        chunks = list(export.journal_csv_chunks())
    play_queries = [q["sql"] for q in queries if 'FROM "tracker_scrobble"' in q["sql"]]
    assert len(play_queries) == 3  # 2 + 2 + 1 plays
    assert all("LIMIT 2" in sql for sql in play_queries)
    assert len(chunks) == 1 + 3  # the header, then a chunk per batch
    assert [chunk.count(b"\r\n") for chunk in chunks[1:]] == [2, 2, 1]  # rows end in CRLF; a name holds a \n
    # The two plays at the same instant straddle the batches: the (played_at, id) cursor keeps both.
    assert csv_plays(b"".join(chunks).decode()) == database_plays()


def test_each_format_streams_a_chunk_per_batch(monkeypatch):
    hostile_history()
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    progress = []
    for format in export.FORMATS:
        result = export.journal_export(format=format, on_progress=progress.append)
        assert progress == []  # lazy: nothing is read before the first chunk is taken
        chunks = list(result.chunks)
        assert len(chunks) >= 3 and max(map(len, chunks)) < 4_000
        assert progress == [2, 4, 5] and result.counts["plays"] == 5
        progress.clear()


@pytest.mark.parametrize("format", list(export.FORMATS))
def test_an_export_stopped_half_way_closes_cleanly(format, monkeypatch):
    """A cancelled download closes the generator between two batches: nothing may raise."""
    hostile_history()
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    chunks = export.journal_export(format=format).chunks
    next(chunks), next(chunks)
    chunks.close()
