"""Hostile history files and plays: absurd names, times and durations, zip bombs, deep JSON.

Every file is built here in tmp_path. Whatever a file holds, the import ends with good rows
stored, bad rows rejected with a reason or the file refused with a one-line error naming it,
and the pages that show the history stay small and answer 200.
"""

import json
import struct
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import Album, Artist, Track
from core.models import Job
from tests.factories import utc
from tracker.models import Scrobble
from tracker.services.history_import import history_import
from tracker.services.import_upload import IMPORT_KIND
from tracker.services.ingest import Play, scrobble_ingest, track_resolve

pytestmark = pytest.mark.django_db

IMPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
MB = 1 << 20
PAGE_LIMIT = MB  # a page of the history is a few hundred KB at most


def spotify_row(*, ts="2024-03-02T18:04:51Z", ms="240000", title="Roads", artist="Portishead", album="Dummy"):
    """One extended-history row; `ms` is raw JSON text, so it can be 1e999 or NaN."""
    return (f'{{"ts": {json.dumps(ts)}, "ms_played": {ms}, "master_metadata_track_name": {json.dumps(title)}, '
            f'"master_metadata_album_artist_name": {json.dumps(artist)}, '
            f'"master_metadata_album_album_name": {json.dumps(album)}}}')


HUGE = "x" * MB
HOSTILE_ROWS = [
    spotify_row(),  # a good play
    spotify_row(ts="2024-03-02T19:00:00Z", title="Sour\x00\r\nTimes\x1b\x85", album="Du\x00mmy"),
    spotify_row(ts="2024-03-02T20:00:00Z", title=HUGE, artist=HUGE, album=HUGE),
    spotify_row(ts="9999-12-31T23:59:59Z", title="Doomsday"),
    spotify_row(ts="1999-06-01T12:00:00Z", title="Millennium"),
    spotify_row(ts="2024-03-03T10:00:00Z", ms="1e30"),
    spotify_row(ts="2024-03-03T11:00:00Z", ms="1e999"),
    spotify_row(ts="2024-03-03T12:00:00Z", ms="NaN"),
    spotify_row(ts="2024-03-03T13:00:00Z", ms="-5"),
    spotify_row(ts="2024-03-03T14:00:00Z", ms=str(25 * 3600 * 1000)),
    spotify_row(ts="2024-03-03T15:00:00Z", title="\x00\x00"),
]


@pytest.fixture
def hostile_json(tmp_path):
    path = tmp_path / "Streaming_History_Audio_2024_0.json"
    path.write_text("[\n" + ",\n".join(HOSTILE_ROWS) + "\n]\n")
    return path


