"""The rollups (tracker.models: TrackTotal, ArtistTotal, AlbumTotal, ArtistMonth, AlbumMonth,
DayHour, MonthHour, ArtistYear, AlbumYear, TrackYear), kept exact in the database's own
transaction, whatever writes the plays.

Two ways keep them, both in the transaction that writes the plays:

- Triggers on `tracker_scrobble` add a play's figures on INSERT, take them away on DELETE, and
  do both on an UPDATE of the columns that count (an artist merge moving plays, an album
  deleted under them, an admin edit). Cascades and merges are covered without the catalog
  knowing about rollups.
- The bulk writer (tracker.services.scrobble_rows) turns the INSERT trigger off for its own
  transaction and adds the new plays' figures grouped, one statement per rollup and batch instead
  of one per rollup and play (five times faster at a million plays).

Both also mark the local days whose plays changed stale for the habits' day summaries
(tracker.services.habit_days), and a trigger on the tracks marks the days of a track whose
duration changed (a play's length falls back on it).

`rollups_rebuild` recomputes everything from the plays (`python manage.py rollups_rebuild`).
The triggers are (re)installed after every `migrate`, so they always match this module.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from catalog.models import Track
from tracker.models import (
    AlbumMonth,
    AlbumTotal,
    AlbumYear,
    ArtistMonth,
    ArtistTotal,
    ArtistYear,
    DayHour,
    HabitDay,
    HabitDayStale,
    HabitMonth,
    MonthHour,
    Scrobble,
    TrackTotal,
    TrackYear,
)
from tracker.services.habit_days import habit_days_refresh

SCROBBLES = Scrobble._meta.db_table
ROLLUP_TABLES = tuple(m._meta.db_table for m in (TrackTotal, ArtistTotal, AlbumTotal, ArtistMonth, AlbumMonth,
                                                  DayHour, MonthHour, ArtistYear, AlbumYear, TrackYear))
(_TRACKS, _ARTIST_TOTALS, _ALBUM_TOTALS, _ARTISTS, _ALBUMS, _HOURS, _MONTH_HOURS,
 _ARTIST_YEARS, _ALBUM_YEARS, _TRACK_YEARS) = ROLLUP_TABLES
# SQLite: a row in this table, written and deleted inside the bulk writer's transaction (so no
# other connection ever sees it), switches the INSERT trigger off. PostgreSQL: a setting local
# to the transaction does.
_BULK_FLAG_TABLE = "tracker_rollup_bulk_writer"
_BULK_FLAG_SETTING = "journal.rollups_by_writer"
_FIGURES = "plays, ms_played, ms_plays"
_STALE = HabitDayStale._meta.db_table
_CATALOG_TRACKS = Track._meta.db_table


def _month(column: str) -> str:
    """The first day of `column`'s month (a date, or '{row}local_date' filled in later)."""
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _year(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"extract(year from {column})::int"
    return f"cast(strftime('%Y', {column}) as integer)"


def _weekday(column: str) -> str:
    """0 for Monday to 6 for Sunday, as Python's date.weekday()."""
    if connection.vendor == "postgresql":
        return f"(extract(isodow from {column})::int - 1)"
    return f"((cast(strftime('%w', {column}) as integer) + 6) % 7)"


def _upsert(table: str, keys: str, columns: str, rows: str, *, also: str = "") -> str:
    """INSERT `rows` (a SELECT of `keys`, `columns` and the figures) into `table`, adding the
    figures to a group already there; `also` sets more columns on a conflict."""
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _FIGURES.split(", "))
    return (f"INSERT INTO {table} ({keys}{columns}, {_FIGURES}) {rows} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {added}{also}")


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"min({a}, {b})"


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"max({a}, {b})"


# All-time totals: (table, key column, columns copied from the newest play). The key may be NULL
# for albums: plays without one have no album total.
_TOTALS = ((_TRACKS, "track_id", ("artist_id", "album_id")), (_ARTIST_TOTALS, "artist_id", ()),
           (_ALBUM_TOTALS, "album_id", ()))


def _groups() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    """Grouped rollups: (table, key columns, the expressions of a play's columns that fill them)."""
    return ((_ARTISTS, ("artist_id", "month"), ("artist_id", _month("{row}local_date"))),
            (_ALBUMS, ("album_id", "month"), ("album_id", _month("{row}local_date"))),
            (_HOURS, ("local_date", "local_hour"), ("local_date", "local_hour")),
            (_MONTH_HOURS, ("month", "weekday", "local_hour"),
             (_month("{row}local_date"), _weekday("{row}local_date"), "local_hour")),
            *((table, (key, "year"), (key, _year("{row}local_date")))
              for table, key in ((_ARTIST_YEARS, "artist_id"), (_ALBUM_YEARS, "album_id"), (_TRACK_YEARS, "track_id"))))


