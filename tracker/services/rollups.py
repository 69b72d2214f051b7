"""The rollups (tracker.models: TrackTotal, ArtistMonth, AlbumMonth, DayHour), kept exact in the
database's own transaction, whatever writes the plays.

Two ways keep them, both in the transaction that writes the plays:

- Triggers on `tracker_scrobble` add a play's figures on INSERT, take them away on DELETE, and
  do both on an UPDATE of the columns that count (an artist merge moving plays, an album
  deleted under them, an admin edit). Cascades and merges are covered without the catalog
  knowing about rollups.
- The bulk writer (tracker.services.scrobble_rows) turns the INSERT trigger off for its own
  transaction and adds the new plays' figures grouped, in four statements per batch instead of
  four per play (five times faster at a million plays).

`rollups_rebuild` recomputes everything from the plays (`python manage.py rollups_rebuild`).
The triggers are (re)installed after every `migrate`, so they always match this module.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from tracker.models import AlbumMonth, ArtistMonth, DayHour, Scrobble, TrackTotal

SCROBBLES = Scrobble._meta.db_table
_TRACKS, _ARTISTS, _ALBUMS, _HOURS = (m._meta.db_table for m in (TrackTotal, ArtistMonth, AlbumMonth, DayHour))
# SQLite: a row in this table, written and deleted inside the bulk writer's transaction (so no
# other connection ever sees it), switches the INSERT trigger off. PostgreSQL: a setting local
# to the transaction does.
_BULK_FLAG_TABLE = "tracker_rollup_bulk_writer"
_BULK_FLAG_SETTING = "journal.rollups_by_writer"
_FIGURES = "plays, ms_played, ms_plays"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _upsert(table: str, keys: str, columns: str, rows: str, *, also: str = "") -> str:
    """INSERT `rows` (a SELECT of `keys`, `columns` and the figures) into `table`, adding the
    figures to a group already there; `also` sets more columns on a conflict."""
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _FIGURES.split(", "))
    return (f"INSERT INTO {table} ({keys}{columns}, {_FIGURES}) {rows} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {added}{also}")


def _track_total_also() -> str:
    return (f", artist_id = excluded.artist_id, album_id = excluded.album_id, "
            f"first_played_at = {_least(f'{_TRACKS}.first_played_at', 'excluded.first_played_at')}, "
            f"last_played_at = {_greatest(f'{_TRACKS}.last_played_at', 'excluded.last_played_at')}")


def _least(a: str, b: str) -> str:
    return f"LEAST({a}, {b})" if connection.vendor == "postgresql" else f"min({a}, {b})"


def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"max({a}, {b})"


def _grouped_adds(source: str) -> list[str]:
    """Statements adding the figures of the plays in `source` (a table or a parenthesised
    SELECT of scrobble columns) to every rollup."""
    month = _month("local_date")
    figures = "count(*), coalesce(sum(ms_played), 0), count(ms_played)"
    return [
        _upsert(_TRACKS, "track_id", ", artist_id, album_id, first_played_at, last_played_at",
                f"SELECT track_id, max(artist_id), max(album_id), min(played_at), max(played_at), {figures} "
                f"FROM {source} s WHERE true GROUP BY track_id", also=_track_total_also()),
        _upsert(_ARTISTS, "artist_id, month", "",
                f"SELECT artist_id, {month}, {figures} FROM {source} s WHERE true GROUP BY artist_id, {month}"),
        _upsert(_ALBUMS, "album_id, month", "",
                f"SELECT album_id, {month}, {figures} FROM {source} s WHERE album_id IS NOT NULL "
                f"GROUP BY album_id, {month}"),
        _upsert(_HOURS, "local_date, local_hour", "",
                f"SELECT local_date, local_hour, {figures} FROM {source} s WHERE true GROUP BY local_date, local_hour"),
    ]


def rollups_add(cursor, *, source: str, params: tuple = ()) -> None:
    """Add the figures of the plays `source` selects (see _grouped_adds) to the rollups."""
    for statement in _grouped_adds(source):
        cursor.execute(statement, params)


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
    """Recompute every rollup from the plays, in one transaction; returns how many plays were counted."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (_TRACKS, _ARTISTS, _ALBUMS, _HOURS):
            cursor.execute(f"DELETE FROM {table}")
        rollups_add(cursor, source=SCROBBLES)
        cursor.execute(f"SELECT coalesce(sum(plays), 0) FROM {_HOURS}")
        return cursor.fetchone()[0]


# --- Triggers ---------------------------------------------------------------------------------

def _row_add(row: str) -> list[str]:
    """Statements adding one play (`NEW`) to every rollup, as trigger bodies write them."""
    month = _month(f"{row}.local_date")
    figures = f"1, coalesce({row}.ms_played, 0), {_known(row)}"
    return [
        _upsert(_TRACKS, "track_id", ", artist_id, album_id, first_played_at, last_played_at",
                f"SELECT {row}.track_id, {row}.artist_id, {row}.album_id, {row}.played_at, {row}.played_at, "
                f"{figures} WHERE true", also=_track_total_also()),
        _upsert(_ARTISTS, "artist_id, month", "", f"SELECT {row}.artist_id, {month}, {figures} WHERE true"),
        _upsert(_ALBUMS, "album_id, month", "",
                f"SELECT {row}.album_id, {month}, {figures} WHERE {row}.album_id IS NOT NULL"),
        _upsert(_HOURS, "local_date, local_hour", "",
                f"SELECT {row}.local_date, {row}.local_hour, {figures} WHERE true"),
    ]


def _known(row: str) -> str:
    """1 when the play's length is known, else 0."""
    return f"({row}.ms_played IS NOT NULL)" + ("::int" if connection.vendor == "postgresql" else "")


def _row_remove(row: str) -> list[str]:
    """Statements taking one play (`OLD`) away from every rollup; a group left without plays goes."""
    month = _month(f"{row}.local_date")
    minus = (f"plays = plays - 1, ms_played = ms_played - coalesce({row}.ms_played, 0), "
             f"ms_plays = ms_plays - {_known(row)}")
    plays_of_track = f"FROM {SCROBBLES} WHERE track_id = {row}.track_id"
    statements = [
        f"UPDATE {_TRACKS} SET {minus}, "
        f"first_played_at = coalesce((SELECT min(played_at) {plays_of_track}), first_played_at), "
        f"last_played_at = coalesce((SELECT max(played_at) {plays_of_track}), last_played_at) "
        f"WHERE track_id = {row}.track_id",
        f"DELETE FROM {_TRACKS} WHERE track_id = {row}.track_id AND plays <= 0",
    ]
    for table, key in ((_ARTISTS, f"artist_id = {row}.artist_id AND month = {month}"),
                       (_ALBUMS, f"album_id = {row}.album_id AND month = {month}"),
                       (_HOURS, f"local_date = {row}.local_date AND local_hour = {row}.local_hour")):
        statements += [f"UPDATE {table} SET {minus} WHERE {key}", f"DELETE FROM {table} WHERE {key} AND plays <= 0"]
    return statements


_COUNTED_COLUMNS = "track_id, artist_id, album_id, played_at, local_date, local_hour, ms_played"


def rollup_triggers_install() -> None:
    """(Re)create the triggers that keep the rollups following every write to the plays."""
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
