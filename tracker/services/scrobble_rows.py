"""Writing scrobble rows fast, shared by ingest and the demo seeder.

Millions of plays go in as plain column tuples, not model instances, into a temporary table
(on SQLite through one prepared INSERT, on PostgreSQL through COPY), then into the plays with
one INSERT … SELECT … ON CONFLICT DO NOTHING, so the unique (track, played_at) key skips plays
already stored. The
rollups get the new plays' figures in the same transaction, grouped per batch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from core.services.maintenance import database_optimize
from tracker.models import Scrobble
from tracker.services.rollups import ROLLUP_TABLES, rollups_add, rollups_by_writer

TABLE = Scrobble._meta.db_table
COLUMNS = "track_id, artist_id, album_id, played_at, local_date, local_hour, source, loved, ms_played, created_at"
_STAGE = "INSERT INTO temp.scrobble_load VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
_STAGING = "scrobble_load"
_ADDED = "scrobble_added"
_COUNTED = "track_id, artist_id, album_id, played_at, local_date, local_hour, ms_played"


class ScrobbleTimes:
    """Column values of a play's time — `played_at`, `local_date`, `local_hour` — from epoch seconds.

    A UTC day whose zone offset is the same at its start and its end (all but the days of a
    clock change) gets its local times by adding that offset; the others ask the zone each
    quarter hour (every zone's offset is a multiple of 15 minutes). SQLite gets Django's text
    format (naive UTC). Everything is computed once per day, not once per play.
    """

    def __init__(self, *, tz: ZoneInfo):
        self.tz = tz
        self.as_text = connection.vendor == "sqlite"
        self._offsets: dict[int, int | None] = {}  # UTC day → its one offset in seconds, None when it changes
        self._dates: dict[int, date | str] = {}  # local day number → the column's value
        self._utc_days: dict[int, str] = {}

    def columns(self, at: int) -> tuple[datetime | str, date | str, int]:
        day, second = divmod(at, 86400)
        offset = self._offsets[day] if day in self._offsets else self._offset_of(day)
        if offset is None:
            offset = int(datetime.fromtimestamp(at - at % 900, self.tz).utcoffset().total_seconds())
        local_day, local_second = divmod(at + offset, 86400)
        local_date = self._dates.get(local_day) or self._date_of(local_day)
        if not self.as_text:
            return datetime.fromtimestamp(at, UTC), local_date, local_second // 3600
        prefix = self._utc_days.get(day) or self._utc_days.setdefault(
            day, datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d "))
        played_at = f"{prefix}{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        return played_at, local_date, local_second // 3600

    def now(self) -> datetime | str:
        return self.columns(int(datetime.now(UTC).timestamp()))[0]

    def _offset_of(self, day: int) -> int | None:
        if len(self._offsets) > 20_000:  # plays come roughly in order: old days are done with
            self._offsets.clear()
            self._dates.clear()
            self._utc_days.clear()
        first, last = (datetime.fromtimestamp(day * 86400 + s, self.tz).utcoffset() for s in (0, 86399))
        self._offsets[day] = int(first.total_seconds()) if first == last else None
        return self._offsets[day]

    def _date_of(self, local_day: int) -> date | str:
        value = date.fromordinal(_EPOCH_ORDINAL + local_day)
        self._dates[local_day] = value.isoformat() if self.as_text else value
        return self._dates[local_day]


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def scrobble_rows_insert(rows: list[tuple], *, fresh: bool = False) -> int:
    """Insert rows of COLUMNS values, skipping plays already stored, and add the new plays to the
    rollups (grouped, see tracker.services.rollups); returns how many were new.

    `fresh` (PostgreSQL): no row can clash (e.g. the first demo seed), so COPY goes straight
    into the table.
    """
    if not rows:
        return 0
    with transaction.atomic(), connection.cursor() as cursor, rollups_by_writer(cursor):
        if connection.vendor != "postgresql":
            # The write lock is held from BEGIN (IMMEDIATE): rows above the newest id are ours.
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
            newest = cursor.fetchone()[0]
            # Through a staging table, in one INSERT … SELECT: row by row inside a savepoint (an
            # import's file is one), SQLite keeps a statement journal per row for the triggers'
            # sake, 25 times slower.
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ({COLUMNS})")
            cursor.executemany(_STAGE, rows)
            cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM temp.{_STAGING} WHERE true "
                           "ON CONFLICT DO NOTHING")
            inserted = max(0, cursor.rowcount)
            cursor.execute(f"DELETE FROM temp.{_STAGING}")
            # The new plays, by rowid range, into a table of their own: grouped straight from the
            # plays, SQLite's planner walks a whole index for the GROUP BY order (900 ms a batch at
            # a million plays, whatever the batch's size).
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_ADDED} AS SELECT {_COUNTED} FROM {TABLE} LIMIT 0")
            cursor.execute(f"INSERT INTO temp.{_ADDED} SELECT {_COUNTED} FROM {TABLE} WHERE id > %s", [newest])
            rollups_add(cursor, source=f"temp.{_ADDED}")
            cursor.execute(f"DELETE FROM temp.{_ADDED}")
            return inserted
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGING} (track_id bigint, artist_id bigint, album_id bigint, "
            "played_at timestamptz, local_date date, local_hour smallint, source varchar(20), loved boolean, "
            "ms_played integer, created_at timestamptz) ON COMMIT DROP"
        )
        _copy(cursor, _STAGING, rows)
        # The plays really inserted come back from RETURNING, so a play another writer stored
        # meanwhile is counted once.
        cursor.execute(f"CREATE TEMPORARY TABLE {_ADDED} ON COMMIT DROP AS SELECT {_COUNTED} FROM {TABLE} LIMIT 0")
        cursor.execute(
            f"WITH added AS (INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {_STAGING} "
            f"{'' if fresh else 'ON CONFLICT DO NOTHING '}RETURNING {_COUNTED}) "
            f"INSERT INTO {_ADDED} SELECT * FROM added"
        )
        inserted = max(0, cursor.rowcount)
        rollups_add(cursor, source=_ADDED)
        # Dropped now too: inside an outer transaction ON COMMIT comes too late for the next batch.
        cursor.execute(f"DROP TABLE {_STAGING}, {_ADDED}")
        return inserted


def _copy(cursor, table: str, rows: list[tuple]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def scrobbles_analyze() -> None:
    """Refresh the planner's statistics after a bulk load.

    Until autovacuum gets round to it, a table that just grew by a million rows is planned
    as if it were small, and counts visit the table's rows instead of reading the index.
    SQLite gets what its daily statistics run does (core.services.maintenance).
    """
    if connection.vendor == "sqlite":
        database_optimize()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM also sets the visibility map, which lets counts and the rollups' sums read
            # the index alone; it cannot run inside a transaction (an import's file is one).
            tables = ", ".join((TABLE, *ROLLUP_TABLES))
            cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} {tables}")
