"""Listening habits: discoveries, streaks, runs of one artist, sessions, rank over time, this day
in earlier years, each against a small history whose figures can be checked by hand."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext, override_settings

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.selectors import habit_days, habits, stretch
from tracker.selectors.periods import period_from_query
from tracker.selectors.stats import local_midnight

pytestmark = pytest.mark.django_db


def period(query: str, today: date = date(2026, 3, 15)):
    found, error = period_from_query(QueryDict(query), today=today)
    assert not error
    return found


def custom(start: str, end: str):
    return period(f"period=custom&from={start}&to={end}")


def sessions_of(found) -> list[habits.Session]:
    """Every session of the period, from one pass over its plays."""
    span = (local_midnight(found.start), local_midnight(found.end + timedelta(days=1)))
    return [habits.Session.of(sitting) for sitting in stretch.sittings(habit_days.plays_in_order([span]))]


@pytest.fixture
def catalog():
    """Three artists with two tracks each (5 minutes long)."""
    artists = {name: make_artist(name) for name in ("Air", "Beak", "Can")}
    tracks = {}
    for name, artist in artists.items():
        album = make_album(f"{name} LP", artist)
        for number in (1, 2):
            tracks[f"{name[0].lower()}{number}"] = make_track(f"{name} {number}", album, number=number,
                                                              duration_ms=300_000)
    return artists, tracks


# --- discoveries -----------------------------------------------------------------------------
def test_it_counts_new_artists_per_month_and_lists_their_first_track(catalog):
    artists, t = catalog
    make_scrobble(t["c1"], utc(2024, 11, 2, 12))  # Can: discovered before 2025, played again in it
    make_scrobble(t["c2"], utc(2025, 1, 3, 12))
    make_scrobble(t["a1"], utc(2025, 1, 10, 9))
    make_scrobble(t["a2"], utc(2025, 3, 1, 9))
    make_scrobble(t["b2"], utc(2025, 3, 5, 10))
    make_scrobble(t["b1"], utc(2025, 3, 5, 10, 5))

    months = habits.discoveries_per_month(period=period("period=2025"))
    assert [(m["month"], m["value"]) for m in months[:4]] == [
        (date(2025, 1, 1), 1), (date(2025, 2, 1), 0), (date(2025, 3, 1), 1), (date(2025, 4, 1), 0)]
    assert len(months) == 12 and sum(m["value"] for m in months) == 2

    with CaptureQueriesContext(connection) as queries:
        found = habits.discovery_list(period=period("period=2025"))
    assert [(d.artist.name, d.track.title, d.first_played_at) for d in found] == [
        ("Beak", "Beak 2", utc(2025, 3, 5, 10)), ("Air", "Air 1", utc(2025, 1, 10, 9))]
    assert len(queries) == 3  # discoveries, their artists, their first plays: no query per row


def test_it_limits_the_discoveries_to_the_newest(catalog):
    _artists, t = catalog
    for index in range(5):
        make_scrobble(make_track(f"Song {index}", artist=make_artist(f"Band {index}")), utc(2025, 1, 1 + index))
    found = habits.discovery_list(period=period("period=2025"), limit=3)
    assert [d.artist.name for d in found] == ["Band 4", "Band 3", "Band 2"]


def test_it_has_no_discoveries_in_an_empty_period(catalog):
    _artists, t = catalog
    make_scrobble(t["a1"], utc(2025, 1, 10, 9))
    assert habits.discoveries_per_month(period=period("period=2024")) == []
    assert habits.discovery_list(period=period("period=2024")) == []


@override_settings(TIME_ZONE="Europe/Paris")
def test_it_counts_a_play_at_2330_utc_on_the_local_day(catalog):
    _artists, t = catalog
    make_scrobble(t["a1"], utc(2025, 1, 31, 23, 30))  # 1 February, 00:30 in Paris
    months = habits.discoveries_per_month(period=period("period=2025"))
    assert [(m["month"], m["value"]) for m in months[:2]] == [(date(2025, 2, 1), 1), (date(2025, 3, 1), 0)]
    found = habits.play_habits(period=custom("2025-01-31", "2025-02-01"))
    assert (found.listening_days, found.streak) == (1, habits.Streak(date(2025, 2, 1), date(2025, 2, 1)))
    assert habits.discovery_list(period=period("period=2025-01")) == []
    assert [d["day"] for d in habits.on_this_day(today=date(2026, 2, 1))] == [date(2025, 2, 1)]


# --- streaks ---------------------------------------------------------------------------------
def _play_days(track, *days: date):
    for day in days:
        make_scrobble(track, utc(day.year, day.month, day.day, 20))


def test_it_finds_the_longest_streak_across_a_month_end(catalog):
    _artists, t = catalog
    _play_days(t["a1"], date(2025, 1, 20), date(2025, 1, 30), date(2025, 1, 31), date(2025, 2, 1), date(2025, 2, 2),
               date(2025, 2, 4), date(2025, 2, 5))
    make_scrobble(t["a2"], utc(2025, 2, 1, 21))  # two plays on one day are one day
    streak = habits.play_habits(period=period("period=2025")).streak
    assert (streak.start, streak.end, streak.days) == (date(2025, 1, 30), date(2025, 2, 2), 4)
    # The period cuts the streak.
    streak = habits.play_habits(period=custom("2025-02-01", "2025-02-28")).streak
    assert (streak.start, streak.end, streak.days) == (date(2025, 2, 1), date(2025, 2, 2), 2)


def test_it_finds_a_one_day_streak_in_a_single_day_history(catalog):
    _artists, t = catalog
    _play_days(t["a1"], date(2025, 6, 1))
    streak = habits.play_habits(period=period("period=all")).streak
    assert (streak.start, streak.end, streak.days) == (date(2025, 6, 1), date(2025, 6, 1), 1)


def test_it_has_no_streak_in_an_empty_period(catalog):
    assert habits.play_habits(period=period("period=2025")).streak is None


def test_it_counts_the_current_streak_ending_today_or_yesterday(catalog):
    _artists, t = catalog
    _play_days(t["a1"], date(2025, 2, 1), date(2025, 2, 3), date(2025, 2, 4), date(2025, 2, 5))
    for today, expected in [(date(2025, 2, 5), (date(2025, 2, 3), 3)), (date(2025, 2, 6), (date(2025, 2, 3), 3)),
                            (date(2025, 2, 4), (date(2025, 2, 3), 2)), (date(2025, 2, 2), (date(2025, 2, 1), 1))]:
        streak = habits.current_streak(today=today)
        assert (streak.start, streak.days) == expected, today
    assert habits.current_streak(today=date(2025, 2, 7)) is None


def test_it_finds_the_longest_run_of_one_artist(catalog):
    _artists, t = catalog
    start = utc(2025, 5, 1, 10)
    order = ["a1", "a2", "b1", "b2", "b1", "a1", "c1", "c1", "c1", "b1"]  # Beak 3, then Can 3: the first wins
    plays = [make_scrobble(t[key], start + timedelta(minutes=5 * index)) for index, key in enumerate(order)]
    run = habits.play_habits(period=period("period=2025")).run
    assert (run.artist.name, run.plays, run.first, run.last) == ("Beak", 3, plays[2], plays[4])
    fourth = make_scrobble(t["c2"], start + timedelta(minutes=5 * 8, seconds=1))  # Can 4 in a row
    run = habits.play_habits(period=period("period=2025")).run
    assert (run.artist.name, run.plays, run.first, run.last) == ("Can", 4, plays[6], fourth)


def test_it_counts_runs_of_one_artist_inside_the_period_only(catalog):
    _artists, t = catalog
    make_scrobble(t["a1"], utc(2024, 12, 31, 23, 50))
    make_scrobble(t["a2"], utc(2024, 12, 31, 23, 55))
    make_scrobble(t["a1"], utc(2025, 1, 1, 0, 5))
    make_scrobble(t["b1"], utc(2025, 1, 1, 0, 10))
    run = habits.play_habits(period=period("period=2025")).run
    assert (run.artist.name, run.plays) == ("Air", 1)
    assert habits.play_habits(period=period("period=2023")).run is None


# --- sessions --------------------------------------------------------------------------------
def test_it_splits_sessions_on_a_gap_over_30_minutes(catalog):
    _artists, t = catalog
    make_scrobble(t["a1"], utc(2025, 4, 1, 10))
    make_scrobble(t["a2"], utc(2025, 4, 1, 10, 30))  # exactly 30 min after: the same session
    make_scrobble(t["b1"], utc(2025, 4, 1, 11, 0, 1))  # 30 min 1 s after: a new one
    for step in range(7):  # 9:00 to 11:00, every 20 minutes; the last play lasted 1 minute
        make_scrobble(t["c1"] if step % 2 else t["c2"], utc(2025, 4, 2, 9) + timedelta(minutes=20 * step),
                      ms_played=60_000 if step == 6 else 200_000)
    found = sessions_of(period("period=2025"))
    assert [(s.start, s.plays, s.length) for s in found] == [
        (utc(2025, 4, 1, 10), 2, timedelta(minutes=35)),  # to the end of the last play (its track: 5 min)
        (utc(2025, 4, 1, 11, 0, 1), 1, timedelta(minutes=5)),
        (utc(2025, 4, 2, 9), 7, timedelta(hours=2, minutes=1)),
    ]
    summary = habits.play_habits(period=period("period=2025"))
    assert summary.sessions == 3
    assert summary.longest.start == utc(2025, 4, 2, 9) and summary.longest.end == utc(2025, 4, 2, 11, 1)
    assert [b["value"] for b in summary.buckets] == [1, 0, 1, 0, 1, 0]
    assert summary.per_day == 1.5
    assert summary.average == timedelta(minutes=161) / 3


def test_it_puts_session_lengths_in_buckets_at_their_bounds():
    assert stretch.session_bucket(timedelta(minutes=14, seconds=59)) == 0
    assert stretch.session_bucket(timedelta(minutes=15)) == 1
    assert stretch.session_bucket(timedelta(minutes=60)) == 3
    assert stretch.session_bucket(timedelta(hours=4)) == 5


def test_it_has_no_sessions_in_an_empty_period(catalog):
    summary = habits.play_habits(period=period("period=2025"))
    assert (summary.sessions, summary.longest, summary.per_day, summary.run) == (0, None, 0, None)
    assert [b["value"] for b in summary.buckets] == [0] * 6


# --- rank over time --------------------------------------------------------------------------
def _plays(track, month_start, count):
    for n in range(count):
        make_scrobble(track, month_start + timedelta(days=n, hours=12))


def test_it_ranks_the_top_artists_month_by_month(catalog):
    artists, t = catalog
    _plays(t["a1"], utc(2025, 1, 1), 3)
    _plays(t["b1"], utc(2025, 1, 10), 1)
    _plays(t["a1"], utc(2025, 2, 1), 1)
    _plays(t["b1"], utc(2025, 2, 10), 2)
    _plays(t["a2"], utc(2025, 3, 1), 2)
    _plays(t["c1"], utc(2025, 3, 10), 3)
    ranks = habits.rank_over_time(period=custom("2025-01-01", "2025-03-31"))
    assert ranks["by"] == "month"
    assert ranks["buckets"] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    # Air 6 plays, then Beak and Can with 3 each (by id); Can had none before March.
    assert [(row["artist"].name, row["plays"], row["ranks"]) for row in ranks["artists"]] == [
        ("Air", 6, [1, 2, 2]), ("Beak", 3, [2, 1, None]), ("Can", 3, [None, None, 1])]
    assert ranks["artists"][0]["bucket_plays"] == [3, 1, 2]


def test_it_ranks_by_year_past_three_years(catalog):
    _artists, t = catalog
    _plays(t["a1"], utc(2020, 1, 1), 2)
    _plays(t["b1"], utc(2020, 5, 1), 1)
    _plays(t["b1"], utc(2024, 6, 1), 3)
    ranks = habits.rank_over_time(period=period("period=all"))
    assert ranks["by"] == "year"
    assert ranks["buckets"] == [date(year, 1, 1) for year in range(2020, 2025)]
    assert [(row["artist"].name, row["ranks"]) for row in ranks["artists"]] == [
        ("Beak", [2, None, None, None, 1]), ("Air", [1, None, None, None, None])]


def test_it_has_no_ranks_in_an_empty_period(catalog):
    assert habits.rank_over_time(period=period("period=2025"))["artists"] == []


# --- on this day -----------------------------------------------------------------------------
def test_it_lists_this_day_in_earlier_years_with_its_top_tracks(catalog):
    _artists, t = catalog
    for hour, key in [(8, "a1"), (9, "b1"), (10, "a1"), (11, "c1"), (12, "b2")]:
        make_scrobble(t[key], utc(2025, 3, 15, hour))
    make_scrobble(t["c2"], utc(2023, 3, 15, 7))
    make_scrobble(t["a2"], utc(2026, 3, 15, 7))  # today: not an earlier year
    make_scrobble(t["a2"], utc(2025, 3, 16, 7))  # another day
    days = habits.on_this_day(today=date(2026, 3, 15))
    assert [(d["day"], d["plays"], [(track.title, n) for track, n in d["tracks"]]) for d in days] == [
        (date(2025, 3, 15), 5, [("Air 1", 2), ("Beak 1", 1), ("Beak 2", 1)]),  # ties: by track id
        (date(2023, 3, 15), 1, [("Can 2", 1)]),
    ]
    assert habits.on_this_day(today=date(2026, 3, 17)) == []


def test_on_this_day_of_a_leap_day_finds_the_leap_years(catalog):
    _artists, t = catalog
    _play_days(t["a1"], date(2020, 2, 29), date(2024, 2, 29), date(2025, 2, 28))
    assert [d["day"] for d in habits.on_this_day(today=date(2028, 2, 29))] == [date(2024, 2, 29), date(2020, 2, 29)]
    assert [d["day"] for d in habits.on_this_day(today=date(2026, 2, 28))] == [date(2025, 2, 28)]


def test_it_keeps_fractions_of_a_second_in_the_gap(catalog):
    _artists, t = catalog
    make_scrobble(t["a1"], utc(2025, 4, 1, 10, 0, 0, 250_000))
    make_scrobble(t["a2"], utc(2025, 4, 1, 10, 30, 0, 250_000))  # exactly 30 min
    make_scrobble(t["b1"], utc(2025, 4, 1, 11, 0, 0, 251_000))  # 30 min and 1 ms
    assert [s.plays for s in sessions_of(period("period=2025"))] == [2, 1]
