"""No history page walks every play, whatever the planner knows: with no statistics, with full
ones (PostgreSQL's autovacuum, `ANALYZE`) and with the sampled ones the daily upkeep leaves.
Pages read the rollups; the plays are read only along an index, as a range or a page."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.services.maintenance import database_optimize
from playlists.services.playlists import playlist_generate
from tests.factories import make_listening_history
from tracker.models import Scrobble
from tracker.selectors import stats

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif("connection.vendor != 'sqlite'", reason="reads SQLite's EXPLAIN QUERY PLAN")]

# A walk of the whole plays table or one of its indexes, without a range: "SCAN tracker_scrobble …"
# (SEARCH is a range or a lookup). The journal's page walks its own index in order, under a LIMIT.
WHOLE_WALK = re.compile(r"\bSCAN tracker_scrobble\b(?! USING (COVERING )?INDEX scrobble_newest)")


EXISTS = re.compile(r'SELECT 1 AS "a" FROM "tracker_scrobble" LIMIT 1$')  # "is there any play?"


def _statistics(state: str) -> None:
    with connection.cursor() as cursor:
        if state == "full":
            cursor.execute("ANALYZE")
        elif state == "sampled":
            database_optimize()
        elif state == "skewed":
            # What sampled statistics (analysis_limit) left at a million plays: each index's row count
            # a different guess, the played_at index's the largest. The newest 20 plays were then
            # planned as a sort of every play along the source index (0.9 s), the newest 51 not.
            database_optimize()
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'tracker_scrobble'")
            cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('tracker_scrobble', %s, %s)", [
                ("scrobble_newest", "2985008 1 1"), ("scrobble_source_time", "538056 1001 1"),
                ("scrobble_album_time", "1271900 1001 1"), ("scrobble_artist_time", "1088256 1001 1"),
                ("sqlite_autoindex_tracker_scrobble_1", "1240758 112 1")])
            cursor.execute("ANALYZE sqlite_schema")  # makes SQLite reload the statistics


@pytest.mark.parametrize("statistics", ["none", "full", "sampled", "skewed"])
def test_no_page_walks_every_play(owner_client, statistics):
    plays = make_listening_history(plays_per_day=30, days=60)
    _statistics(statistics)
    artist, album, track = plays[0].artist_id, plays[0].album_id, plays[0].track_id
    day = plays[0].local_date.isoformat()
    playlist = playlist_generate(algorithm="top", params={"period": "all", "length": "10"})
    pages = ["/", "/journal/", "/timeline/", f"/timeline/?date={day}", f"/artists/{artist}/", f"/albums/{album}/",
             f"/tracks/{track}/", "/collection/",
             *(f"/analytics/?period={p}" for p in ("7d", "30d", "90d", "year", "all")),
             *(f"/analytics/habits/?period={p}" for p in ("7d", "30d", "90d", "year", "all")),
             *(f"/api/v1/analytics/{name}?period=all" for name in ("streaks", "sessions")),
             "/analytics/?period=all&by=time", "/playlists/", f"/playlists/{playlist.pk}/", "/search/?q=track",
             "/api/v1/history/tracks?limit=20", "/api/v1/history/tracks?limit=1", f"/api/v1/tracks/{track}",
             f"/api/v1/artists/{artist}", "/api/v1/search?q=tr"]
    _assert_no_whole_walk(owner_client, pages)
    assert Scrobble.objects.count() == len(plays)


@pytest.mark.parametrize("statistics", ["none", "full", "sampled", "skewed"])
def test_no_top_of_a_long_period_walks_every_play(owner_client, statistics, monkeypatch):
    """Periods with more plays than stats.DIRECT_PLAYS (or YEARS_PLAYS, for a top of ten) take their tops
    from the rollups: here every one does."""
    make_listening_history(plays_per_day=30, days=60)
    _statistics(statistics)
    monkeypatch.setattr(stats, "DIRECT_PLAYS", 0)
    monkeypatch.setattr(stats, "YEARS_PLAYS", 0)
    _assert_no_whole_walk(owner_client, [f"/analytics/?period={p}{by}" for p in ("7d", "30d", "90d", "year")
                                         for by in ("", "&by=time")])


def _assert_no_whole_walk(client, urls) -> None:
    for url in urls:
        caches["pages"].clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        for query in captured.captured_queries:
            if "tracker_scrobble" not in query["sql"] or not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            if EXISTS.match(query["sql"]):  # stops at the first row it finds, whichever index it takes
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
                plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            assert not WHOLE_WALK.search(plan), f"{url}: {query['sql']}\n  {plan}"
