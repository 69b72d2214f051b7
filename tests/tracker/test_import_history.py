"""History-file imports: every format of tests/fixtures/imports, duplicates, broken files."""

import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalog.models import Artist, Track
from tracker.models import Scrobble
from tracker.services.history_import import history_import

IMPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def imported(*relative_paths, format="auto"):
    return history_import(paths=[IMPORTS / p for p in relative_paths], format=format)


def zip_tree(src: Path, dest: Path, prefix: str = "", pattern: str = "**/*") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(src.glob(pattern)):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(src).as_posix())
    return dest


def test_it_imports_spotify_extended_history_taking_ts_as_the_end_of_the_play():
    report = imported("spotify_extended/Streaming_History_Audio_2023-2024_0.json")
    assert not report.failed
    assert Scrobble.objects.count() == 10
    assert set(Scrobble.objects.values_list("source", flat=True)) == {"spotify"}
    # Row 14 ends at 18:04:51 after 291 s: it started at 18:00:00.
    assert Scrobble.objects.filter(played_at=utc(2024, 3, 2, 18, 0, 0)).exists()
    # Row 2 ends in 2024 but started on New Year's Eve.
    assert Scrobble.objects.filter(played_at__year=2023).count() >= 1
    reasons = report.total.rejected_reasons
    assert reasons["played under 30 s"] == 1  # exactly 30 000 ms is kept
    assert reasons["not music (podcast, audiobook or local file)"] == 3
    assert Scrobble.objects.filter(track__title="Hoppípolla", artist__name="Sigur Rós").exists()


@override_settings(IMPORT_SKIP_PRIVATE_SESSIONS=True)
def test_it_can_leave_out_private_sessions():
    imported("spotify_extended/Streaming_History_Audio_2023-2024_0.json")
    assert Scrobble.objects.count() == 9


def test_it_reads_the_legacy_endsong_format_and_passes_over_video_history():
    report = imported("spotify_extended/legacy/endsong_0.json",
                      "spotify_extended/Streaming_History_Video_2023-2024.json")
    assert sorted(Scrobble.objects.values_list("played_at", flat=True)) == [
        utc(2021, 6, 12, 13, 37, 28), utc(2021, 6, 12, 18, 57, 55)
    ]
    assert [o.passed_over for o in report.files if o.passed_over] == ["Spotify video history"]


def test_it_imports_spotify_account_data_and_skips_podcasts():
    imported("spotify_account")
    assert Scrobble.objects.count() == 7
    assert not Scrobble.objects.filter(album__isnull=False).exists()  # account data has no album


def test_it_imports_the_lastfm_tool_csv_skipping_the_now_playing_row():
    report = imported("lastfm/rj_demo.csv")
    assert Scrobble.objects.count() == 10
    assert report.total.rejected_reasons == {"playing during the export (no date)": 1}
    beatles = Scrobble.objects.filter(artist__name="The Beatles", played_at=utc(2024, 11, 2, 21, 25))
    assert beatles.count() == 2  # two tracks in the same minute are two plays
    assert Scrobble.objects.get(track__title="Glory Box").album is None


def test_ghan_csv_and_json_and_the_tool_csv_are_the_same_ten_plays():
    imported("lastfm/recenttracks-rj_demo-1730627100.csv")
    assert Scrobble.objects.count() == 10
    imported("lastfm/recenttracks-rj_demo-1730627100.json")
    imported("lastfm/rj_demo.csv")  # commas and quotes stripped, minutes only: still the same plays
    assert Scrobble.objects.count() == 10
    assert Artist.objects.filter(name__startswith="Crosby").count() == 1


def test_old_and_new_listenbrainz_exports_give_nine_listens():
    imported("listenbrainz/rj_demo_lb-2024-09-30.json")
    assert Scrobble.objects.count() == 4
    imported("listenbrainz/listenbrainz_rj_demo_1734220800")
    assert Scrobble.objects.count() == 9
    assert set(Scrobble.objects.values_list("source", flat=True)) == {"listenbrainz"}


def test_it_imports_zips_as_the_services_deliver_them(tmp_path):
    spotify_zip = zip_tree(IMPORTS / "spotify_extended", tmp_path / "my_spotify_data.zip",
                           prefix="Spotify Extended Streaming History/", pattern="Streaming_History_*.json")
    lb_zip = zip_tree(IMPORTS / "listenbrainz/listenbrainz_rj_demo_1734220800",
                      tmp_path / "listenbrainz_rj_demo_1734220800.zip")
    report = history_import(paths=[spotify_zip, lb_zip])
    assert not report.failed
    assert Scrobble.objects.filter(source="spotify").count() == 10
    assert Scrobble.objects.filter(source="listenbrainz").count() == 9


