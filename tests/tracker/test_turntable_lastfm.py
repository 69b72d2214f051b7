"""Logged turntable plays scrobbled out to the fake Last.fm (pylast, a signed track.scrobble with the
session key), in the background task; an outage that never touches the journal; and the poller's copy
recognised as the same play."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from core.clients.lastfm import lastfm_recent_tracks_page
from core.services.service_accounts import service_account_connect
from tests.tracker.test_turntable import owned_record
from tracker.models import Scrobble, TurntablePlay, TurntableSession
from tracker.services.lastfm import lastfm_poll
from tracker.services.turntable import turntable_advance, turntable_log, turntable_undo

pytestmark = pytest.mark.django_db


@pytest.fixture
def lastfm(fake_services, settings, recorded_sleeps):
    """The fake Last.fm, with the account connected for writing on the settings page."""
    settings.LASTFM_SESSION_KEY = ""
    service_account_connect(service="lastfm", account_name="rj_demo",
                            refresh_token=fake_services.lastfm_user.session_key)
    return fake_services


def scrobble_requests(fake):
    return [r for r in fake.requests_to("lastfm") if r.param("method") == "track.scrobble"]


def lastfm_states(session: TurntableSession) -> list[tuple[str, str]]:
    return list(TurntablePlay.objects.filter(session=session).order_by("order").values_list("lastfm", "lastfm_note"))


def log(captured, **kwargs) -> TurntableSession:
    """Log as the page does: the background task runs once the log is committed (synchronously in tests)."""
    with captured(execute=True):
        return turntable_log(**kwargs)


def test_it_scrobbles_the_logged_plays_signed_with_the_session_key(lastfm, django_capture_on_commit_callbacks):
    album = owned_record()
    start = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    session = log(django_capture_on_commit_callbacks, album_id=album.pk, side="A", started_at=start)
    [request] = scrobble_requests(lastfm)
    assert request.method == "POST" and request.param("sk") == lastfm.lastfm_user.session_key
    assert request.param("api_key") == lastfm.credentials["lastfm_api_key"]
    sent = [(request.param(f"artist[{i}]"), request.param(f"track[{i}]"), request.param(f"album[{i}]"),
             request.param(f"timestamp[{i}]"), request.param(f"duration[{i}]")) for i in range(3)]
    assert sent == [("Portishead", "Mysterons", "Dummy", str(int(start.timestamp())), "302"),
                    ("Portishead", "Sour Times", "Dummy", str(int(start.timestamp()) + 302), "251"),
                    ("Portishead", "Strangers", "Dummy", str(int(start.timestamp()) + 553), "")]
    signed = {k: v[0] for k, v in request.form.items() if k != "api_sig"}
    text = "".join(f"{k}{signed[k]}" for k in sorted(signed)) + lastfm.credentials["lastfm_api_secret"]
    assert request.param("api_sig") == hashlib.md5(text.encode()).hexdigest()
    assert lastfm_states(session) == [("sent", "")] * 3
    assert len(lastfm.lastfm_user.scrobbles) == 3 and Scrobble.objects.count() == 3


def test_a_play_is_scrobbled_once_it_has_played_half_its_length(lastfm, django_capture_on_commit_callbacks):
    album = owned_record()
    now = timezone.now()
    session = log(django_capture_on_commit_callbacks, album_id=album.pk, side="A")
    assert not scrobble_requests(lastfm) and Scrobble.objects.count() == 1
    assert Schedule.objects.filter(name__startswith=f"turntable session {session.pk} ").exists()
    turntable_advance(session_id=session.pk, now=now + timedelta(seconds=160))  # Mysterons lasts 302 s
    [request] = scrobble_requests(lastfm)
    assert request.param("track[0]") == "Mysterons" and not request.param("track[1]")


def test_it_sends_at_most_50_scrobbles_a_request(lastfm, django_capture_on_commit_callbacks):
    tracks = [(f"{'A' if n < 30 else 'B'}{n}", f"Track {n}", 60_000) for n in range(60)]
    album = owned_record(tracks)
    log(django_capture_on_commit_callbacks, album_id=album.pk, side="", started_at=timezone.now() - timedelta(hours=2))
    assert [len([k for k in r.form if k.startswith("track[")]) for r in scrobble_requests(lastfm)] == [50, 10]
    assert len(lastfm.lastfm_user.scrobbles) == 60


def test_a_lastfm_outage_keeps_the_plays_and_says_so(lastfm, django_capture_on_commit_callbacks):
    album = owned_record()
    lastfm.fail("lastfm", status=503, times=None)
    session = log(django_capture_on_commit_callbacks, album_id=album.pk, side="A",
                  started_at=timezone.now() - timedelta(hours=1))
    assert Scrobble.objects.filter(source="manual").count() == 3
    session.refresh_from_db()
    assert session.lastfm_error.startswith("Last.fm failed:") and "trying again" in session.lastfm_error
    assert [state for state, _ in lastfm_states(session)] == ["due"] * 3
    retry = Schedule.objects.filter(name__startswith=f"turntable session {session.pk} ").get()
    assert retry.next_run > timezone.now() + timedelta(minutes=9)
    lastfm.reset()  # Last.fm is back
    turntable_advance(session_id=session.pk, now=retry.next_run)
    session.refresh_from_db()
    assert session.lastfm_error == "" and [state for state, _ in lastfm_states(session)] == ["sent"] * 3


def test_a_revoked_session_key_is_not_tried_again(lastfm, django_capture_on_commit_callbacks):
    lastfm.lastfm_user.session_key = "revoked-on-last-fm"
    session = log(django_capture_on_commit_callbacks, album_id=owned_record().pk, side="A",
                  started_at=timezone.now() - timedelta(hours=1))
    session.refresh_from_db()
    assert "Last.fm refused the saved connection" in session.lastfm_error and "connect the account again" in (
        session.lastfm_error)
    assert [state for state, _ in lastfm_states(session)] == ["failed"] * 3
    assert Scrobble.objects.count() == 3 and not Schedule.objects.filter(name__startswith="turntable").exists()


def test_what_lastfm_ignores_is_said_per_play(lastfm, django_capture_on_commit_callbacks):
    lastfm.lastfm_user.ignore["Sour Times"] = ("2", "Track name failed filter: Sour Times")
    session = log(django_capture_on_commit_callbacks, album_id=owned_record().pk, side="A",
                  started_at=timezone.now() - timedelta(hours=1))
    assert lastfm_states(session) == [("sent", ""), ("ignored", "Track name failed filter: Sour Times"), ("sent", "")]


def test_without_a_connected_account_nothing_is_sent(fake_services, settings, django_capture_on_commit_callbacks):
    settings.LASTFM_SESSION_KEY = ""
    session = log(django_capture_on_commit_callbacks, album_id=owned_record().pk, side="A",
                  started_at=timezone.now() - timedelta(hours=1))
    assert not scrobble_requests(fake_services) and [s for s, _ in lastfm_states(session)] == ["off"] * 3


def test_the_pollers_copy_is_the_same_play(lastfm, django_capture_on_commit_callbacks):
    album = owned_record()
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    log(django_capture_on_commit_callbacks, album_id=album.pk, side="whole", started_at=start)
    assert Scrobble.objects.count() == 5
    played = set(Scrobble.objects.values_list("played_at", flat=True))
    page = lastfm_recent_tracks_page(page=1)
    assert {t["played_at_uts"] for t in page.tracks} == {int(moment.timestamp()) for moment in played}
    assert lastfm_poll(force=True).startswith("0 new play(s)")
    assert Scrobble.objects.count() == 5 and set(Scrobble.objects.values_list("source", flat=True)) == {"manual"}
    # Without the journal's own copy, the poller's is stored: the same plays, at the same times.
    Scrobble.objects.all().delete()
    assert lastfm_poll(force=True).startswith("5 new play(s)")
    assert set(Scrobble.objects.values_list("played_at", "source")) == {(moment, "lastfm") for moment in played}


def test_undo_says_what_stays_on_lastfm(lastfm, django_capture_on_commit_callbacks):
    session = log(django_capture_on_commit_callbacks, album_id=owned_record().pk, side="A",
                  started_at=timezone.now() - timedelta(hours=1))
    undone = turntable_undo(session_id=session.pk)
    assert (undone.removed, undone.on_lastfm) == (3, 3)
    assert not Scrobble.objects.exists() and len(lastfm.lastfm_user.scrobbles) == 3
