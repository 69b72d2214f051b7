"""Writing and finding catalog rows fast for ingest: artists, albums, their credits and tracks.

New rows go in as plain column tuples, as scrobble_rows writes plays: on SQLite through one
prepared INSERT … ON CONFLICT DO NOTHING, on PostgreSQL through COPY into a temporary table
first, so a unique key still skips a row another writer stored meanwhile. Raw SQL bypasses the
models' defaults, so every other column is filled with its field's default, as `save()` would.
New albums and tracks reach the search indexes in one statement per batch (search_index).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import Model

from tracker.services.search_index import search_indexed_by_writer

_STAGING = "catalog_load"
KEYS_PER_QUERY = 2048


def catalog_rows_insert(model: type[Model], columns: tuple[str, ...], rows: list[tuple], *,
                        returning: tuple[str, ...] = ()) -> list[tuple]:
    """Insert `rows` of `columns` values into `model`'s table, skipping rows that clash with a
    unique key; the columns not given get their field's default (created_at: now).

    Returns the `returning` columns of the rows inserted — on SQLite, of every row added since
    the insert began, which under the write lock of an IMMEDIATE transaction are just these.
    """
    if not rows:
        return []
    defaults = _defaults(model, columns)
    names = ", ".join((*columns, *defaults))
    if defaults:
        extra = tuple(defaults.values())
        rows = [row + extra for row in rows]
    table, pk = model._meta.db_table, model._meta.pk.column
    selected = ", ".join(returning)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * (len(columns) + len(defaults)))
            cursor.execute(f"SELECT coalesce(max({pk}), 0) FROM {table}")
            newest = cursor.fetchone()[0]
            with search_indexed_by_writer(cursor, table=table, after_id=newest):
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders}) ON CONFLICT DO NOTHING",
                                   rows)
            if not returning:
                return []
            cursor.execute(f"SELECT {selected} FROM {table} WHERE {pk} > %s", [newest])
            return cursor.fetchall()
        cursor.execute(f"CREATE TEMPORARY TABLE {_STAGING} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {_STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {_STAGING} ON CONFLICT DO NOTHING"
                       + (f" RETURNING {selected}" if returning else ""))
        inserted = cursor.fetchall() if returning else []
        cursor.execute(f"DROP TABLE {_STAGING}")  # inside an outer transaction ON COMMIT comes too late
        return inserted


def _defaults(model: type[Model], columns: tuple[str, ...]) -> dict[str, object]:
    """The database values of the defaults of `model`'s columns left out of `columns` (None,
    the column's own default, is left out too)."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns:
            continue
        value = field.get_db_prep_save(field.get_default(), connection)
        if value is not None:
            values[field.column] = value
    return values


def catalog_rows_find(model: type[Model], columns: tuple[str, ...], *, by: tuple[str, ...],
                      keys: list[tuple]) -> Iterator[tuple]:
    """`columns` of `model`'s rows whose `by` columns equal one of `keys` (tuples of values).

    The keys are joined as a VALUES list, so each is one index lookup (an `a IN (…) AND b IN (…)`
    filter would look up every pair of the two lists). The list is padded with NULLs (which
    match nothing) to a power of two: SQLite keeps 128 prepared statements, each as large as its
    text, so a dozen shapes stay cached instead of one per length (80 MB at a million plays).
    """
    selected = ", ".join(f"t.{column}" for column in columns)
    on = " AND ".join(f"t.{column} = k.column{n}" for n, column in enumerate(by, 1))
    row = f"({', '.join(['%s'] * len(by))})"
    with connection.cursor() as cursor:
        for start in range(0, len(keys), KEYS_PER_QUERY):
            chunk = keys[start : start + KEYS_PER_QUERY]
            chunk += [(None,) * len(by)] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))
            cursor.execute(
                f"SELECT {selected} FROM (VALUES {', '.join([row] * len(chunk))}) k "
                f"JOIN {model._meta.db_table} t ON {on}",
                [value for key in chunk for value in key],
            )
            yield from cursor.fetchall()
