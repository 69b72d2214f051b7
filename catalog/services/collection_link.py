"""Owned ↔ listened: link collection releases to the albums of the listening history.

A Discogs release of "Abbey Road (Remastered 2009)" and the "Abbey Road" that Last.fm
scrobbles land on are the same record: same artist, same title once edition noise is
dropped (`edition_free_title_key`). The release's `listened_album` then points at it, so
the collection counts its plays. Links made by hand (admin) are never replaced.
"""

from collections import defaultdict

from django.db import transaction

from catalog.models import Album
from catalog.signals import albums_linked
from core.normalize import edition_free_title_key

_CHUNK = 500


def collection_link(*, album_ids: list[int] | None = None) -> int:
    """Link unlinked collection releases (all, or `album_ids`) to their listened album; returns links made."""
    releases = Album.objects.filter(discogs_release_id__isnull=False, listened_album__isnull=True, artist__isnull=False)
    if album_ids is not None:
        releases = releases.filter(pk__in=album_ids)
    releases = list(releases.order_by().values_list("pk", "artist_id", "title"))
    if not releases:
        return 0
    artist_ids = sorted({artist_id for _, artist_id, _ in releases})
    # Roots: albums that are not themselves editions of another. The best root for a key is
    # a listening-history album (no Discogs id), then the most played, then the oldest row.
    groups: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for start in range(0, len(artist_ids), _CHUNK):
        rows = (Album.objects.filter(artist_id__in=artist_ids[start:start + _CHUNK], listened_album__isnull=True)
                .order_by().values_list("pk", "artist_id", "title", "discogs_release_id", "play_count"))
        for pk, artist_id, title, release_id, plays in rows:
            rank = (release_id is not None, -plays, pk)
            groups[(artist_id, edition_free_title_key(title))].append((rank, pk, release_id is None or plays > 0))
    roots = {}
    for key, rows in groups.items():
        rank, pk, is_listened = min(rows)
        if is_listened:  # a release nobody played is no listening album for another release
            roots[key] = pk
    links = []
    for pk, artist_id, title in releases:
        root = roots.get((artist_id, edition_free_title_key(title)))
        if root is not None and root != pk:
            links.append(Album(pk=pk, listened_album_id=root))
    if links:
        with transaction.atomic():
            Album.objects.bulk_update(links, ["listened_album"], batch_size=1000)
        albums_linked.send(sender=collection_link, album_ids=[a.pk for a in links])
    return len(links)
