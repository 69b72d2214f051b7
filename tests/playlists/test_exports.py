"""Exports parse back: M3U8 line by line, XSPF against the XSPF 1 RELAX NG schema, CSV by csv.reader;
names from outside (quotes, markup, NUL, line breaks, emoji) come back as text or are dropped, never
as markup or extra lines."""

import csv
import io
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import content_disposition_header
from lxml import etree

from playlists.models import Playlist, PlaylistTrack
from playlists.selectors.exports import ExportFormatError, playlist_export, playlist_filename
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db

XSPF = "{http://xspf.org/ns/0/}"
SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).parent.parent / "fixtures" / "xspf" / "xspf-1.rng")))
ROADS_MBID = uuid.UUID("6b6fd9de-8ba5-4a6e-9cc0-e4b3b4c6b1c1")
# PostgreSQL refuses NUL in text: there the hostile names are hostile without it.
NUL = "\x00" if connection.vendor == "sqlite" else ""
HOSTILE = f'Say "hi" <b>&amp;</b> {NUL}bell\x0b\nnext line 🎧 / ..\\'
HOSTILE_CLEAN = 'Say "hi" <b>&amp;</b> bell\nnext line 🎧 / ..\\'  # NUL and \x0b are not XML characters


def _playlist(name="Rainy Sunday", description="") -> Playlist:
    portishead, air = make_artist("Portishead"), make_artist("Air")
    dummy = make_album("Dummy", portishead)
    roads = make_track("Roads", dummy, number=5, duration_ms=305_400, spotify_id="0rSLgV8p5FzfnqlEk4GzxE",
                       mbid=ROADS_MBID)
    loose = make_track("Sexy Boy", artist=air)  # no album, no duration, no ids
    for day in (1, 2, 3):
        make_scrobble(roads, utc(2024, 3, day, 20))
    make_scrobble(loose, utc(2024, 3, 4, 20))
    playlist = Playlist.objects.create(name=name, description=description, created_at=utc(2024, 3, 10, 9, 30))
    PlaylistTrack.objects.create(playlist=playlist, track=roads, position=1, reason="#1 in March 2024: 3 plays")
    PlaylistTrack.objects.create(playlist=playlist, track=loose, position=2, reason="=SUM(A1) on your shelf")
    return playlist


def _hostile_playlist() -> Playlist:
    playlist = Playlist.objects.create(name=HOSTILE, description=HOSTILE)
    hashtag = make_artist("#1 Dads")
    track = make_track(HOSTILE, make_album(HOSTILE, hashtag), duration_ms=200_000)
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=1, reason=HOSTILE)
    return playlist


def _text(playlist, format, **options) -> str:
    return "".join(playlist_export(playlist, format=format, **options).chunks)


def _xspf(playlist, **options):
    document = etree.fromstring(_text(playlist, "xspf", **options).encode())
    SCHEMA.assertValid(document)
    return document


def test_it_writes_m3u8_with_extinf_and_a_locator_line_per_track():
    lines = _text(_playlist(), "m3u8").splitlines()
    assert lines == [
        "#EXTM3U",
        "#PLAYLIST:Rainy Sunday",
        "#EXTINF:305,Portishead - Roads",
        "spotify:track:0rSLgV8p5FzfnqlEk4GzxE",
        "#EXTINF:-1,Air - Sexy Boy",
        "Air - Sexy Boy",
    ]


def test_m3u8_keeps_one_line_per_field_and_no_locator_a_player_takes_for_a_comment():
    lines = _text(_hostile_playlist(), "m3u8").splitlines()
    assert len(lines) == 4  # header, name, EXTINF, locator: the line break in the names made no line
    assert lines[1] == '#PLAYLIST:Say "hi" <b>&amp;</b> bell next line 🎧 / ..\\'
    assert lines[2].startswith("#EXTINF:200,#1 Dads - Say") and "\x00" not in "".join(lines)
    assert lines[3] == './#1 Dads - Say "hi" <b>&amp;</b> bell next line 🎧 / ..\\'


