"""Denormalized play figures of albums: `Album.play_count` and `Album.last_played_at`.

A collection release that is an edition of an album of the listening history
(`listened_album`) counts that album's plays plus any played directly on the release, so the
collection can sort 10,000 records by plays without aggregating a million scrobbles per
request. Ingest calls `album_play_stats_refresh(album_ids=...)` with the albums it just added
plays to; the catalog's `collection_synced` and `albums_linked` signals (tracker.receivers) and
an hourly schedule refresh the rest.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Count, Max

from catalog.models import Album
from tracker.models import Scrobble

_CHUNK = 500


def _own_stats(*, album_ids: set[int] | None) -> dict[int, tuple[int, datetime | None]]:
    plays = Scrobble.objects.order_by().values_list("album_id")
    stats: dict[int, tuple[int, datetime | None]] = {}
    if album_ids is None:
        rows = plays.filter(album_id__isnull=False).annotate(n=Count("*"), last=Max("played_at"))
        stats.update({album_id: (n, last) for album_id, n, last in rows})
        return stats
    ids = sorted(album_ids)
    for start in range(0, len(ids), _CHUNK):
        rows = plays.filter(album_id__in=ids[start:start + _CHUNK]).annotate(n=Count("*"), last=Max("played_at"))
        stats.update({album_id: (n, last) for album_id, n, last in rows})
    return stats


def album_play_stats_refresh(*, album_ids: Iterable[int] | None = None) -> int:
    """Recompute play_count / last_played_at of `album_ids` (None: every album) and their editions.

    Returns how many albums changed. Cheap enough to call after every ingest batch.
    """
    wanted = None if album_ids is None else {int(pk) for pk in album_ids if pk is not None}
    if wanted is not None and not wanted:
        return 0
    rows = _scope_rows(wanted)
    needed = {pk for pk, _, _, _ in rows} | {listened for _, listened, _, _ in rows if listened}
    own = _own_stats(album_ids=None if wanted is None else needed)
    changed = []
    for pk, listened_id, count, last in rows:
        n, latest = own.get(pk, (0, None))
        if listened_id and listened_id != pk:
            extra_n, extra_last = own.get(listened_id, (0, None))
            n += extra_n
            latest = max((d for d in (latest, extra_last) if d is not None), default=None)
        if n != count or latest != last:
            changed.append(Album(pk=pk, play_count=n, last_played_at=latest))
    with transaction.atomic():
        Album.objects.bulk_update(changed, ["play_count", "last_played_at"], batch_size=1000)
    return len(changed)


def _scope_rows(wanted: set[int] | None) -> list[tuple[int, int | None, int, datetime | None]]:
    fields = ("pk", "listened_album_id", "play_count", "last_played_at")
    if wanted is None:
        return list(Album.objects.order_by().values_list(*fields))
    ids = sorted(wanted)
    rows: dict[int, tuple] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for row in Album.objects.filter(pk__in=chunk).order_by().values_list(*fields):
            rows[row[0]] = row
        for row in Album.objects.filter(listened_album_id__in=chunk).order_by().values_list(*fields):
            rows[row[0]] = row
    return list(rows.values())