def assert_small_pages(client):
    for url in ("/timeline/?date=2024-03-02", "/timeline/", "/journal/?q=x", "/journal/",
                "/admin/tracker/scrobble/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < PAGE_LIMIT, url


def test_a_hostile_spotify_file_keeps_the_good_rows_and_rejects_the_rest_with_reasons(hostile_json, owner_client):
    report = history_import(paths=[hostile_json])
    assert not report.failed
    result = report.total
    assert result.added == 3
    assert result.rejected_reasons == {
        "played in the future": 1,
        "played before 2002": 1,
        "impossible duration (negative, not a number or over 24 h)": 5,
        "no title": 1,
    }
    assert Scrobble.objects.filter(track__title="Roads").count() == 1
    assert Track.objects.filter(title="Sour Times", album__title="Dummy").exists()  # controls gone, same album
    assert Artist.objects.filter(name="x" * Artist._meta.get_field("name").max_length).exists()
    assert Album.objects.filter(title="x" * Album._meta.get_field("title").max_length).exists()
    assert Track.objects.filter(title="x" * Track._meta.get_field("title").max_length).exists()
    names = [*Artist.objects.values_list("name", flat=True), *Album.objects.values_list("title", flat=True),
             *Track.objects.values_list("title", flat=True)]
    assert not any("\x00" in name for name in names)  # (SQLite's LIKE stops at a NUL: no filter can tell)
    assert not Scrobble.objects.filter(played_at__year__gte=2100).exists()
    assert_small_pages(owner_client)


def test_the_command_reports_absurd_durations_as_rejected_rows_not_a_traceback(hostile_json, capsys):
    call_command("import_history", str(hostile_json))
    out = capsys.readouterr().out
    assert "1 file(s) imported: 3 added" in out and "impossible duration" in out


def test_a_zip_bomb_member_is_refused_unread_and_the_rest_of_the_zip_lands(tmp_path, owner_client):
    bomb = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(IMPORTS / "spotify_account" / "StreamingHistory_music_0.json", "StreamingHistory_music_0.json")
        with archive.open("Streaming_History_Audio_2024_1.json", "w") as member:
            member.write(b'[{"ts": "2024-03-02T18:04:51Z", "ms_played": 240000, "master_metadata_track_name": "')
            chunk = b"x" * MB
            for _ in range(100):  # a 104,857,600-character title, packed to ~100 KB
                member.write(chunk)
            member.write(b'", "master_metadata_album_artist_name": "Portishead"}]')
    assert bomb.stat().st_size < 200 * 1024
    report = history_import(paths=[bomb])
    [failure] = report.failed
    assert failure.name == "my_spotify_data.zip/Streaming_History_Audio_2024_1.json"
    assert failure.error.startswith("my_spotify_data.zip/Streaming_History_Audio_2024_1.json: unpacks to 100 MB")
    assert "\n" not in failure.error
    assert Scrobble.objects.count() == 7  # the other member's plays
    assert_small_pages(owner_client)


def test_a_zip_entry_that_unpacks_to_more_than_it_declares_is_a_named_error(tmp_path):
    source = IMPORTS / "spotify_account" / "StreamingHistory_music_0.json"
    liar = tmp_path / "export.zip"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(source, "StreamingHistory_music_0.json")
    data = bytearray(liar.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", source.stat().st_size // 2)  # declared uncompressed size
    liar.write_bytes(bytes(data))
    report = history_import(paths=[liar])
    [failure] = report.failed
    assert failure.error.startswith("export.zip/StreamingHistory_music_0.json: a damaged zip entry")
    assert Scrobble.objects.count() == 0


def test_a_damaged_zip_stops_the_command_with_one_line(tmp_path):
    broken = tmp_path / "export.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.write(IMPORTS / "spotify_account" / "StreamingHistory_music_0.json", "StreamingHistory_music_0.json")
    broken.write_bytes(broken.read_bytes().replace(b"PK\x01\x02", b"PK\x01\x09"))
    with pytest.raises(CommandError) as raised:
        call_command("import_history", str(broken))
    assert str(raised.value).startswith("The import stopped: export.zip: a damaged zip")
    assert "\n" not in str(raised.value)


def test_an_entry_too_large_to_be_history_is_refused_with_its_line(tmp_path):
    path = tmp_path / "Streaming_History_Audio_2024_2.json"
    path.write_text("[\n" + spotify_row() + ",\n" + spotify_row(title="y" * (9 * MB)) + "\n]")
    report = history_import(paths=[path])
    [failure] = report.failed
    assert failure.error == f"{path}, line 3: an entry longer than 8 MB: not a listening history"
    assert Scrobble.objects.count() == 0


def test_a_jsonl_line_too_long_to_be_history_is_refused_with_its_line(tmp_path):
    path = tmp_path / "listens" / "2024" / "5.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"listened_at": 1714557600, "track_metadata": {"artist_name": "A", "track_name": "'
                    + "z" * (9 * MB) + '"}}\n')
    [failure] = history_import(paths=[path]).failed
    assert failure.error.endswith("5.jsonl, line 1: an entry longer than 8 MB: not a listening history")


@pytest.mark.parametrize("name, text", [
    ("Streaming_History_Audio_2024_3.json", "[" + "[" * 100_000 + "]" * 100_000 + "]"),
    ("listens/2024/6.jsonl", '{"listened_at": 1714557600, "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
])
def test_json_nested_100000_deep_is_a_named_file_error(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with pytest.raises(CommandError) as raised:
        call_command("import_history", str(path))
    assert "failed and changed nothing" in str(raised.value)
    [failure] = history_import(paths=[path]).failed
    assert failure.error == f"{path}, line 1: JSON nested too deeply: not a listening history"


def test_listenbrainz_far_dates_and_infinite_lengths_are_handled_per_row(tmp_path):
    path = tmp_path / "listens" / "2024" / "5.jsonl"
    path.parent.mkdir(parents=True)
    listens = [
        '{"listened_at": 1714557600, "track_metadata": {"artist_name": "Air", "track_name": "La femme d\'argent",'
        ' "additional_info": {"duration_ms": 1e999}}}',
        '{"listened_at": 253402300799, "track_metadata": {"artist_name": "Air", "track_name": "Y2K10K"}}',
        '{"listened_at": 0, "track_metadata": {"artist_name": "Air", "track_name": "Epoch"}}',
    ]
    path.write_text("\n".join(listens) + "\n")
    report = history_import(paths=[path])
    assert not report.failed
    assert report.total.added == 1
    assert report.total.rejected_reasons == {"played in the future": 1, "played before 2002": 1}
    assert Track.objects.get().duration_ms is None


def test_every_source_gets_the_same_cleaning_through_ingest():
    """What the Last.fm poll (or any later source) hands to ingest is cleaned the same way."""
    now = timezone.now().replace(microsecond=0)
    result = scrobble_ingest(source=Scrobble.Source.LASTFM, plays=[
        Play(artist="Massive\x00 Attack", title="Angel\n", album="Mezza\x9bnine", played_at=now - timedelta(hours=1),
             duration_ms=10**30),
        Play(artist="A" * 10_000, title="T" * 10_000, album="L" * 10_000, played_at=now - timedelta(hours=2)),
        Play(artist="Air", title="Soon", played_at=now + timedelta(minutes=5)),  # a clock a little ahead
        Play(artist="Air", title="Later", played_at=now + timedelta(minutes=11)),
        Play(artist="Air", title="Long ago", played_at=utc(2001, 12, 31, 23, 59)),
        Play(artist="Air", title="Forever", played_at=now - timedelta(hours=3), ms_played=10**30),
        Play(artist="\x00", title="Nobody", played_at=now - timedelta(hours=4)),
    ])
    assert result.added == 3
    assert result.rejected_reasons == {"played in the future": 1, "played before 2002": 1, "no artist": 1,
                                       "impossible duration (negative, not a number or over 24 h)": 1}
    angel = Track.objects.get(title="Angel")
    assert (angel.artist.name, angel.album.title, angel.duration_ms) == ("Massive Attack", "Mezzanine", None)
    assert len(Artist.objects.get(name__startswith="AAA").name) == Artist._meta.get_field("name").max_length
    track = track_resolve(artist="Portis\x00head", title="Roads\t", album="Dum\x00my")
    assert (track.artist.name, track.title, track.album.title) == ("Portishead", "Roads", "Dummy")


# --- the upload job's message -----------------------------------------------------------
@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def upload_job(owner_client, captured, path: Path) -> Job:
    files = [SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")]
    with captured(execute=True):
        owner_client.post(reverse("import_upload"), {"files": files, "format": "auto"}, HTTP_HX_REQUEST="true")
    return Job.objects.get(kind=IMPORT_KIND)


def test_an_unexpected_error_stops_the_job_with_a_sentence_and_logs_the_traceback(
        owner_client, django_capture_on_commit_callbacks, data_dir, hostile_json, monkeypatch, caplog):
    def boom(**kwargs):
        raise RuntimeError("internal detail /srv/secret")

    monkeypatch.setattr("tracker.services.history_import.catalog_figures_refresh", boom)
    job = upload_job(owner_client, django_capture_on_commit_callbacks, hostile_json)
    assert job.status == Job.Status.FAILED
    assert job.message == "The import stopped on an unexpected error; see the logs"
    assert any(record.exc_info and "internal detail" in str(record.exc_info[1]) for record in caplog.records)


def test_a_file_error_that_stops_the_job_is_one_named_sentence(
        owner_client, django_capture_on_commit_callbacks, data_dir, hostile_json, monkeypatch):
    from tracker.importers import ImportFileError

    def damaged(paths):
        raise ImportFileError("export.zip", None, "a damaged zip (Bad magic number for central directory)")

    monkeypatch.setattr("tracker.services.history_import._sources", damaged)
    job = upload_job(owner_client, django_capture_on_commit_callbacks, hostile_json)
    assert job.message == "The import stopped: export.zip: a damaged zip (Bad magic number for central directory)"


def test_a_hostile_upload_imports_its_good_rows(owner_client, django_capture_on_commit_callbacks, data_dir,
                                                hostile_json):
    job = upload_job(owner_client, django_capture_on_commit_callbacks, hostile_json)
    assert job.status == Job.Status.SUCCEEDED and job.message.startswith("3 plays added")
    assert_small_pages(owner_client)
