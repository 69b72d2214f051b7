"""Denormalized play figures of albums: `Album.play_count` and `Album.last_played_at`.

A collection release that is an edition of an album of the listening history
(`listened_album`) counts that album's plays plus any played directly on the release, so the
collection can sort 10,000 records by plays without aggregating a million scrobbles per
request. Ingest calls `album_play_stats_refresh(album_ids=...)` with the albums it just added
plays to; the catalog's `collection_synced` and `albums_linked` signals (tracker.receivers) and
an hourly schedule refresh the rest.
"""

import json
from collections.abc import Iterable

from django.db import connection, transaction

from catalog.models import Album
from tracker.models import AlbumTotal

ALBUMS = Album._meta.db_table


def _plays_by_album(albums: str) -> str:
    """SELECT album_id, plays, last_played_at of the albums whose ids `albums` (a subquery) selects,
    from the album totals the ingest keeps (tracker.services.rollups), not from the plays."""
    return f"SELECT album_id, plays, last_played_at FROM {AlbumTotal._meta.db_table} WHERE album_id IN ({albums})"


def _ids(album_ids: set[int]) -> tuple[str, object]:
    """A subquery selecting `album_ids` and its one parameter, so any number of ids is one statement."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", sorted(album_ids)
    return "SELECT value FROM json_each(%s)", json.dumps(sorted(album_ids))


def _distinct(a: str, b: str) -> str:
    """`a` differs from `b`, NULL being a value (SQLite before 3.39 knows no IS DISTINCT FROM)."""
    return f"{a} IS DISTINCT FROM {b}" if connection.vendor == "postgresql" else f"{a} IS NOT {b}"


def album_play_stats_refresh(*, album_ids: Iterable[int] | None = None) -> int:
    """Recompute play_count / last_played_at of `album_ids` (None: every album) and their editions.

    Returns how many albums changed. One UPDATE from a grouped subquery: cheap enough to call
    after every ingest batch.
    """
    if album_ids is None:
        scope, params = "true", []
    else:
        wanted = {int(pk) for pk in album_ids if pk is not None}
        if not wanted:
            return 0
        ids, param = _ids(wanted)
        scope, params = f"id IN ({ids}) OR listened_album_id IN ({ids})", [param, param]
    # An edition counts its listened album's plays plus its own; the later of both last plays wins.
    # UPDATE first: SQLite's driver counts the rows changed only of a statement that starts so.
    sql = f"""
        UPDATE {ALBUMS} SET play_count = figures.plays, last_played_at = figures.last_played_at
        FROM (
            WITH scope AS (SELECT id, listened_album_id FROM {ALBUMS} WHERE {scope}),
            plays AS ({_plays_by_album("SELECT id FROM scope UNION SELECT listened_album_id FROM scope")})
            SELECT scope.id, COALESCE(own.plays, 0) + COALESCE(listened.plays, 0) AS plays,
                   CASE WHEN own.last_played_at IS NULL OR listened.last_played_at > own.last_played_at
                        THEN listened.last_played_at ELSE own.last_played_at END AS last_played_at
            FROM scope
            LEFT JOIN plays own ON own.album_id = scope.id
            LEFT JOIN plays listened ON listened.album_id = scope.listened_album_id
                                    AND scope.listened_album_id <> scope.id
        ) figures
        WHERE {ALBUMS}.id = figures.id
          AND ({ALBUMS}.play_count <> figures.plays
               OR {_distinct(f"{ALBUMS}.last_played_at", "figures.last_played_at")})
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(0, cursor.rowcount)
