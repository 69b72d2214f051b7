"""One rule for "the same play", whatever way it arrives: from one source only the same start is
the same play; from another source a start within 60 s is the same play reported twice."""

from datetime import timedelta

import pytest

from tests.factories import utc
from tracker.models import Scrobble
from tracker.services.ingest import Play, scrobble_ingest

pytestmark = pytest.mark.django_db

START = utc(2024, 5, 4, 21, 0, 7)  # to the second, as Spotify and the Last.fm API give it


def roads(at, **fields) -> Play:
    return Play(artist="Portishead", title="Roads", album="Dummy", played_at=at, **fields)


def stored() -> list[tuple]:
    return list(Scrobble.objects.order_by("played_at").values_list("played_at", "source"))


def test_a_track_restarted_after_58_seconds_in_one_spotify_file_is_two_plays():
    plays = [roads(START, ms_played=58_000), roads(START + timedelta(seconds=58), ms_played=300_000)]
    result = scrobble_ingest(plays=plays, source="spotify")
    assert (result.added, result.already_present) == (2, 0)
    assert scrobble_ingest(plays=plays, source="spotify").already_present == 2  # and a re-import adds nothing


def test_the_same_play_from_spotify_and_last_fm_is_one_in_either_order():
    for first, second in (("spotify", "lastfm"), ("lastfm", "spotify")):
        Scrobble.objects.all().delete()
        scrobble_ingest(plays=[roads(START + timedelta(seconds=23))], source=first)
        result = scrobble_ingest(plays=[roads(START)], source=second)
        assert (result.added, result.already_present) == (0, 1)
        assert [source for _, source in stored()] == [first]


def test_a_listenbrainz_client_and_the_last_fm_poller_store_one_play():
    scrobble_ingest(plays=[roads(START)], source="listenbrainz")
    assert scrobble_ingest(plays=[roads(START + timedelta(seconds=1))], source="lastfm").already_present == 1
    assert stored() == [(START, "listenbrainz")]


def test_a_report_from_another_source_stands_for_one_play_only():
    """Last.fm saw one of two plays restarted within a minute: Spotify's file still brings the other."""
    scrobble_ingest(plays=[roads(START)], source="lastfm")
    restarted = [roads(START + timedelta(seconds=5)), roads(START + timedelta(seconds=58))]
    result = scrobble_ingest(plays=restarted, source="spotify")
    assert (result.added, result.already_present) == (1, 1)
    assert stored() == [(START, "lastfm"), (START + timedelta(seconds=58), "spotify")]
    assert scrobble_ingest(plays=restarted, source="spotify").added == 0  # a re-import stays idempotent


def test_plays_further_apart_than_the_window_are_two_whatever_their_sources():
    scrobble_ingest(plays=[roads(START)], source="lastfm")
    assert scrobble_ingest(plays=[roads(START + timedelta(seconds=30))], source="lastfm").added == 1
    assert scrobble_ingest(plays=[roads(START + timedelta(seconds=91))], source="spotify").added == 1
    assert len(stored()) == 3


def test_an_export_that_keeps_only_minutes_names_the_same_plays_as_one_to_the_second():
    minute = utc(2024, 5, 4, 21, 0)
    scrobble_ingest(plays=[roads(minute + timedelta(seconds=42))], source="lastfm")
    assert scrobble_ingest(plays=[roads(minute)], source="lastfm").already_present == 1  # "04 May 2024 21:00"
    assert scrobble_ingest(plays=[roads(minute + timedelta(minutes=1))], source="lastfm").added == 1
