"""The analytics overview's numbers, against a history small enough to check by hand."""

from datetime import date

import pytest
from django.test import override_settings

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.selectors import analytics, stats
from tracker.selectors.periods import period_from_query

pytestmark = pytest.mark.django_db


def period(**query):
    found, error = period_from_query(query, today=date(2024, 4, 15))
    assert not error
    return found


@pytest.fixture
def history():
    """March 2024: Roads x3 (one 60 s play known, two at its 300 s length), Teardrop x2 (no length:
    210 s each), Angel x1 (900 s known); February: Roads x2. Portishead is made first."""
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    roads = make_track("Roads", make_album("Dummy", portishead), duration_ms=300_000)
    mezzanine = make_album("Mezzanine", massive)
    teardrop = make_track("Teardrop", mezzanine)
    angel = make_track("Angel", mezzanine, duration_ms=240_000)
    make_scrobble(roads, utc(2024, 3, 2, 10), ms_played=60_000)
    make_scrobble(roads, utc(2024, 3, 2, 11))
    make_scrobble(roads, utc(2024, 3, 9, 20))
    make_scrobble(teardrop, utc(2024, 3, 9, 21))
    make_scrobble(teardrop, utc(2024, 3, 20, 8))
    make_scrobble(angel, utc(2024, 3, 20, 9), ms_played=900_000)
    make_scrobble(roads, utc(2024, 2, 10, 12))
    make_scrobble(roads, utc(2024, 2, 11, 12))
    return {"portishead": portishead, "massive": massive, "roads": roads, "teardrop": teardrop, "angel": angel}


def names(top):
    return [row.obj.name if top.kind == "artists" else row.obj.title for row in top.rows]


def test_it_ranks_tops_by_plays_and_by_time_listened(history):
    march = period(period="2024-03")
    tracks = analytics.top_of(kind="tracks", period=march, by="plays")
    assert [(row.obj.title, row.plays, row.ms, row.estimated_ms) for row in tracks.rows] == [
        ("Roads", 3, 660_000, 600_000), ("Teardrop", 2, 420_000, 420_000), ("Angel", 1, 900_000, 0)]
    assert tracks.estimated_percent == 52  # 1,020 of 1,980 s
    assert names(analytics.top_of(kind="tracks", period=march, by="time")) == ["Angel", "Roads", "Teardrop"]
    artists = analytics.top_of(kind="artists", period=march, by="plays")
    assert [(n, r.plays, r.ms) for n, r in zip(names(artists), artists.rows)] == [
        ("Portishead", 3, 660_000), ("Massive Attack", 3, 1_320_000)]  # a tie on plays: the first id first
    by_time = analytics.top_of(kind="artists", period=march, by="time")
    assert names(by_time) == ["Massive Attack", "Portishead"] and by_time.rows[0].share == 100.0
    assert by_time.rows[1].share == 50.0
    albums = analytics.top_of(kind="albums", period=march, by="time")
    assert albums.table.header == ["Rank", "Album", "Artist", "Plays", "Minutes", "Estimated minutes"]
    assert albums.table.rows == [[1, "Mezzanine", "Massive Attack", 3, 22, 7], [2, "Dummy", "Portishead", 3, 11, 10]]


def test_long_periods_from_the_month_rollups_count_like_the_plays(history, monkeypatch):
    since, until = date(2024, 2, 11), date(2024, 3, 9)  # cuts both months
    direct = {f: stats.period_sums(field=f, ids=[history["portishead"].pk, history["massive"].pk,
                                                  history["roads"].album_id, history["teardrop"].album_id],
                                   since=since, until=until) for f in ("artist_id", "album_id")}
    monkeypatch.setattr(stats, "DIRECT_PLAYS", 0)
    for field, expected in direct.items():
        ids = list(expected) + [987654]
        assert stats.period_sums(field=field, ids=ids, since=since, until=until) == expected
    assert direct["artist_id"] == {history["portishead"].pk: (4, 60_000, 1), history["massive"].pk: (1, 0, 0)}
    assert stats.period_sums(field="artist_id", ids=[history["portishead"].pk]) == {
        history["portishead"].pk: (5, 60_000, 1)}  # all time, from the totals


def test_it_compares_plays_and_minutes_with_the_previous_period(history):
    overview = analytics.analytics_overview(period=period(period="2024-03"))
    totals = overview.totals
    # plays without a length: the history's mean of their tracks' lengths, (4 x 300 + 2 x 210) / 6 = 270 s
    assert analytics.unknown_play_ms() == 270_000
    assert (totals.current.plays, totals.current.ms, totals.current.estimated_ms) == (6, 2_040_000, 1_080_000)
    assert totals.previous_period.key == "2024-02"
    assert (totals.previous.plays, totals.previous.minutes) == (2, 9)
    assert totals.plays_change == 200.0 and totals.minutes_change == round(100 * (34 - 9) / 9, 1)
    assert analytics.analytics_overview(period=period(period="all")).totals.previous is None


def test_the_unknown_length_is_the_mean_over_the_most_played_such_tracks(history, monkeypatch):
    monkeypatch.setattr(analytics, "UNKNOWN_SAMPLE", 1)  # Roads: 4 plays without a length, at 300 s
    assert analytics.unknown_play_ms() == 300_000
    all_time = analytics.analytics_overview(period=period(period="all")).totals.current
    assert (all_time.plays, all_time.estimated_ms) == (8, 6 * 300_000)  # from the artists' totals


