"""The habits merged from day and month summaries (tracker.selectors.habit_days) equal one pass over
the raw plays, whatever wrote them: an ingest, a re-ingest, an out-of-order backfill, deletes, an
edit, an artist merge, a track's new duration, a rebuild; read with stale days or stored ones; and
at the edges: a gap of exactly 30 min against 30 min and 1 ms, a session over midnight, a run of
one artist over days and months, a period cutting a session, an empty period."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Artist, Track
from catalog.services.artist_merge import artist_merge
from tests.factories import make_album, make_artist, make_scrobble, make_track
from tracker.models import HabitDay, HabitDayStale, HabitMonth, Scrobble
from tracker.selectors import habits
from tracker.selectors.habit_days import day_summaries, day_tops
from tracker.selectors.periods import Period
from tracker.selectors.stats import local_midnight
from tracker.selectors.stretch import SESSION_GAP, Stretch, merged
from tracker.services.habit_days import INLINE_DAYS, habit_days_refresh
from tracker.services.ingest import Play, scrobble_ingest

pytestmark = pytest.mark.django_db

BUCKET_BOUNDS = [timedelta(0), timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2),
                 timedelta(hours=4)]


@pytest.fixture(autouse=True)
def paris_time_zone(settings):
    """A zone with clock changes: the histories below cross both of 2024 (31 March, 27 October)."""
    settings.TIME_ZONE = "Europe/Paris"


# --- one pass over the raw plays ------------------------------------------------------------------
def brute_force(period: Period) -> dict:
    """The figures of habits.play_habits, counted the plain way from every play of the period."""
    plays = Scrobble.objects.filter(played_at__lt=local_midnight(period.end + timedelta(days=1)))
    if period.start:
        plays = plays.filter(played_at__gte=local_midnight(period.start))
    plays = list(plays.select_related("track").order_by("played_at", "id"))
    days = sorted({play.local_date for play in plays})
    streak, start = None, None
    for index, day in enumerate(days):
        if index == 0 or day - days[index - 1] != timedelta(days=1):
            start = day
        if streak is None or day - start > streak[1] - streak[0]:
            streak = (start, day)
    sessions, runs = [], []
    for play in plays:
        length = play.ms_played if play.ms_played is not None else play.track.duration_ms or 0
        if sessions and play.played_at - sessions[-1][1] <= SESSION_GAP:
            first, _last, count, _length = sessions[-1]
            sessions[-1] = (first, play.played_at, count + 1, length)
        else:
            sessions.append((play.played_at, play.played_at, 1, length))
        if runs and runs[-1][0] == play.artist_id:
            runs[-1] = (play.artist_id, runs[-1][1] + 1, runs[-1][2], play.pk)
        else:
            runs.append((play.artist_id, 1, play.pk, play.pk))
    lengths = [last - first + timedelta(milliseconds=ms) for first, last, _n, ms in sessions]
    longest = max(range(len(sessions)), key=lambda i: (lengths[i], -i), default=None)
    run = max(runs, key=lambda r: (r[1], -runs.index(r)), default=None)
    buckets = [0] * len(BUCKET_BOUNDS)
    for length in lengths:
        buckets[max(i for i, bound in enumerate(BUCKET_BOUNDS) if length >= bound)] += 1
    return {
        "days": len(days), "streak": streak, "sessions": len(sessions),
        "longest": None if longest is None else sessions[longest][:3] + (sessions[longest][3],),
        "buckets": buckets, "per_day": round(len(sessions) / len(days), 2) if days else 0,
        "average": sum(lengths, timedelta(0)) / len(lengths) if lengths else timedelta(0),
        "run": run and (run[0], run[1], run[2], run[3]),
    }


def figures(period: Period) -> dict:
    found = habits.play_habits(period=period)
    longest, run = found.longest, found.run
    return {
        "days": found.listening_days, "streak": found.streak and (found.streak.start, found.streak.end),
        "sessions": found.sessions, "longest": longest and (longest.start, longest.last_start, longest.plays,
                                                            longest.last_ms),
        "buckets": [bucket["value"] for bucket in found.buckets], "per_day": found.per_day, "average": found.average,
        "run": run and (run.artist.pk, run.plays, run.first.pk, run.last.pk),
    }


def day_tops_brute_force() -> dict:
    counts: dict[date, dict[int, int]] = {}
    for day, track_id in Scrobble.objects.values_list("local_date", "track_id"):
        counts.setdefault(day, {}).setdefault(track_id, 0)
        counts[day][track_id] += 1
    return {day: (sum(tracks.values()), [[t, n] for t, n in sorted(tracks.items(), key=lambda i: (-i[1], i[0]))[:3]])
            for day, tracks in counts.items()}


def custom(start: date | None, end: date) -> Period:
    return Period("custom", "", start, end)


def periods_of(rng: random.Random, first: date, last: date) -> list[Period]:
    """All time, whole months, single days, random stretches over months, and periods without plays."""
    span = (last - first).days
    found = [custom(None, last + timedelta(days=3)), custom(first - timedelta(days=40), first - timedelta(days=1))]
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        found.append(custom(month, following - timedelta(days=1)))
        month = following
    for _ in range(25):
        start = first + timedelta(days=rng.randrange(-3, span + 3))
        found.append(custom(start, start + timedelta(days=rng.choice([0, 0, 1, 2, 6, 29, 45, 90]))))
    return found


def assert_exact(periods: list[Period]) -> None:
    for period in periods:
        assert figures(period) == brute_force(period), (period.start, period.end)
    assert day_tops(sorted(set(Scrobble.objects.values_list("local_date", flat=True)))) == day_tops_brute_force()


def assert_stored() -> None:
    """Nothing is stale, and what is stored is what the plays give now."""
    assert not HabitDayStale.objects.exists()
    fresh = day_summaries(set(Scrobble.objects.values_list("local_date", flat=True)))
    assert {day: (plays, tracks, stretch) for day, plays, tracks, stretch in
            HabitDay.objects.values_list("local_date", "plays", "tracks", "stretch")} == {
        day: (summary.plays, summary.tracks, summary.stretch.as_json()) for day, summary in fresh.items()}
    months: dict[date, list[Stretch]] = {}
    for day in sorted(fresh):
        months.setdefault(day.replace(day=1), []).append(fresh[day].stretch)
    assert dict(HabitMonth.objects.values_list("month", "stretch")) == {
        month: merged(stretches).as_json() for month, stretches in months.items()}


# --- a randomized history -------------------------------------------------------------------------
ARTISTS = ["Portishead", "Massive Attack", "Björk", "Tricky"]


def random_history(rng: random.Random, start: datetime, plays: int) -> list[Play]:
    """Plays in order whose gaps hit the session rule's edges (exactly 30 min, 30 min and 1 ms), fall
    across midnight, or skip days; one artist often plays several times in a row; a third of the plays
    have no ms_played (their track's duration counts, when it has one)."""
    moment, artist, found = start, rng.choice(ARTISTS), []
    for n in range(plays):
        moment += rng.choice([SESSION_GAP, SESSION_GAP + timedelta(milliseconds=1), timedelta(minutes=29, seconds=59),
                              timedelta(minutes=rng.randrange(2, 12), milliseconds=rng.randrange(1000)),
                              timedelta(minutes=rng.randrange(2, 12), milliseconds=rng.randrange(1000)),
                              timedelta(hours=rng.randrange(1, 9), milliseconds=rng.randrange(1000)),
                              timedelta(days=rng.randrange(1, 4), minutes=rng.randrange(60))])
        if rng.random() < 0.35:
            artist = rng.choice(ARTISTS)
        song = rng.randrange(6)
        found.append(Play(artist=artist, title=f"Song {song}", album=f"{artist} LP" if song < 4 else "",
                          played_at=moment, ms_played=None if n % 3 == 0 else rng.randrange(0, 400_000),
                          duration_ms=None if song == 5 else 180_000 + 20_000 * song))
    return found


@pytest.fixture
def rng():
    return random.Random(20240331)


@pytest.fixture
def history(rng):
    """Spring and autumn of 2024, in Paris: both clock changes inside."""
    return (random_history(rng, datetime(2024, 3, 20, 21, tzinfo=_paris()), 260)
            + random_history(rng, datetime(2024, 10, 20, 22, 40, tzinfo=_paris()), 260))


def _paris():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Paris")


def _history_periods(rng) -> list[Period]:
    days = Scrobble.objects.values_list("local_date", flat=True)
    return periods_of(rng, min(days), max(days))


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Commits as a real transaction would, running the tasks it queued (synchronously in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_poll_stores_its_days_itself_and_an_import_leaves_them_to_a_worker(history,
                                                                             django_capture_on_commit_callbacks):
    scrobble_ingest(plays=history[:3], source="lastfm")  # a poll's few plays: one or two days
    assert not HabitDayStale.objects.exists() and HabitDay.objects.exists()
    with django_capture_on_commit_callbacks() as queued:
        scrobble_ingest(plays=history[3:], source="spotify")
    assert HabitDayStale.objects.count() > INLINE_DAYS and len(queued) == 1
    queued[0]()  # the worker's turn
    assert_stored()


def test_it_equals_a_pass_over_the_plays_after_an_ingest_a_re_ingest_and_a_backfill(rng, history, worker):
    later, earlier = history[150:], history[:150]
    scrobble_ingest(plays=later, source="spotify", batch_size=37)
    periods = _history_periods(rng)
    assert_exact(periods)  # the days still stale: read from their plays
    with worker():
        scrobble_ingest(plays=later, source="spotify", batch_size=37)  # nothing new
    assert_stored()
    assert_exact(periods)
    with worker():
        scrobble_ingest(plays=earlier, source="spotify", batch_size=23)  # older plays, after the newer ones
    assert_stored()
    assert_exact(_history_periods(rng))


def test_it_equals_a_pass_over_the_plays_after_deletes_and_an_edit_stale_then_stored(rng, history, worker):
    with worker():
        scrobble_ingest(plays=history, source="spotify")
    periods = _history_periods(rng)
    plays = rng.sample(sorted(Scrobble.objects.values_list("pk", flat=True)), 60)
    Scrobble.objects.filter(pk__in=plays[:40]).delete()
    Scrobble.objects.get(pk=plays[40]).delete()
    moved = Scrobble.objects.get(pk=plays[45])
    moved.played_at += timedelta(days=1, minutes=7)
    local = timezone.localtime(moved.played_at)
    moved.local_date, moved.local_hour = local.date(), local.hour
    moved.save()
    Track.objects.filter(title="Song 2").first().delete()  # its plays go with it
    assert HabitDayStale.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        assert_exact(periods)  # read through the stale days' plays
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert habit_days_refresh() > 0
    assert_stored()
    assert_exact(periods)


def test_it_follows_an_artist_merge(rng, history, worker):
    with worker():
        scrobble_ingest(plays=history, source="spotify")
    twin = make_artist("Roni Size")
    for track in Track.objects.filter(artist__name="Tricky")[:2]:
        copy = Track.objects.create(title=track.title, title_key=track.title_key, artist=twin, album=None,
                                    duration_ms=track.duration_ms)
        for play in rng.sample(list(Scrobble.objects.filter(track=track)), 5):  # the same days, another artist
            make_scrobble(copy, play.played_at + timedelta(seconds=90), ms_played=1000)
    periods = _history_periods(rng)
    assert_exact(periods)
    habit_days_refresh()
    with worker():
        artist_merge(target=Artist.objects.get(name="Massive Attack"),
                     others=[twin, Artist.objects.get(name="Tricky")])
    assert_stored()
    assert_exact(periods)


def test_it_follows_a_track_duration_changing(rng, history, worker):
    with worker():
        scrobble_ingest(plays=history, source="lastfm")
    periods = _history_periods(rng)
    untimed = Track.objects.filter(duration_ms__isnull=True).first()
    Track.objects.filter(pk=untimed.pk).update(duration_ms=3_600_000)  # sessions it ends grow by an hour
    assert set(HabitDayStale.objects.values_list("local_date", flat=True)) == set(
        Scrobble.objects.filter(track=untimed).values_list("local_date", flat=True))
    assert_exact(periods)
    habit_days_refresh()
    assert_stored()
    assert_exact(periods)


def test_rollups_rebuild_stores_them_again(rng, history, capsys):
    scrobble_ingest(plays=history, source="spotify")  # left stale: the rebuild stores them
    periods = _history_periods(rng)
    with connection.cursor() as cursor:  # edited by hand, around the triggers
        cursor.execute("DELETE FROM tracker_habitmonth")
        cursor.execute("DELETE FROM tracker_habitday WHERE local_date < '2024-04-01'")
        cursor.execute("UPDATE tracker_habitday SET plays = plays + 1, tracks = '[]'")
        cursor.execute("INSERT INTO tracker_habitdaystale (local_date) VALUES ('2019-01-01')")
    call_command("rollups_rebuild")
    assert "Rollups rebuilt from 520 plays" in capsys.readouterr().out
    assert_stored()
    assert_exact(periods)


# --- edges ------------------------------------------------------------------------------------------
@pytest.fixture
def tracks():
    """Air 1 to 3 and Beak 1 and 2, five minutes each."""
    found = {}
    for name, count in (("air", 3), ("beak", 2)):
        album = make_album(f"{name.title()} LP", make_artist(name.title()))
        found |= {f"{name}{n}": make_track(f"{name.title()} {n}", album, number=n, duration_ms=300_000)
                  for n in range(1, count + 1)}
    return found


def _both_ways(period: Period) -> dict:
    """The figures read with the days stale, then stored: they must agree with a pass over the plays."""
    stale = figures(period)
    habit_days_refresh()
    assert figures(period) == stale == brute_force(period)
    return stale


def paris(y, mo, d, h, mi=0, s=0, ms=0):
    return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=_paris())


def test_a_gap_of_exactly_30_minutes_over_midnight_keeps_the_session_and_a_millisecond_more_ends_it(tracks):
    make_scrobble(tracks["air1"], paris(2025, 1, 10, 23, 45))
    make_scrobble(tracks["air2"], paris(2025, 1, 11, 0, 15))  # exactly 30 min, the next day
    make_scrobble(tracks["beak1"], paris(2025, 1, 11, 23, 50))
    make_scrobble(tracks["beak2"], paris(2025, 1, 12, 0, 20, ms=1))  # 30 min 1 ms
    found = _both_ways(custom(date(2025, 1, 1), date(2025, 1, 31)))
    assert found["sessions"] == 3
    assert found["longest"] == (paris(2025, 1, 10, 23, 45), paris(2025, 1, 11, 0, 15), 2, 300_000)


def test_a_session_over_midnight_counts_once_and_to_its_last_play_s_end(tracks):
    for minutes in range(0, 100, 20):  # 23:20 to 00:40, over the turn of the month too
        played_at = paris(2025, 1, 31, 23, 20) + timedelta(minutes=minutes)
        make_scrobble(tracks["air1" if minutes % 40 else "air2"], played_at, ms_played=60_000)
    found = _both_ways(custom(None, date(2025, 12, 31)))
    assert (found["sessions"], found["days"], found["streak"]) == (1, 2, (date(2025, 1, 31), date(2025, 2, 1)))
    assert found["longest"][2] == 5 and found["average"] == timedelta(minutes=81)
    assert found["buckets"] == [0, 0, 0, 1, 0, 0]


def test_a_run_of_one_artist_spans_days_and_months_even_with_days_between(tracks):
    make_scrobble(tracks["beak1"], paris(2025, 1, 30, 12))
    make_scrobble(tracks["air1"], paris(2025, 1, 30, 20))
    make_scrobble(tracks["air2"], paris(2025, 1, 31, 20))
    make_scrobble(tracks["air1"], paris(2025, 2, 3, 9))  # days later: still a run of the same artist
    make_scrobble(tracks["air3"], paris(2025, 2, 3, 9, 10))
    make_scrobble(tracks["beak2"], paris(2025, 2, 3, 10))
    air_plays = list(Scrobble.objects.filter(artist__name="Air").order_by("played_at"))
    found = _both_ways(custom(date(2025, 1, 1), date(2025, 3, 31)))  # two whole months, merged from their rows
    assert found["run"] == (air_plays[0].artist_id, 4, air_plays[0].pk, air_plays[-1].pk)
    found = _both_ways(custom(date(2025, 1, 31), date(2025, 2, 28)))  # the period cuts the run
    assert found["run"] == (air_plays[0].artist_id, 3, air_plays[1].pk, air_plays[-1].pk)


def test_a_period_starting_or_ending_mid_session_cuts_it(tracks):
    for minutes in range(0, 61, 15):  # 23:30 on 14 March to 00:30 on 15 March
        played_at = paris(2025, 3, 14, 23, 30) + timedelta(minutes=minutes)
        make_scrobble(tracks["air1" if minutes % 30 else "beak1"], played_at)
    before, after = custom(date(2025, 3, 1), date(2025, 3, 14)), custom(date(2025, 3, 15), date(2025, 3, 31))
    assert _both_ways(before)["longest"] == (paris(2025, 3, 14, 23, 30), paris(2025, 3, 14, 23, 45), 2, 300_000)
    assert _both_ways(after)["longest"] == (paris(2025, 3, 15, 0, 0), paris(2025, 3, 15, 0, 30), 3, 300_000)
    assert _both_ways(custom(date(2025, 3, 1), date(2025, 3, 31)))["sessions"] == 1


def test_an_empty_period_has_no_habits(tracks):
    assert figures(custom(None, date(2025, 1, 1)))["sessions"] == 0  # no play at all
    make_scrobble(tracks["air1"], paris(2025, 1, 10, 12))
    make_scrobble(tracks["air1"], paris(2025, 3, 10, 12))
    for period in (custom(date(2025, 2, 1), date(2025, 2, 28)), custom(date(2024, 1, 1), date(2024, 12, 31)),
                   custom(date(2025, 1, 11), date(2025, 3, 9))):
        found = _both_ways(period)
        assert (found["days"], found["streak"], found["sessions"], found["longest"], found["run"]) == (
            0, None, 0, None, None)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="two writers at once: SQLite has one")