def test_it_writes_xspf_that_the_xspf_schema_accepts_with_every_known_field():
    document = _xspf(_playlist(description="For the rain"), base_url="https://music.example.org/")
    assert document.get("version") == "1"
    assert document.findtext(f"{XSPF}title") == "Rainy Sunday"
    assert document.findtext(f"{XSPF}creator") == "Music Journal"
    assert document.findtext(f"{XSPF}annotation") == "For the rain"
    assert document.findtext(f"{XSPF}date") == "2024-03-10T09:30:00+00:00"
    roads, loose = document.find(f"{XSPF}trackList")
    assert roads.findtext(f"{XSPF}location") == "https://open.spotify.com/track/0rSLgV8p5FzfnqlEk4GzxE"
    assert [i.text for i in roads.findall(f"{XSPF}identifier")] == [
        "spotify:track:0rSLgV8p5FzfnqlEk4GzxE", f"https://musicbrainz.org/recording/{ROADS_MBID}"]
    album_id = PlaylistTrack.objects.get(position=1).track.album_id
    assert {child.tag.removeprefix(XSPF): child.text for child in roads if child.tag != f"{XSPF}identifier"} == {
        "location": "https://open.spotify.com/track/0rSLgV8p5FzfnqlEk4GzxE",
        "title": "Roads", "creator": "Portishead", "annotation": "#1 in March 2024: 3 plays",
        "info": f"https://music.example.org/albums/{album_id}/", "album": "Dummy", "trackNum": "5",
        "duration": "305400",
    }
    assert {child.tag.removeprefix(XSPF) for child in loose} == {"title", "creator", "annotation"}


def test_xspf_has_no_info_link_without_a_base_url():
    document = _xspf(_playlist())
    assert document.find(f".//{XSPF}info") is None


def test_the_schema_refuses_what_xspf_forbids():
    """The validation above means something: the schema says no to a broken playlist."""
    document = _xspf(_playlist())
    document.find(f".//{XSPF}trackNum").text = "0"
    assert not SCHEMA.validate(document)
    document.remove(document.find(f"{XSPF}trackList"))
    assert not SCHEMA.validate(document)


def test_xspf_carries_hostile_names_as_text_without_forbidden_characters():
    text = _text(_hostile_playlist(), "xspf")
    assert "\x00" not in text and "\x0b" not in text and "<b>" not in text
    document = etree.fromstring(text.encode())
    SCHEMA.assertValid(document)
    assert document.findtext(f"{XSPF}title") == HOSTILE_CLEAN
    track = document.find(f"{XSPF}trackList/{XSPF}track")
    assert [track.findtext(f"{XSPF}{name}") for name in ("title", "album", "annotation")] == [HOSTILE_CLEAN] * 3
    assert track.findtext(f"{XSPF}creator") == "#1 Dads"


def test_an_empty_playlist_is_a_valid_xspf_with_an_empty_track_list():
    document = _xspf(Playlist.objects.create(name="Nothing yet"))
    assert len(document.find(f"{XSPF}trackList")) == 0


def test_it_writes_csv_that_reads_back_as_the_entries():
    rows = list(csv.reader(io.StringIO(_text(_playlist(), "csv"))))
    assert rows == [
        ["position", "artist", "title", "album", "duration_ms", "reason", "spotify_id", "mbid", "plays"],
        ["1", "Portishead", "Roads", "Dummy", "305400", "#1 in March 2024: 3 plays", "0rSLgV8p5FzfnqlEk4GzxE",
         str(ROADS_MBID), "3"],
        ["2", "Air", "Sexy Boy", "", "", "'=SUM(A1) on your shelf", "", "", "1"],  # a formula made text
    ]


def test_csv_round_trips_quotes_commas_and_line_breaks():
    rows = list(csv.reader(io.StringIO(_text(_hostile_playlist(), "csv"))))
    assert rows[1][1:4] == ["#1 Dads", HOSTILE_CLEAN, HOSTILE_CLEAN]


def test_it_streams_a_chunk_per_track_and_reads_the_entries_in_one_query():
    playlist = _playlist()
    with CaptureQueriesContext(connection) as captured:
        export = playlist_export(playlist, format="xspf")
        assert len(captured) == 0  # nothing is read before the response is sent
        chunks = list(export.chunks)
    assert len(chunks) == 4  # head, two tracks, tail
    assert len(captured) == 1  # entries with track, artist, album and plays
    assert export.content_type == "application/xspf+xml; charset=utf-8"
    assert export.filename == "rainy-sunday.xspf"


def test_an_unknown_format_is_refused():
    with pytest.raises(ExportFormatError, match="m3u8, xspf, csv"):
        playlist_export(_playlist(), format="pls")


@pytest.mark.parametrize(("name", "expected"), [
    ("Top of last 30 days", "top-of-last-30-days.m3u8"),
    ('../../etc/"passwd"\x00', "etcpasswd.m3u8"),
    ("Café au lait ☕", "café-au-lait.m3u8"),
    ("🎧🎧", None),  # nothing left to name it by: its id
    ("a" * 300, "a" * 80 + ".m3u8"),
])
def test_file_names_are_safe_for_every_system_and_header(name, expected):
    playlist = Playlist(pk=12, name=name)  # as read: a name need not fit a column to be named safely
    filename = playlist_filename(playlist, "m3u8")
    assert filename == (expected or "playlist-12.m3u8")
    assert not set(filename) & set('/\\"\x00\r\n')
    header = content_disposition_header(True, filename)
    assert "\n" not in header and header.startswith("attachment; filename")