def test_it_counts_plays_per_day_week_and_month(history):
    days = analytics.plays_over_time(period=period(period="2024-03"))
    assert days.step == "day" and len(days.buckets) == 31
    assert {b.start.day: b.plays for b in days.buckets if b.plays} == {2: 2, 9: 2, 20: 2}
    assert days.table.rows[1] == ["2024-03-02", "2024-03-02", 2]
    weeks = analytics.plays_over_time(period=period(period="custom", **{"from": "2024-01-03", "to": "2024-06-30"}))
    assert weeks.step == "week"
    assert (weeks.buckets[0].start, weeks.buckets[0].end) == (date(2024, 1, 3), date(2024, 1, 7))  # to Sunday
    assert [(b.start, b.plays) for b in weeks.buckets if b.plays] == [
        (date(2024, 2, 5), 2), (date(2024, 2, 26), 2), (date(2024, 3, 4), 2), (date(2024, 3, 18), 2)]
    assert weeks.buckets[-1].start == date(2024, 6, 24) and len(weeks.buckets) == 26
    months = analytics.plays_over_time(period=period(period="custom", **{"from": "2021-02-15", "to": "2024-03-05"}))
    assert months.step == "month" and months.buckets[0].start == date(2021, 2, 15)
    assert [(b.start, b.plays) for b in months.buckets[-2:]] == [(date(2024, 2, 1), 2), (date(2024, 3, 1), 2)]
    all_time = analytics.plays_over_time(period=period(period="all"))
    assert all_time.buckets[0].start == date(2024, 2, 10) and sum(b.plays for b in all_time.buckets) == 8


def test_it_fills_the_week_hours_from_days_and_from_months_alike(history):
    march = analytics.week_hours_of(period=period(period="2024-03"))  # from the day-hour rollup
    year = analytics.week_hours_of(period=period(period="2024"))  # whole months: the month-hour rollup
    everything = analytics.week_hours_of(period=period(period="all"))
    assert year.grid == everything.grid
    assert march.grid[5][10] == 1 and march.grid[5][11] == 1  # Saturday 2 March, 10:00 and 11:00
    assert sum(map(sum, march.grid)) == 6 and sum(map(sum, year.grid)) == 8
    assert year.table.rows[6][0] == "Sunday" and year.table.rows[6][1 + 12] == 1  # Sunday 11 Feb, 12:00
    assert len(march.table.header) == 25 and march.hours[10] == 1


def test_it_draws_a_calendar_for_a_year_or_shorter_only(history):
    assert analytics.calendar_counts(period=period(period="2024"))[date(2024, 3, 2)] == 2
    assert analytics.calendar_counts(period=period(period="all")) is None
    longer = period(period="custom", **{"from": "2022-01-01", "to": "2024-03-31"})
    assert analytics.calendar_counts(period=longer) is None


def test_an_empty_period_has_empty_views(history):
    overview = analytics.analytics_overview(period=period(period="2010"))
    assert overview.totals.current.plays == 0 and overview.totals.current.estimated_percent == 0
    assert all(not top.rows and not top.table.rows for top in overview.tops.values())
    assert sum(b.plays for b in overview.over_time.buckets) == 0
    assert sum(map(sum, overview.week_hours.grid)) == 0


@override_settings(TIME_ZONE="Europe/Paris")
def test_it_counts_on_the_local_day_and_hour_across_a_daylight_saving_change():
    """Paris moves from UTC+1 to UTC+2 at 02:00 on Sunday 31 March 2024."""
    track = make_track("Roads", duration_ms=300_000)
    make_scrobble(track, utc(2024, 3, 30, 23, 30))  # 00:30 on Sunday 31, local
    make_scrobble(track, utc(2024, 3, 31, 0, 30))  # 01:30, still UTC+1
    make_scrobble(track, utc(2024, 3, 31, 1, 30))  # 03:30, now UTC+2
    make_scrobble(track, utc(2024, 3, 31, 22, 30))  # 00:30 on Monday 1 April
    around = period(period="custom", **{"from": "2024-03-31", "to": "2024-04-01"})
    over_time = analytics.plays_over_time(period=around)
    assert [(b.start, b.plays) for b in over_time.buckets] == [(date(2024, 3, 31), 3), (date(2024, 4, 1), 1)]
    grid = analytics.week_hours_of(period=around).grid
    assert (grid[6][0], grid[6][1], grid[6][3], grid[0][0]) == (1, 1, 1, 1) and grid[6][2] == 0
    assert analytics.week_hours_of(period=period(period="2024")).grid == grid  # the month rollup agrees
    march = period(period="2024-03")
    assert analytics.top_of(kind="tracks", period=march).rows[0].plays == 3
    assert analytics.compare(period=march, unknown_ms=300_000).current.plays == 3
    assert analytics.calendar_counts(period=march) == {date(2024, 3, 31): 3}


def test_it_reads_rollups_in_a_few_queries_whatever_the_number_of_rows(history, django_assert_max_num_queries):
    for n in range(30):
        make_scrobble(make_track(f"Track {n}", make_album(f"Album {n}", make_artist(f"Artist {n}"))),
                      utc(2024, 3, 25, 0, n))
    with django_assert_max_num_queries(30):
        analytics._overview(period=period(period="2024-03"), by="time", limit=10)