@pytest.mark.django_db(transaction=True)
def test_a_refresh_leaves_a_day_another_writer_is_marking_for_later(tracks):
    import psycopg

    first = make_scrobble(tracks["air1"], paris(2025, 5, 1, 10))  # 1 May is stale, and committed
    settings = connection.settings_dict
    with psycopg.connect(dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"],
                         port=settings["PORT"] or 5432) as other:
        other.execute(  # not committed yet: its trigger holds 1 May's stale mark
            "INSERT INTO tracker_scrobble (track_id, artist_id, album_id, played_at, local_date, local_hour, source, "
            "loved, ms_played, created_at) VALUES (%s, %s, %s, %s, '2025-05-01', 10, 'manual', false, 1000, now())",
            [first.track_id, first.artist_id, first.album_id, paris(2025, 5, 1, 10, 10)])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting for the other writer would fail here
        assert habit_days_refresh() == 0  # 1 May is left for later, not stored without the other's play
        other.commit()
    assert HabitDayStale.objects.filter(local_date=date(2025, 5, 1)).exists()
    assert habit_days_refresh() == 1
    assert_stored()
    assert figures(custom(None, date(2025, 5, 31)))["longest"][2] == 2


def test_the_hourly_schedule_stores_days_an_edit_left_stale(settings):
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    declared = next(s for s in settings.JOURNAL_SCHEDULES if s["name"] == "habit days")
    track = make_track("Roads", make_album("Dummy", make_artist("Portishead")))
    plays = [make_scrobble(track, datetime(2024, 5, day, 20, tzinfo=timezone.get_current_timezone()))
             for day in (1, 2)]
    habit_days_refresh()
    plays[0].delete()  # as the admin deletes: no ingest follows to store the day
    assert HabitDayStale.objects.exists()
    assert import_string(declared["func"])() == "1 days stored"
    assert not HabitDayStale.objects.exists() and declared["schedule_type"] == "H"
    assert Schedule.objects.filter(name="habit days", func=declared["func"]).exists()  # made by migrate
