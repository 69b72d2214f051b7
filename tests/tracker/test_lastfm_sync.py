"""Last.fm polling, loved tracks and the full backfill, against the fake Last.fm with real pylast."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from core.models import Job
from core.resilience import ServiceError
from core.services.jobs import job_cancel, job_create, job_resumable
from tests.fakes.lastfm_history import FakeLastfmHistory, FakePlay
from tracker.models import Scrobble, TrackerState
from tracker.selectors.dashboard import now_playing
from tracker.services.lastfm import (
    BACKFILL_KIND,
    lastfm_backfill,
    lastfm_backfill_start,
    lastfm_loved_sync,
    lastfm_poll,
    tracker_set,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(fake_services):
    return FakeLastfmHistory.generated(1000).install(fake_services)


def backfill() -> Job:
    job = job_create(kind=BACKFILL_KIND)
    lastfm_backfill(job=job)
    job.refresh_from_db()
    return job


class Killed(Exception):
    """Stands for the worker being killed between two pages."""


# --- polling --------------------------------------------------------------------------------
def test_it_polls_the_fixture_page_stores_plays_and_the_now_playing_track(fake_services):
    outcome = lastfm_poll(force=True)
    # user.getRecentTracks.page1.xml: 5 entries, the first one playing now (no date)
    assert Scrobble.objects.filter(source="lastfm").count() == 4  # the first poll reads page 1 only
    assert "new play(s)" in outcome
    playing = now_playing()
    assert playing.title == "Weird Fishes/Arpeggi" and playing.artist.name == "Radiohead"
    assert not Scrobble.objects.filter(track=playing).exists()
    state = TrackerState.load()
    assert state.last_success_at and state.last_error == ""


def test_a_second_poll_asks_only_for_newer_plays_and_adds_none(history, fake_services):
    lastfm_poll(force=True)
    first = Scrobble.objects.count()
    assert first == 200  # the first poll takes the newest page; the backfill does the past
    newest = Scrobble.objects.latest("played_at").played_at
    history.add(FakePlay(int(newest.timestamp()) + 300, "Low", "Lullaby", "I Could Live in Hope"))
    fake_services.recorded.clear()
    lastfm_poll(force=True)
    [request] = fake_services.requests_to("lastfm")
    assert int(request.param("from")) == int(newest.timestamp()) + 1
    assert Scrobble.objects.count() == first + 1
    lastfm_poll(force=True)
    assert Scrobble.objects.count() == first + 1


def _store_oldest_play(history) -> None:
    """One stored Last.fm play, the oldest of the history: the poll then has 999 to catch up."""
    from tracker.services.ingest import Play, scrobble_ingest

    oldest = history.plays[-1]
    scrobble_ingest(plays=[Play(artist=oldest.artist, title=oldest.title, album=oldest.album,
                                played_at=datetime.fromtimestamp(oldest.uts, tz=dt_timezone.utc))], source="lastfm")


def test_a_poll_with_a_failing_page_stores_nothing_and_the_next_poll_gets_everything(history, recorded_sleeps):
    _store_oldest_play(history)
    history.fail_page(3, code=29, times=100)
    assert lastfm_poll(force=True).startswith("failed")
    assert Scrobble.objects.count() == 1  # not pages 1-2 without 3: that gap would never be asked again
    history._errors.clear()
    lastfm_poll(force=True)
    assert Scrobble.objects.count() == 1000


def test_a_long_gap_is_closed_from_its_oldest_end_one_poll_at_a_time(history, monkeypatch):
    monkeypatch.setattr("tracker.services.lastfm.POLL_MAX_PAGES", 2)
    _store_oldest_play(history)
    lastfm_poll(force=True)
    assert Scrobble.objects.count() == 1 + 200 + 199  # the two oldest of five pages (999 plays)
    lastfm_poll(force=True)
    lastfm_poll(force=True)
    assert Scrobble.objects.count() == 1000
    assert Scrobble.objects.values("track", "played_at").distinct().count() == 1000


def test_the_poll_respects_the_switch_and_the_interval(fake_services):
    tracker_set(enabled=False)
    assert lastfm_poll() == "polling is off"
    tracker_set(enabled=True, interval_seconds=300)
    lastfm_poll()
    assert lastfm_poll() == "not due yet"
    TrackerState.objects.update(last_poll_at=timezone.now() - timedelta(minutes=6))
    assert lastfm_poll() != "not due yet"


def test_a_track_a_listenbrainz_scrobbler_reports_playing_outlives_the_next_poll_only(history):
    from tracker.services.listenbrainz import now_playing_set

    history.now_playing = None  # Last.fm reports nothing playing
    lastfm_poll(force=True)
    now_playing_set(artist="Portishead", title="Roads")  # a scrobbler's playing_now, between two polls
    lastfm_poll(force=True)
    assert now_playing().title == "Roads"
    lastfm_poll(force=True)  # not reported again since the last poll: now it goes
    assert now_playing() is None


def test_a_stale_now_playing_is_not_shown(fake_services):
    lastfm_poll(force=True)
    TrackerState.objects.update(now_playing_seen_at=timezone.now() - timedelta(minutes=30))
    assert now_playing() is None


def test_a_failed_poll_records_the_error_without_the_key(fake_services, recorded_sleeps, settings):
    fake_services.fail("lastfm", status=503, times=None)
    outcome = lastfm_poll(force=True)
    state = TrackerState.load()
    assert outcome.startswith("failed") and "503" in state.last_error
    assert settings.LASTFM_API_KEY not in state.last_error
    assert Scrobble.objects.count() == 0


def test_an_unconfigured_poll_says_what_to_set(settings):
    settings.LASTFM_API_KEY = ""
    assert lastfm_poll(force=True) == "Last.fm is not configured: set LASTFM_API_KEY and LASTFM_USERNAME"
    # The same words wherever it is said (the ServiceSpec registry), naming only what is missing.
    with pytest.raises(CommandError, match=r"^Last\.fm is not configured: set LASTFM_API_KEY and LASTFM_USERNAME\.$"):
        call_command("lastfm_sync")
    settings.LASTFM_USERNAME = "rj"
    assert lastfm_poll(force=True) == "Last.fm is not configured: set LASTFM_API_KEY"


def test_the_poll_schedule_is_declared():
    assert Schedule.objects.filter(name="lastfm poll", func="tracker.tasks.lastfm_poll_task").exists()


def test_it_mirrors_loved_tracks_onto_plays(history):
    lastfm_poll(force=True)
    some = Scrobble.objects.select_related("track", "artist").first()
    history.loved = [FakePlay(1, some.artist.name, some.track.title)]
    assert lastfm_loved_sync() >= 1
    assert (Scrobble.objects.filter(loved=True, track=some.track).count()
            == Scrobble.objects.filter(track=some.track).count())
    history.loved = []
    lastfm_loved_sync()
    assert not Scrobble.objects.filter(loved=True).exists()


# --- backfill -------------------------------------------------------------------------------
def test_the_backfill_stores_exactly_every_play_and_a_rerun_adds_none(history):
    job = backfill()
    assert Scrobble.objects.count() == 1000  # the now-playing entry is not a play
    assert job.status == Job.Status.SUCCEEDED and job.done == job.total == 5
    assert job.message.startswith("Backfill done: 1,000 plays read in 5 page(s), 1,000 added")
    album = Scrobble.objects.exclude(album=None).first().album
    album.refresh_from_db()
    assert album.play_count == Scrobble.objects.filter(album=album).count()  # figures refreshed at the end
    assert backfill().message.startswith("Backfill done: 1,000 plays read in 5 page(s), 0 added, 1,000 already present")
    assert Scrobble.objects.count() == 1000


def test_plays_arriving_mid_backfill_are_neither_lost_nor_doubled(history, fake_services):
    newest = history.plays[0].uts
    arrivals = [FakePlay(newest + 600 * (i + 1), "Mogwai", f"New Song {i}", "Fresh") for i in range(250)]

    def scrobble_more(job):
        if job.done == 2:  # while page 3 of 5 is next, 250 plays arrive: more than a page
            history.add(*arrivals)

    job = job_create(kind=BACKFILL_KIND)
    lastfm_backfill(job=job, on_page=scrobble_more)
    assert Scrobble.objects.count() == 1000
    lastfm_poll(force=True)
    assert Scrobble.objects.count() == 1250
    assert Scrobble.objects.values("track", "played_at").distinct().count() == 1250


def test_a_killed_backfill_resumes_where_it_stopped_to_the_same_total(history, fake_services):
    def kill_after_page_3(job):
        if job.done == 3:
            raise Killed

    job = job_create(kind=BACKFILL_KIND)
    with pytest.raises(Killed):
        lastfm_backfill(job=job, on_page=kill_after_page_3)
    assert Scrobble.objects.count() == 600
    resumable = job_resumable(kind=BACKFILL_KIND)
    assert resumable.pk == job.pk and resumable.checkpoint["page"] == 3
    fake_services.recorded.clear()
    lastfm_backfill(job=resumable)
    pages_asked = sorted(int(r.param("page")) for r in fake_services.requests_to("lastfm"))
    assert pages_asked == [4, 5]
    assert {int(r.param("to")) for r in fake_services.requests_to("lastfm")} == {job.checkpoint["to"]}
    assert Scrobble.objects.count() == 1000
    resumable.refresh_from_db()
    assert resumable.message.startswith("Backfill done: 1,000 plays read")


def test_the_backfill_survives_500s_and_rate_limit_errors(history, fake_services, advancing_sleeps):
    history.fail_page(2, code=29, http_status=200, times=2)  # Last.fm's "rate limit exceeded", HTTP 200
    history.fail_page(4, code=29, http_status=429, times=1)
    fake_services.fail("lastfm", status=500, times=3, path="/2.0")
    job = backfill()
    assert job.status == Job.Status.SUCCEEDED
    assert Scrobble.objects.count() == 1000
    assert advancing_sleeps  # it backed off rather than hammering


def test_the_backfill_survives_timeouts(history, fake_services, advancing_sleeps, settings):
    settings.ENRICHMENT_TIMEOUT_LASTFM = 0.3
    history.stall_page(3, seconds=1.0, times=2)  # two requests for page 3 time out
    job = backfill()
    assert job.status == Job.Status.SUCCEEDED and Scrobble.objects.count() == 1000
    assert len([r for r in fake_services.requests_to("lastfm") if r.param("page") == "3"]) == 3


def test_a_backfill_that_keeps_failing_stops_with_its_checkpoint_and_resumes(history, fake_services, advancing_sleeps):
    history.fail_page(3, code=29, times=100)
    job = job_create(kind=BACKFILL_KIND)
    with pytest.raises(Exception):
        lastfm_backfill(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "page 3" in job.error and job.checkpoint["page"] == 2
    assert Scrobble.objects.count() == 400
    history.fail_page(3, code=29, times=0)
    history._errors.clear()
    lastfm_backfill(job=job_resumable(kind=BACKFILL_KIND))
    assert Scrobble.objects.count() == 1000


def test_the_button_starts_one_backfill_and_a_second_click_returns_it(history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = lastfm_backfill_start()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED  # tasks run synchronously in tests
    assert Scrobble.objects.count() == 1000
    with django_capture_on_commit_callbacks(execute=False):
        again = lastfm_backfill_start()
        assert lastfm_backfill_start().pk == again.pk


def test_the_command_backfills_and_ends_with_a_summary(history, capsys):
    call_command("lastfm_sync", "--backfill")
    assert "Backfill done: 1,000 plays read in 5 page(s)" in capsys.readouterr().out
    assert Scrobble.objects.count() == 1000


def test_a_rejected_key_stops_the_backfill_at_once(history, fake_services, recorded_sleeps):
    fake_services.reject_auth("lastfm")
    with pytest.raises(CommandError, match="Backfill stopped"):
        call_command("lastfm_sync", "--backfill")
    assert recorded_sleeps == [] and Scrobble.objects.count() == 0


def test_a_waiting_backfill_says_so_on_its_job_and_honours_retry_after(history, fake_services, monkeypatch,
                                                                       advancing_sleeps):
    from core.resilience import clock

    history.fail_page(2, code=29, http_status=429, times=5)  # outlasts the layer's own retries
    seen: list[tuple[float, str]] = []
    job = job_create(kind=BACKFILL_KIND)
    advance = clock.sleep  # the fixture's: it moves the breaker's clock on too

    def sleep(seconds):
        seen.append((seconds, Job.objects.get(pk=job.pk).message))
        advance(seconds)

    monkeypatch.setattr(clock, "sleep", sleep)
    lastfm_backfill(job=job)
    waits_with_messages = [(s, m) for s, m in seen if "trying again" in m]
    assert waits_with_messages and waits_with_messages[0][0] >= 30
    assert "Page 2" in waits_with_messages[0][1]
    assert Scrobble.objects.count() == 1000


def test_the_command_resumes_a_backfill_the_button_started_and_refuses_while_one_is_live(history, fake_services,
                                                                                        advancing_sleeps):
    """The settings button and `lastfm_sync --backfill` claim the same job: no second run, same checkpoint."""
    history.fail_page(3, code=29, times=99)
    job = job_create(kind=BACKFILL_KIND)
    with pytest.raises(ServiceError):
        lastfm_backfill(job=job)
    history.fail_page(3, code=29, times=0)
    history._errors.clear()
    live = job_create(kind=BACKFILL_KIND)  # as if the button had just queued one
    with pytest.raises(CommandError, match=f"already running \\(job #{live.pk}"):
        call_command("lastfm_sync", "--backfill")
    job_cancel(job=live)
    call_command("lastfm_sync", "--backfill")
    resumed = Job.objects.filter(kind=BACKFILL_KIND).order_by("-pk").first()
    assert resumed.status == Job.Status.SUCCEEDED and resumed.params == {"requested_by": "command"}
    assert Scrobble.objects.count() == 1000
