"""The shared scrobble writer: rows in, duplicates skipped, local time right, statistics fresh."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tests.factories import make_track
from tracker.models import Scrobble
from tracker.services.scrobble_rows import ScrobbleTimes, scrobble_rows_insert, scrobbles_analyze

pytestmark = pytest.mark.django_db


def rows_for(track, moments, times):
    return [(track.pk, track.artist_id, track.album_id, *times.columns(int(m.timestamp())), "spotify", False, 1000,
             times.now()) for m in moments]


def test_it_writes_rows_skips_plays_already_stored_and_counts_the_new_ones():
    track = make_track()
    times = ScrobbleTimes(tz=ZoneInfo("UTC"))
    moments = [datetime(2024, 3, 1, 20, minute, tzinfo=UTC) for minute in (0, 5, 10)]
    assert scrobble_rows_insert(rows_for(track, moments, times)) == 3
    assert scrobble_rows_insert(rows_for(track, moments[1:] + [datetime(2024, 3, 1, 21, tzinfo=UTC)], times)) == 1
    assert sorted(Scrobble.objects.values_list("played_at", flat=True)) == [
        *moments, datetime(2024, 3, 1, 21, tzinfo=UTC)]


def test_it_stores_the_local_day_and_hour_of_the_time_zone():
    track = make_track()
    times = ScrobbleTimes(tz=ZoneInfo("America/New_York"))
    moment = datetime(2024, 7, 1, 2, 30, tzinfo=UTC)  # 22:30 the day before in New York (EDT)
    scrobble_rows_insert(rows_for(track, [moment], times))
    stored = Scrobble.objects.get()
    assert (stored.played_at, stored.local_date.isoformat(), stored.local_hour) == (moment, "2024-06-30", 22)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_it_refreshes_the_planners_statistics_after_a_bulk_load():
    track = make_track()
    times = ScrobbleTimes(tz=ZoneInfo("UTC"))
    scrobble_rows_insert(rows_for(track, [datetime(2024, 1, 1, 0, m, tzinfo=UTC) for m in range(40)], times))
    scrobbles_analyze()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Scrobble._meta.db_table])
        assert cursor.fetchone()[0] == 40


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "UTC"])
def test_local_day_and_hour_equal_the_zones_own_every_quarter_hour_across_clock_changes(zone):
    tz = ZoneInfo(zone)
    times = ScrobbleTimes(tz=tz)
    # Three weeks around each of 2024's clock changes (both hemispheres), every 7.5 minutes.
    for month in (3, 4, 9, 10, 11):
        start = int(datetime(2024, month, 1, tzinfo=UTC).timestamp())
        for at in range(start, start + 21 * 86400, 450):
            local = datetime.fromtimestamp(at, tz)
            _, local_date, local_hour = times.columns(at)
            assert (str(local_date), local_hour) == (local.date().isoformat(), local.hour), (zone, at)
