"""`generate_playlist`: prints the new playlist's id and length; every bad input is a one-line
CommandError (non-zero exit, no traceback) that makes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from playlists.models import Playlist
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """Eight plays in 2024 of six tracks of two artists, 20 minutes each: 2 h of music."""
    albums = [make_album("Dummy", make_artist("Portishead")), make_album("Mezzanine", make_artist("Massive Attack"))]
    tracks = [make_track(f"Track {n}", albums[n % 2], duration_ms=20 * 60_000) for n in range(6)]
    for n, track in enumerate(tracks + tracks[:2]):
        make_scrobble(track, utc(2024, 3, 1 + n, 20))
    return tracks


def _run(*args) -> str:
    out = StringIO()
    call_command("generate_playlist", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_new_playlists_id_and_length(history):
    output = _run("top", "--param", "period=2024", "--param", "length=5", "--seed", "3")
    playlist = Playlist.objects.get()
    assert output == f'Playlist {playlist.pk} "Top of 2024": 5 tracks, 1 h 40 min\n'
    assert (playlist.algorithm, playlist.params["period"], playlist.seed) == ("top", "2024", 3)
    assert playlist.entries.count() == 5 and playlist.refresh_weekly is False


def test_it_takes_a_name_and_the_weekly_refresh(history):
    output = _run("top", "--param", "period=all", "--param", "minutes=30", "--name", "Evening", "--weekly")
    playlist = Playlist.objects.get()
    assert (playlist.name, playlist.refresh_weekly) == ("Evening", True)
    assert output == f'Playlist {playlist.pk} "Evening": 2 tracks, 40 min, refreshed weekly\n'


@pytest.mark.parametrize(("args", "message"), [
    (("astrology",), "No algorithm 'astrology'; choose one of: "),
    (("top", "--param", "period"), "--param takes KEY=VALUE, not 'period'"),
    (("top", "--param", "=2024"), "--param takes KEY=VALUE, not '=2024'"),
    (("top", "--param", "perod=2024"), "top takes no parameter 'perod'; it takes: "),
    (("top", "--param", "period=someday"), "period: "),
    (("top", "--param", "length=many"), "length: Enter a whole number."),
    (("top", "--param", "period=1999"), "No plays in 1999: pick a longer period."),
    (("top", "--seed", "-4"), "seed: must be between 0 and"),
    ((), "Name an algorithm: one of "),
])
def test_bad_input_is_a_one_line_command_error_that_makes_nothing(history, args, message):
    with pytest.raises(CommandError) as raised:
        _run(*args)
    assert str(raised.value).startswith(message) and "\n" not in str(raised.value)
    assert not Playlist.objects.exists()


def test_it_lists_the_algorithms_with_their_parameters():
    output = _run("--list")
    assert "top  Top of a period: The tracks you played most in a period" in output
    assert "    --param period=…  7d, 30d, 90d, year, all, a year (2024) or a month (2024-03). (default 30d)" in output
    assert "    --param shuffle=…" in output and "    --param max_per_artist=…" in output
    assert not Playlist.objects.exists()