@pytest.mark.parametrize("order", [("dedup/Streaming_History_Audio_2024_1.json", "dedup/rj_demo.csv"),
                                   ("dedup/rj_demo.csv", "dedup/Streaming_History_Audio_2024_1.json")])
def test_a_play_known_from_another_source_is_not_added_twice(order):
    for path in order:
        imported(path)
    assert Scrobble.objects.count() == 3
    # Teardrop ended within 60 s of the start of Roads: only the same track counts as the same play.
    assert Scrobble.objects.filter(track__title="Roads").count() == 1
    assert Scrobble.objects.filter(track__title="Teardrop").count() == 1


def test_a_rerun_adds_nothing():
    imported("spotify_extended", "lastfm", "listenbrainz")
    before = Scrobble.objects.count()
    tracks = Track.objects.count()
    report = imported("spotify_extended", "lastfm", "listenbrainz")
    assert report.total.added == 0
    assert Scrobble.objects.count() == before and Track.objects.count() == tracks


@pytest.mark.parametrize("path,line", [("malformed/Streaming_History_Audio_2024_2.json", 59),
                                       ("malformed/rj_demo_bad_date.csv", 3)])
def test_a_broken_file_is_named_with_its_line_and_changes_nothing(path, line):
    report = imported(path)
    assert Scrobble.objects.count() == 0 and Artist.objects.count() == 0
    [failure] = report.failed
    assert Path(path).name in failure.error and f"line {line}" in failure.error


def test_a_broken_file_does_not_stop_the_good_ones():
    report = imported("malformed/rj_demo_bad_date.csv", "spotify_account/StreamingHistory_music_0.json")
    assert len(report.failed) == 1
    assert Scrobble.objects.count() == 7


def test_a_file_that_is_not_a_history_export_is_refused(tmp_path):
    stranger = tmp_path / "notes.json"
    stranger.write_text('{"hello": "world"}')
    report = history_import(paths=[stranger])
    assert "not a listening-history file" in report.failed[0].error


def test_an_explicit_format_that_does_not_match_is_refused():
    report = imported("lastfm/rj_demo.csv", format="spotify")
    assert "not spotify" in report.failed[0].error
    assert Scrobble.objects.count() == 0


def test_the_command_prints_a_summary_and_fails_with_one_line_on_bad_input(capsys):
    call_command("import_history", str(IMPORTS / "spotify_account"))
    assert "1 file(s) imported: 7 added" in capsys.readouterr().out
    with pytest.raises(CommandError, match="failed and changed nothing"):
        call_command("import_history", str(IMPORTS / "malformed/rj_demo_bad_date.csv"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_history", "/nowhere/export.zip")


def test_an_import_brings_the_collections_play_figures_up_to_date():
    from catalog.models import Album

    owned = Album.objects.create(title="Mezzanine (Remastered)", artist=Artist.objects.create(name="Massive Attack"),
                                 discogs_release_id=123)
    imported("dedup/Streaming_History_Audio_2024_1.json")
    owned.refresh_from_db()
    listened = Album.objects.get(title="Mezzanine", discogs_release_id__isnull=True)
    assert owned.listened_album == listened
    assert listened.play_count == 1 and owned.play_count == 1
    assert owned.last_played_at == Scrobble.objects.get(album=listened).played_at


def test_a_csv_with_an_unclosed_quote_is_named_with_its_line_and_changes_nothing(tmp_path):
    broken = tmp_path / "rj_demo.csv"
    broken.write_text('Portishead,Dummy,Roads,27 Oct 2024 20:44\n"Massive Attack,Mezzanine,Angel,27 Oct 2024 20:38\n'
                      + "x" * 200_000 + "\n")
    with pytest.raises(CommandError, match="failed and changed nothing"):
        call_command("import_history", str(broken))
    report = history_import(paths=[broken])
    assert "rj_demo.csv, line 2: broken CSV" in report.failed[0].error
    assert Scrobble.objects.count() == 0


def test_a_file_shaped_unlike_its_format_gets_a_clear_error(tmp_path):
    odd = tmp_path / "recenttracks-rj_demo-1.json"
    odd.write_text('[{"track": [{"name": "Roads", "artist": ["Portishead"], "date": {"uts": "1730624693"}}]}]')
    report = history_import(paths=[odd])
    assert "not a valid lastfm-ghan-json file" in report.failed[0].error
    assert Scrobble.objects.count() == 0


def test_progress_is_reported_after_each_file_commits():
    seen = []
    history_import(paths=[IMPORTS / "spotify_account", IMPORTS / "lastfm/rj_demo.csv"],
                   on_progress=lambda name, result: seen.append((Path(name).name, result.added)))
    assert ("StreamingHistory_music_0.json", 7) in seen and ("rj_demo.csv", 10) in seen
