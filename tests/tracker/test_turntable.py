"""'I'm playing this': a side or the whole of an owned record logged as plays, back to back from its
start, with the tracklist's lengths; plays to come stored as they start; an undo that removes exactly
the session's own plays."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.scheduler import scheduler

from catalog.models import Album, Artist
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track
from tests.tracker.test_rollups import assert_exact
from tracker.models import Scrobble, TurntablePlay, TurntableSession
from tracker.selectors.turntable import AVERAGE_TRACK_MS, side_key, turntable_record
from tracker.services.turntable import TurntableRefused, turntable_advance, turntable_log, turntable_undo

pytestmark = pytest.mark.django_db

DUMMY = [("A1", "Mysterons", 302_000), ("A2", "Sour Times", 251_000), ("A3", "Strangers", None),
         ("B1", "It Could Be Sweet", 257_000), ("B2", "Wandering Star", 293_000)]


def owned_record(tracks=DUMMY, *, title="Dummy", listened_album=None, **fields) -> Album:
    artist = listened_album.artist if listened_album else (
        Artist.objects.filter(name="Portishead").first() or make_artist("Portishead"))
    album = make_album(title, artist, format="Vinyl", discogs_release_id=fields.pop("discogs_release_id", 42),
                       listened_album=listened_album, **fields)
    for number, (position, name, duration) in enumerate(tracks, start=1):
        make_track(name, album, number=number, position=position, duration_ms=duration)
    make_copy(album, instance_id=album.pk)
    return album


def hours_ago(hours: float) -> datetime:
    return (timezone.now() - timedelta(hours=hours)).replace(microsecond=0)


def states(session: TurntableSession) -> list[str]:
    """The states of the session's plays as stored now (the session's prefetched plays are a snapshot)."""
    return list(TurntablePlay.objects.filter(session=session).order_by("order").values_list("state", flat=True))


def stored_plays() -> list[tuple[str, datetime, str]]:
    return list(Scrobble.objects.order_by("played_at").values_list("track__title", "played_at", "source"))


class TestSides:
    @pytest.mark.parametrize("position, expected", [
        ("A1", ("side", "A")), ("B", ("side", "B")), ("AA2", ("side", "AA")), ("C3a", ("side", "C")),
        ("1-3", ("disc", "1")), ("2.05", ("disc", "2")), ("CD2-1", ("disc", "2")), ("7", None), ("", None),
        ("Video", None),
    ])
    def test_it_reads_the_side_of_a_discogs_position(self, position, expected):
        assert side_key(position=position) == expected

    def test_a_side_letter_wins_over_the_disc_number_discogs_gives_an_lp(self):
        assert side_key(position="B2", disc_number=1) == ("side", "B")
        assert side_key(position="3", disc_number=2) == ("disc", "2")
        lp = owned_record()
        lp.tracks.update(disc_number=1)
        assert [s.key for s in turntable_record(album=lp).sides] == ["A", "B", ""]

    def test_a_vinyl_record_has_its_sides_then_the_whole(self):
        record = turntable_record(album=owned_record())
        assert [(s.key, s.label, [t.position for t in s.tracks]) for s in record.sides] == [
            ("A", "Side A", ["A1", "A2", "A3"]), ("B", "Side B", ["B1", "B2"]),
            ("", "Whole record", ["A1", "A2", "A3", "B1", "B2"])]
        side_a = record.side("A")
        assert side_a.duration_ms == 302_000 + 251_000 + AVERAGE_TRACK_MS and side_a.estimated_count == 1

    def test_a_double_cd_has_its_discs(self):
        record = turntable_record(album=owned_record([("1-1", "One", 200_000), ("1-2", "Two", 200_000),
                                                      ("2-1", "Three", 200_000)]))
        assert [(s.key, s.label, len(s.tracks)) for s in record.sides] == [
            ("1", "Disc 1", 2), ("2", "Disc 2", 1), ("", "Whole record", 3)]

    def test_plain_numbers_or_one_side_offer_only_the_whole(self):
        assert [s.key for s in turntable_record(album=owned_record([("1", "One", 1), ("2", "Two", 1)])).sides] == [""]
        one_side = owned_record([("A1", "One", 1), ("A2", "Two", 1)], title="Single", discogs_release_id=43)
        assert [s.key for s in turntable_record(album=one_side).sides] == [""]


class TestLog:
    def test_it_stores_a_side_back_to_back_from_its_start_with_the_tracklist_lengths(self):
        album = owned_record()
        start = hours_ago(2)
        session = turntable_log(album_id=album.pk, side="A", started_at=start)
        assert stored_plays() == [("Mysterons", start, "manual"),
                                  ("Sour Times", start + timedelta(seconds=302), "manual"),
                                  ("Strangers", start + timedelta(seconds=302 + 251), "manual")]
        assert session.ends_at == start + timedelta(seconds=302 + 251 + 240)  # the third counted 4 min
        assert [(p.state, p.estimated) for p in session.plays.all()] == [
            ("stored", False), ("stored", False), ("stored", True)]
        assert {p.scrobble_id for p in session.plays.all()} == set(Scrobble.objects.values_list("pk", flat=True))
        assert Scrobble.objects.filter(album=album).count() == 3
        assert_exact()

    def test_it_stores_the_whole_record(self):
        album = owned_record()
        start = hours_ago(3)
        turntable_log(album_id=album.pk, side="whole", started_at=start)
        plays = stored_plays()
        assert [title for title, _, _ in plays] == [name for _, name, _ in DUMMY]
        gaps = [(b[1] - a[1]).total_seconds() for a, b in zip(plays, plays[1:], strict=False)]
        assert gaps == [302, 251, 240, 257]

    def test_a_chosen_start_without_offset_is_in_the_time_zone(self, settings):
        settings.TIME_ZONE = "Europe/Paris"
        album = owned_record()
        local = datetime.now(ZoneInfo("Europe/Paris")).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
        session = turntable_log(album_id=album.pk, side="b", started_at=local)
        assert session.started_at == local.replace(tzinfo=ZoneInfo("Europe/Paris"))
        first = Scrobble.objects.order_by("played_at").first()
        assert first.played_at == session.started_at and first.local_hour == local.hour

    def test_the_plays_join_the_listening_historys_album(self):
        portishead = make_artist("Portishead")
        listened = make_album("Dummy", portishead)
        make_scrobble(make_track("Mysterons", listened), hours_ago(200), source="lastfm")
        release = owned_record(title="Dummy (2014 Reissue)", listened_album=listened)
        turntable_log(album_id=release.pk, side="A", started_at=hours_ago(1))
        assert set(Scrobble.objects.filter(source="manual").values_list("album_id", flat=True)) == {listened.pk}
        assert Scrobble.objects.filter(track__title="Mysterons").values("track").distinct().count() == 1
        release.refresh_from_db()
        assert release.play_count == 4

    def test_plays_to_come_are_stored_as_each_starts(self):
        album = owned_record([("A1", "One", 240_000), ("A2", "Two", 240_000), ("A3", "Three", 240_000)])
        now = timezone.now()
        session = turntable_log(album_id=album.pk, side="whole", started_at=now - timedelta(minutes=5), now=now)
        assert [p.state for p in session.plays.all()] == ["stored", "stored", "pending"]
        assert Scrobble.objects.count() == 2
        turntable_advance(session_id=session.pk, now=now)
        third = session.plays.get(order=2)
        assert [s.next_run for s in Schedule.objects.filter(name__startswith=f"turntable session {session.pk} ")] == [
            third.played_at]
        turntable_advance(session_id=session.pk, now=third.played_at + timedelta(seconds=20))
        assert states(session) == ["stored", "stored", "stored"]
        assert [title for title, _, _ in stored_plays()] == ["One", "Two", "Three"]

    def test_the_schedule_runs_the_task_that_stores_the_next_play(self):
        album = owned_record([("A1", "One", 240_000), ("A2", "Two", 240_000)])
        Schedule.objects.all().delete()  # the declared schedules are not this test's
        logged_at = timezone.now() - timedelta(minutes=1)  # a minute ago, the second play was still to come
        session = turntable_log(album_id=album.pk, side="", started_at=logged_at - timedelta(minutes=3, seconds=30),
                                now=logged_at)
        turntable_advance(session_id=session.pk, now=logged_at)
        [scheduled] = Schedule.objects.all()
        assert scheduled.next_run == session.plays.get(order=1).played_at < timezone.now()
        scheduler()  # it is due: the scheduler runs the task
        assert states(session) == ["stored", "stored"]
        assert not Schedule.objects.exists()  # nothing left to do
        assert states(session) == ["stored", "stored"]
        assert not Schedule.objects.filter(name__startswith="turntable session").exists()  # nothing left to do

    def test_another_record_put_on_cuts_the_first_ones_tracks_to_come(self):
        first = owned_record([("A1", "One", 240_000), ("A2", "Two", 240_000), ("A3", "Three", 240_000)])
        second = owned_record([("A1", "Roads", 305_000), ("B1", "Glory Box", 306_000)], title="Other",
                              discogs_release_id=44)
        now = timezone.now()
        earlier = turntable_log(album_id=first.pk, side="", started_at=now - timedelta(minutes=5), now=now)
        turntable_log(album_id=second.pk, side="A", now=now)
        assert states(earlier) == ["stored", "stored", "cut"]

    def test_the_same_press_twice_is_one_session(self):
        album = owned_record()
        start = hours_ago(1)
        session = turntable_log(album_id=album.pk, side="A", started_at=start)
        with pytest.raises(TurntableRefused) as refused:
            turntable_log(album_id=album.pk, side="A", started_at=start + timedelta(seconds=20))
        assert refused.value.status == 409 and refused.value.session == session
        assert Scrobble.objects.count() == 3 and TurntableSession.objects.count() == 1

    def test_a_play_the_journal_already_had_is_not_the_sessions(self):
        album = owned_record()
        start = hours_ago(1)
        spotify = make_scrobble(album.tracks.get(title="Sour Times"), start + timedelta(seconds=330),
                                source="spotify")
        session = turntable_log(album_id=album.pk, side="A", started_at=start)
        assert [p.state for p in session.plays.all()] == ["stored", "known", "stored"]
        assert Scrobble.objects.count() == 3
        turntable_undo(session_id=session.pk)
        assert list(Scrobble.objects.values_list("pk", flat=True)) == [spotify.pk]

    @pytest.mark.parametrize("case, status, words", [
        ("unknown", 404, "No album with id"),
        ("not owned", 409, "is not in your collection"),
        ("removed copy", 409, "is not in your collection"),
        ("no tracklist", 409, "tracklist of “Dummy” is not known yet"),
        ("unknown side", 422, "has no side “C”: sides “A” (Side A), “B” (Side B)"),
        ("future", 422, "The start is in the future"),
    ])
    def test_it_refuses_what_cannot_be_logged_and_stores_nothing(self, case, status, words):
        album = owned_record()
        kwargs = {"album_id": album.pk, "side": "A"}
        if case == "unknown":
            kwargs["album_id"] = album.pk + 100
        elif case == "not owned":
            album.copies.all().delete()
        elif case == "removed copy":
            album.copies.update(removed_at=timezone.now())
        elif case == "no tracklist":
            album.tracks.all().delete()
        elif case == "unknown side":
            kwargs["side"] = "C"
        elif case == "future":
            kwargs["started_at"] = timezone.now() + timedelta(hours=1)
        with pytest.raises(TurntableRefused) as refused:
            turntable_log(**kwargs)
        assert refused.value.status == status and words in refused.value.message
        assert not Scrobble.objects.exists() and not TurntableSession.objects.exists()


class TestUndo:
    def test_it_removes_exactly_the_sessions_plays_and_keeps_the_figures_exact(self):
        album = owned_record()
        start = hours_ago(2)
        mysterons = album.tracks.get(title="Mysterons")
        before = make_scrobble(mysterons, start - timedelta(hours=3), source="lastfm")
        other = make_scrobble(make_track("Teardrop", make_album("Mezzanine", make_artist("Massive Attack"))),
                              start + timedelta(minutes=2), source="spotify")
        session = turntable_log(album_id=album.pk, side="whole", started_at=start)
        meanwhile = make_scrobble(mysterons, start + timedelta(minutes=40), source="lastfm")
        assert Scrobble.objects.count() == 8
        undone = turntable_undo(session_id=session.pk)
        assert (undone.removed, undone.stopped, undone.on_lastfm) == (5, 0, 0)
        assert set(Scrobble.objects.values_list("pk", flat=True)) == {before.pk, other.pk, meanwhile.pk}
        assert_exact()
        album.refresh_from_db()
        assert album.play_count == 2

    def test_it_stops_the_plays_still_to_come(self):
        album = owned_record([("A1", "One", 240_000), ("A2", "Two", 240_000), ("A3", "Three", 240_000)])
        now = timezone.now()
        session = turntable_log(album_id=album.pk, side="", started_at=now - timedelta(minutes=5), now=now)
        undone = turntable_undo(session_id=session.pk)
        assert (undone.removed, undone.stopped) == (2, 1)
        assert turntable_advance(session_id=session.pk, now=now + timedelta(minutes=4)) == (
            f"session {session.pk} was undone")
        assert not Scrobble.objects.exists()

    def test_it_undoes_once_and_only_within_a_day(self):
        album = owned_record()
        session = turntable_log(album_id=album.pk, side="A", started_at=hours_ago(1))
        turntable_undo(session_id=session.pk)
        with pytest.raises(TurntableRefused, match="already undone"):
            turntable_undo(session_id=session.pk)
        old = turntable_log(album_id=album.pk, side="B", started_at=hours_ago(30), now=timezone.now())
        TurntableSession.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
        with pytest.raises(TurntableRefused, match="more than a day ago") as refused:
            turntable_undo(session_id=old.pk)
        assert refused.value.status == 409 and Scrobble.objects.count() == 2
        assert TurntablePlay.objects.filter(session=old, state="stored").count() == 2
