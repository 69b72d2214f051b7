"""Top tracks, artists and albums of a period are the same whichever way they are counted: from
the plays (a short period), from all-time totals (all time), by the tracks' all-time bound (the
tracks of a long period), from whole months plus the cut days at each end (artists, albums) or
from a year's rollup."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from tests.factories import utc
from tracker.models import Scrobble
from tracker.selectors import stats
from tracker.services.ingest import Play, scrobble_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """Two years of plays: 30 artists, 60 albums, 300 tracks, skewed popularity and ties."""
    rng = random.Random(5)
    start = utc(2023, 1, 1, 0, 0)
    plays = []
    for n in range(3000):
        track = min(int(rng.paretovariate(0.8)), 300)
        artist = track % 30
        plays.append(Play(artist=f"Artist {artist}", title=f"Track {track}", album=f"Album {track % 60}",
                          played_at=start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))))
    scrobble_ingest(plays=plays, source="lastfm")
    return Scrobble.objects.values_list("track_id", "artist_id", "album_id", "local_date")


def brute_force(rows, field: str, since: date | None, until: date | None, limit: int):
    index = {"track_id": 0, "artist_id": 1, "album_id": 2}[field]
    counts = Counter(row[index] for row in rows
                     if (since is None or row[3] >= since) and (until is None or row[3] <= until)
                     and row[index] is not None)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


PERIODS = [
    (None, None),
    (date(2023, 1, 1), None),
    (date(2023, 3, 17), None),  # cut at the start, open to today
    (date(2023, 3, 17), date(2024, 2, 9)),  # cut at both ends: the days inside are counted apart
    (date(2023, 3, 3), date(2024, 2, 27)),  # cut at both ends: whole months less the days outside
    (date(2023, 3, 3), None),
    (date(2023, 11, 20), date(2023, 12, 10)),  # two cut months, none whole
    (date(2023, 5, 1), date(2023, 8, 31)),  # whole months only
    (date(2023, 6, 3), date(2023, 6, 20)),  # inside one month
    (None, date(2023, 12, 15)),
    (date(2023, 1, 1), date(2023, 12, 31)),  # a whole year: its year rollup
    (date(2024, 1, 1), date(2024, 12, 31)),
    (date(2024, 1, 1), date(2024, 11, 30)),  # a year with plays after the period: not the year's rollup
]


@pytest.mark.parametrize("field", ["track_id", "artist_id", "album_id"])
@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_the_rollup_ways_count_like_the_plays(history, monkeypatch, field, since, until):
    rows = list(history)
    monkeypatch.setattr(stats, "DIRECT_PLAYS", 0)  # every period takes the rollups' way
    monkeypatch.setattr(stats, "_CANDIDATES", 7)  # and the track bound several rounds
    for limit in (1, 5, 10):
        assert stats.top_counts(field=field, since=since, until=until, limit=limit) == \
            brute_force(rows, field, since, until, limit)


@pytest.mark.parametrize("field", ["track_id", "artist_id", "album_id"])
def test_a_short_period_is_counted_from_its_plays(history, field):
    since, until = date(2023, 6, 3), date(2023, 6, 20)
    assert stats.period_plays(since=since, until=until) <= stats.DIRECT_PLAYS
    assert stats.top_counts(field=field, since=since, until=until) == brute_force(list(history), field, since,
                                                                                  until, 10)


def test_a_year_so_far_is_read_from_the_year_rollup_only_when_nothing_was_played_after_it(history):
    last = Scrobble.objects.order_by("-played_at").values_list("local_date", flat=True).first()
    assert stats._one_year(date(last.year, 1, 1), last) == last.year
    assert stats._one_year(date(last.year, 1, 1), last - timedelta(days=1)) is None
    assert stats._one_year(date(2023, 1, 2), date(2023, 12, 31)) is None
    assert stats._one_year(date(2023, 1, 1), date(2024, 12, 31)) is None
    for field in ("track_id", "artist_id", "album_id"):
        assert stats.top_counts(field=field, since=date(last.year, 1, 1), until=last) == \
            brute_force(list(history), field, date(last.year, 1, 1), last, 10)


@pytest.mark.parametrize("field", ["track_id", "artist_id", "album_id"])
@pytest.mark.parametrize(("since", "until"), [
    (date(2023, 9, 4), date(2023, 12, 2)),  # 90 days in one year
    (date(2023, 11, 15), date(2024, 2, 12)),  # 90 days over the new year: both years' rollups
    (date(2023, 2, 1), date(2024, 1, 31)),
])
def test_a_period_within_two_years_is_bounded_by_the_year_rollups(history, monkeypatch, field, since, until):
    rows = list(history)
    monkeypatch.setattr(stats, "YEARS_PLAYS", 0)
    monkeypatch.setattr(stats, "_CANDIDATES", 2)  # several rounds, the bound closing in
    monkeypatch.setattr(stats, "_counted", None)  # the years' way answers alone, the plays never counted
    for limit in (1, 5, 10):
        assert stats.top_counts(field=field, since=since, until=until, limit=limit) == \
            brute_force(rows, field, since, until, limit)


def test_the_year_rollups_give_way_to_counting_the_plays_when_they_bound_nothing(monkeypatch):
    """June's twenty tracks are played once each; thirty others twelve times each earlier in the year,
    never in June: taken first by their year plays, they bound nothing, and once as many tracks were
    taken as June has plays, its plays are counted."""
    earlier = [Play(artist=f"Artist {n % 3}", title=f"Earlier {n}", album=f"Album {n % 5}",
                    played_at=utc(2023, 1 + k % 5, 10 + n % 10, 12, k)) for n in range(30) for k in range(12)]
    june = [Play(artist=f"Artist {n % 3}", title=f"June {n}", album=f"Album {n % 5}",
                 played_at=utc(2023, 6, 1 + n, 12, 0)) for n in range(20)]
    scrobble_ingest(plays=earlier + june, source="lastfm")
    rows = list(Scrobble.objects.values_list("track_id", "artist_id", "album_id", "local_date"))
    monkeypatch.setattr(stats, "YEARS_PLAYS", 0)
    monkeypatch.setattr(stats, "_CANDIDATES", 2)
    counted, count = [], stats._counted
    monkeypatch.setattr(stats, "_counted", lambda qs, field, limit: counted.append(field) or count(qs, field, limit))
    since, until = date(2023, 6, 1), date(2023, 6, 30)
    for field in ("track_id", "artist_id", "album_id"):
        assert stats.top_counts(field=field, since=since, until=until, limit=3) == \
            brute_force(rows, field, since, until, 3)
    assert "track_id" in counted
