"""Read-side queries of the listening history: paging, periods, charts, heatmap."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_album, make_artist, make_listening_history, make_scrobble, make_track, utc
from tracker.models import Scrobble
from tracker.selectors import analytics, dashboard, journal, stats, timeline
from tracker.selectors.periods import period_from_query
from web import charts

pytestmark = pytest.mark.django_db


def test_it_round_trips_a_journal_cursor():
    play = make_listening_history(plays_per_day=1, days=1)[0]
    played_at, pk = journal.decode_cursor(journal.encode_cursor(play))
    assert played_at == play.played_at and pk == play.pk


@pytest.mark.parametrize("cursor", ["", "abc", "12-", "-5", "99999999999999999999999-1"])
def test_it_ignores_a_malformed_cursor(cursor):
    assert journal.decode_cursor(cursor) is None


def test_it_breaks_ties_on_the_same_second_without_losing_plays():
    track_a, track_b = make_track("A"), None
    track_b = make_track("B", track_a.album)
    same = utc(2024, 5, 1, 12, 0)
    plays = [make_scrobble(track_a, same), make_scrobble(track_b, same),
             make_scrobble(track_a, same - timedelta(minutes=3))]
    filters = journal.parse_filters()
    first = journal.journal_page(filters=filters, limit=1)
    second = journal.journal_page(filters=filters, cursor=first.next_cursor, limit=1)
    third = journal.journal_page(filters=filters, cursor=second.next_cursor, limit=1)
    assert [p.pk for p in first.plays + second.plays + third.plays] == [plays[1].pk, plays[0].pk, plays[2].pk]
    assert third.next_cursor == ""


def test_it_ignores_unknown_filter_values():
    filters = journal.parse_filters(artist="x", source="napster", loved="maybe", q="  roads ")
    assert filters == journal.JournalFilters(q="roads")


def test_it_ranks_top_artists_for_a_period_only():
    plays = make_listening_history(plays_per_day=4, days=10)
    old = Scrobble.objects.filter(artist__name="Portishead").order_by("played_at").first()
    since = timezone.localdate() - timedelta(days=2)
    rows = stats.top_artists(since=since)
    in_period = Scrobble.objects.filter(played_at__gte=stats.local_midnight(since))
    assert sum(r.plays for r in rows) == in_period.count()
    assert rows[0].share == 100.0
    assert sum(r.plays for r in stats.top_artists()) == len(plays)
    assert old.played_at < stats.local_midnight(since)


def test_it_counts_plays_per_month_with_empty_months_as_zero():
    track = make_track()
    make_scrobble(track, utc(2024, 1, 10, 12))
    make_scrobble(track, utc(2024, 1, 11, 12))
    make_scrobble(track, utc(2024, 3, 2, 12))
    bars = charts.month_bars(stats.plays_per_month(today=date(2024, 4, 15)))
    assert [(b["label"], b["value"]) for b in bars] == [
        ("Jan 2024", 2), ("Feb 2024", 0), ("Mar 2024", 1), ("Apr 2024", 0)]


def test_it_limits_plays_per_month_to_the_last_months():
    track = make_track()
    make_scrobble(track, utc(2020, 1, 10, 12))
    make_scrobble(track, utc(2024, 3, 2, 12))
    bars = charts.month_bars(stats.plays_per_month(months=3, today=date(2024, 4, 15)))
    assert [b["label"] for b in bars] == ["Mar 2024", "Apr 2024"]


def test_it_counts_plays_per_hour_for_all_24_hours():
    make_listening_history(plays_per_day=3, days=2)
    bars = charts.hour_bars(stats.plays_per_hour())
    assert len(bars) == 24 and sum(b["value"] for b in bars) == 6


def overview_plays(key: str) -> int:
    return analytics.analytics_overview(period=period_from_query({"period": key})[0]).totals.current.plays


def test_it_falls_back_to_ranking_by_plays():
    assert analytics.parse_by("forever") == "plays"
    assert analytics.parse_by("time") == "time"


def test_it_sees_new_plays_despite_the_analytics_cache():
    make_listening_history(plays_per_day=2, days=1)
    assert overview_plays("7d") == 2
    make_scrobble(make_track("Only You", make_album("Portishead", make_artist("Portishead (live)"))),
                  timezone.now() - timedelta(minutes=90))
    assert overview_plays("7d") == 3


def test_it_builds_a_year_heatmap_that_links_every_day():
    make_listening_history(plays_per_day=3, days=2)
    heat = charts.year_heatmap(**timeline.heatmap_counts())
    cells = [cell for week in heat["weeks"] for cell in week if cell]
    assert len(heat["weeks"]) == 53
    assert cells[-1]["date"] == timezone.localdate()
    assert heat["total"] == 6
    assert all(cell["href"].endswith(cell["date"].isoformat()) for cell in cells)
    assert {cell["level"] for cell in cells} >= {0}
    assert max(cell["level"] for cell in cells) >= 1


def test_it_groups_a_day_by_hour():
    plays = make_listening_history(plays_per_day=5, days=1)
    day_plays = timeline.day_plays(day=plays[0].local_date)
    blocks = timeline.hour_blocks(plays=day_plays)
    assert sum(len(b.plays) for b in blocks) == len(day_plays)
    assert [b.hour for b in blocks] == sorted(b.hour for b in blocks)


def test_it_parses_a_timeline_day():
    assert timeline.parse_day("2024-02-29") == date(2024, 2, 29)
    assert timeline.parse_day("2024-02-30") == timezone.localdate()


def test_it_totals_a_day_with_ms_played_or_track_length():
    track = make_track(duration_ms=200_000)
    first = make_scrobble(track, utc(2024, 5, 1, 12, 0))
    make_scrobble(track, utc(2024, 5, 1, 12, 10), ms_played=60_000)
    make_scrobble(track, utc(2024, 5, 3, 12, 0))
    totals = dashboard.day_totals(day=first.local_date)
    assert (totals.plays, totals.ms) == (2, 260_000)


def test_it_marks_today_in_the_week_bars():
    bars = charts.week_bars(dashboard.week_days(), today=timezone.localdate())
    assert len(bars) == 7 and bars[-1]["current"] and not bars[0]["current"]


def test_pages_settle_on_a_version_while_a_bulk_ingest_stores_batch_after_batch():
    """An import commits a batch every few hundred ms; pages would recount the whole history after
    each. While it runs they show figures at most BULK_SETTLE_SECONDS old, then catch up at once."""
    import time

    from django.core.cache import caches

    from tracker.selectors.history_cache import BULK_INGEST_KEY
    from tracker.services.ingest import Play, scrobble_ingest

    def bulk(start):
        plays = [Play("Boards of Canada", f"Roygbiv {n}", timezone.now() - timedelta(hours=start + n))
                 for n in range(4)]
        scrobble_ingest(plays=plays, source=Scrobble.Source.SPOTIFY, batch_size=2)  # full batches: bulk

    bulk(1)
    settled = overview_plays("7d")
    assert settled == 4
    bulk(10)
    assert overview_plays("7d") == settled  # still importing: settled
    caches["default"].set(BULK_INGEST_KEY, time.time() - 1, 3600)  # the import is over
    assert overview_plays("7d") == 8
    make_scrobble(make_track("Dayvan Cowboy"), timezone.now() - timedelta(minutes=5))
    assert overview_plays("7d") == 9  # a single play shows at once


@pytest.mark.parametrize("statistics", ["full", "sampled"])
def test_the_journal_and_the_recent_plays_walk_the_played_at_index_whatever_the_statistics(statistics):
    """Joined with their names, the newest plays were planned as a scan of the artists and a sort of
    every play once the planner had statistics (1.3 s at a million); with sampled statistics (what
    the daily upkeep leaves) a scan of another index and a sort of every play (0.9 s). Now the page
    comes first, along an index in the page's own order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.services.maintenance import database_optimize

    make_listening_history(plays_per_day=20, days=30)
    if connection.vendor == "sqlite":
        if statistics == "sampled":
            database_optimize()
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as PostgreSQL's autovacuum always has them
    for read in (lambda: journal.journal_page(filters=journal.JournalFilters()),
                 lambda: dashboard.recent_plays(limit=20)):
        with CaptureQueriesContext(connection) as captured:
            read()
        plays = [q["sql"] for q in captured.captured_queries if 'FROM "tracker_scrobble"' in q["sql"]]
        assert plays and not any("JOIN" in sql for sql in plays)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {plays[0]}")
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            # the (played_at, id) index in order: no sort at all
            assert "INDEX scrobble_newest" in plan and "TEMP B-TREE" not in plan, plan
