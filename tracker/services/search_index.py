"""The search indexes (migrations 0011 and 0013) under a bulk writer of catalog rows.

On SQLite a trigger adds each new album or track title to the FTS5 indexes, which FTS5 takes
about ten times slower than the same rows in one INSERT … SELECT: a 200,000-play import of a
growing catalog spent a fifth of its time there. So a bulk writer holds a flag the triggers wait
on and indexes its rows itself; PostgreSQL's GIN indexes follow their table by themselves.
"""

from contextlib import contextmanager

from django.db import connection

FLAG = "search_bulk_writer"
FTS_INDEXES = {
    "catalog_album": ("search_album_trigram", "search_album_word"),
    "catalog_track": ("search_track_trigram", "search_track_word"),
}


@contextmanager
def search_indexed_by_writer(cursor, *, table: str, after_id: int):
    """Inside the block the rows added to `table` skip the index triggers; after it, every row
    with an id above `after_id` is indexed at once. Needs the caller's (write-locked) transaction."""
    indexes = FTS_INDEXES.get(table, ()) if connection.vendor == "sqlite" else ()
    if not indexes:
        yield
        return
    cursor.execute(f"INSERT INTO {FLAG} (id) VALUES (1) ON CONFLICT DO NOTHING")
    try:
        yield
    finally:
        cursor.execute(f"DELETE FROM {FLAG}")
    for index in indexes:
        cursor.execute(f"INSERT INTO {index}(rowid, title_key) SELECT id, title_key FROM {table} WHERE id > %s",
                       [after_id])