def _totals_upsert(table: str, key: str, copied: tuple[str, ...], rows: str) -> str:
    columns = "".join(f", {c}" for c in (*copied, "first_played_at", "last_played_at"))
    also = "".join(f", {c} = excluded.{c}" for c in copied)
    also += (f", first_played_at = {_least(f'{table}.first_played_at', 'excluded.first_played_at')}"
             f", last_played_at = {_greatest(f'{table}.last_played_at', 'excluded.last_played_at')}")
    return _upsert(table, key, columns, rows, also=also)


def _stale_days(days: str) -> str:
    """Mark the local days of `days` (a SELECT of one date column, no duplicates) stale. The no-op
    update locks a row already there, so that a refresh running meanwhile waits for this
    transaction's plays instead of taking the day without them (tracker.services.habit_days)."""
    return (f"INSERT INTO {_STALE} (local_date) {days} "
            "ON CONFLICT (local_date) DO UPDATE SET local_date = excluded.local_date")


def _grouped_adds(source: str) -> list[str]:
    """Statements adding the figures of the plays in `source` (a table or a parenthesised
    SELECT of scrobble columns) to every rollup."""
    figures = "count(*), coalesce(sum(ms_played), 0), count(ms_played)"
    statements = [
        _totals_upsert(table, key, copied,
                       f"SELECT {key}, {''.join(f'max({c}), ' for c in copied)}min(played_at), max(played_at), "
                       f"{figures} FROM {source} s WHERE {key} IS NOT NULL GROUP BY {key}")
        for table, key, copied in _TOTALS
    ]
    for table, keys, values in _groups():
        values = [v.format(row="") for v in values]
        listed = ", ".join(values)
        statements.append(_upsert(table, ", ".join(keys), "", f"SELECT {listed}, {figures} FROM {source} s "
                                  f"WHERE {values[0]} IS NOT NULL GROUP BY {listed}"))
    statements.append(_stale_days(f"SELECT local_date FROM {source} s WHERE true GROUP BY local_date ORDER BY 1"))
    return statements


def rollups_add(cursor, *, source: str) -> None:
    """Add the figures of the plays in `source` (see _grouped_adds) to the rollups. The statements
    hold strftime's '%' and take no parameters: no driver or debug cursor formats them."""
    for statement in _grouped_adds(source):
        cursor.execute(statement)


@contextmanager
def rollups_by_writer(cursor):
    """Inside the block, plays inserted on this connection leave the rollups alone: the caller
    adds their figures with `rollups_add`. Needs the caller's transaction."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT set_config(%s, 'on', true)", [_BULK_FLAG_SETTING])
    else:
        cursor.execute(f"INSERT INTO {_BULK_FLAG_TABLE} (id) VALUES (1) ON CONFLICT DO NOTHING")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [_BULK_FLAG_SETTING])
        else:
            cursor.execute(f"DELETE FROM {_BULK_FLAG_TABLE}")


def rollups_rebuild() -> int:
    """Recompute every rollup, and the habits' day summaries, from the plays, in one transaction;
    returns how many plays were counted."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (*ROLLUP_TABLES, *(m._meta.db_table for m in (HabitDay, HabitMonth, HabitDayStale))):
            cursor.execute(f"DELETE FROM {table}")
        rollups_add(cursor, source=SCROBBLES)  # every day with plays is now stale
        habit_days_refresh()
        cursor.execute(f"SELECT coalesce(sum(plays), 0) FROM {_HOURS}")
        return cursor.fetchone()[0]


# --- Triggers ---------------------------------------------------------------------------------

def _row_add(row: str) -> list[str]:
    """Statements adding one play (`NEW`) to every rollup, as trigger bodies write them."""
    figures = f"1, coalesce({row}.ms_played, 0), {_known(row)}"
    statements = [
        _totals_upsert(table, key, copied,
                       f"SELECT {row}.{key}, {''.join(f'{row}.{c}, ' for c in copied)}{row}.played_at, "
                       f"{row}.played_at, {figures} WHERE {row}.{key} IS NOT NULL")
        for table, key, copied in _TOTALS
    ]
    for table, keys, values in _groups():
        values = [_of_row(v, row) for v in values]
        statements.append(_upsert(table, ", ".join(keys), "",
                                  f"SELECT {', '.join(values)}, {figures} WHERE {values[0]} IS NOT NULL"))
    return [*statements, _stale_days(f"SELECT {row}.local_date WHERE true")]


def _of_row(value: str, row: str) -> str:
    """A group's value (a column, or an expression of `{row}local_date`) for the play `row` (NEW, OLD)."""
    return value.format(row=f"{row}.") if "{row}" in value else f"{row}.{value}"


def _known(row: str) -> str:
    """1 when the play's length is known, else 0."""
    return f"({row}.ms_played IS NOT NULL)" + ("::int" if connection.vendor == "postgresql" else "")


def _row_remove(row: str) -> list[str]:
    """Statements taking one play (`OLD`) away from every rollup; a group left without plays goes.
    First and last plays are looked up again along the (key, played_at) indexes of the plays."""
    minus = (f"plays = plays - 1, ms_played = ms_played - coalesce({row}.ms_played, 0), "
             f"ms_plays = ms_plays - {_known(row)}")
    statements = []
    for table, key, _copied in _TOTALS:
        plays_of = f"FROM {SCROBBLES} WHERE {key} = {row}.{key}"
        statements += [
            f"UPDATE {table} SET {minus}, "
            f"first_played_at = coalesce((SELECT min(played_at) {plays_of}), first_played_at), "
            f"last_played_at = coalesce((SELECT max(played_at) {plays_of}), last_played_at) "
            f"WHERE {key} = {row}.{key}",
            f"DELETE FROM {table} WHERE {key} = {row}.{key} AND plays <= 0",
        ]
    for table, keys, values in _groups():
        match = " AND ".join(f"{k} = {_of_row(v, row)}" for k, v in zip(keys, values, strict=True))
        statements += [f"UPDATE {table} SET {minus} WHERE {match}",
                       f"DELETE FROM {table} WHERE {match} AND plays <= 0"]
    return [*statements, _stale_days(f"SELECT {row}.local_date WHERE true")]


_COUNTED_COLUMNS = "track_id, artist_id, album_id, played_at, local_date, local_hour, ms_played"
_DURATION_TRIGGER = "tracker_habit_days_duration"


def _duration_changed() -> str:
    """The statement marking the days of a track's plays (`NEW`) stale."""
    return _stale_days(f"SELECT local_date FROM {SCROBBLES} WHERE track_id = NEW.id GROUP BY local_date ORDER BY 1")


def rollup_triggers_install() -> None:
    """(Re)create the triggers that keep the rollups following every write to the plays (and the
    habits' stale days following the tracks' durations)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _install_postgresql(cursor)
        else:
            _install_sqlite(cursor)


def _install_sqlite(cursor) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {_BULK_FLAG_TABLE} (id integer PRIMARY KEY)")
    cursor.execute(f"DELETE FROM {_BULK_FLAG_TABLE}")
    triggers = {
        "insert": (f"AFTER INSERT ON {SCROBBLES} WHEN NOT EXISTS (SELECT 1 FROM {_BULK_FLAG_TABLE})",
                   _row_add("NEW")),
        "delete": (f"AFTER DELETE ON {SCROBBLES}", _row_remove("OLD")),
        "update": (f"AFTER UPDATE OF {_COUNTED_COLUMNS} ON {SCROBBLES}", _row_remove("OLD") + _row_add("NEW")),
    }
    for name, (event, statements) in triggers.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS tracker_rollups_{name}")
        body = "".join(f"{statement};\n" for statement in statements)
        cursor.execute(f"CREATE TRIGGER tracker_rollups_{name} {event} BEGIN\n{body}END")
    cursor.execute(f"DROP TRIGGER IF EXISTS {_DURATION_TRIGGER}")
    cursor.execute(f"CREATE TRIGGER {_DURATION_TRIGGER} AFTER UPDATE OF duration_ms ON {_CATALOG_TRACKS} "
                   f"WHEN OLD.duration_ms IS NOT NEW.duration_ms BEGIN\n{_duration_changed()};\nEND")


def _install_postgresql(cursor) -> None:
    def block(statements: list[str]) -> str:
        return "".join(f"    {statement};\n" for statement in statements)

    cursor.execute(f"""
CREATE OR REPLACE FUNCTION tracker_rollups_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
{block(_row_remove("OLD"))}  END IF;
  IF TG_OP = 'UPDATE' OR (TG_OP = 'INSERT' AND current_setting('{_BULK_FLAG_SETTING}', true) IS DISTINCT FROM 'on')
  THEN
{block(_row_add("NEW"))}  END IF;
  RETURN NULL;
END $$""")
    distinct = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COUNTED_COLUMNS.split(", "))
    for name, event in (("insert", "INSERT"), ("delete", "DELETE"),
                        ("update", f"UPDATE OF {_COUNTED_COLUMNS}")):
        cursor.execute(f"DROP TRIGGER IF EXISTS tracker_rollups_{name} ON {SCROBBLES}")
        when = f" WHEN ({distinct})" if name == "update" else ""
        cursor.execute(f"CREATE TRIGGER tracker_rollups_{name} AFTER {event} ON {SCROBBLES} "
                       f"FOR EACH ROW{when} EXECUTE FUNCTION tracker_rollups_follow()")
    cursor.execute(f"""
CREATE OR REPLACE FUNCTION {_DURATION_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{block([_duration_changed()])}  RETURN NULL;
END $$""")
    cursor.execute(f"DROP TRIGGER IF EXISTS {_DURATION_TRIGGER} ON {_CATALOG_TRACKS}")
    cursor.execute(f"CREATE TRIGGER {_DURATION_TRIGGER} AFTER UPDATE OF duration_ms ON {_CATALOG_TRACKS} FOR EACH ROW "
                   f"WHEN (OLD.duration_ms IS DISTINCT FROM NEW.duration_ms) EXECUTE FUNCTION {_DURATION_TRIGGER}()")
