"""Tracklists of owned releases, fetched lazily from Discogs' release endpoint.

The collection pages carry no tracklist, and one request per release at Discogs' 60 a minute
would make a 5,000-record sync last an hour and a half; so tracklists come later, a few at a
time (after a sync, on the weekly schedule, or when someone opens an album page that lacks
one), paced by the resilience layer's politeness limit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef

from catalog.models import Album, CollectionItem, Track
from catalog.services.discogs_records import PageCounts, artists_resolve, credit_key
from core.clients.discogs import discogs_release
from core.normalize import title_key
from core.resilience import NotFound


def albums_lacking_tracklist(*, album_ids: list[int] | None = None):
    """Owned Discogs releases with no tracks, whose listened album has none either."""
    present = CollectionItem.objects.present().filter(album=OuterRef("pk"))
    own_tracks = Track.objects.filter(album=OuterRef("pk"))
    listened_tracks = Track.objects.filter(album=OuterRef("listened_album"))
    qs = (Album.objects.filter(discogs_release_id__isnull=False, artist__isnull=False)
          .filter(Exists(present)).exclude(Exists(own_tracks)).exclude(Exists(listened_tracks)))
    if album_ids is not None:
        qs = qs.filter(pk__in=album_ids)
    return qs.order_by("-pk")


def _duration_ms(text: str) -> int | None:
    parts = (text or "").strip().split(":")
    if not all(p.isdigit() for p in parts) or not 2 <= len(parts) <= 3:
        return None
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + int(p)
    return seconds * 1000 or None


def album_tracklist_fetch(*, album: Album) -> int:
    """Store the tracklist of one release from Discogs; returns tracks added (0 if unknown there)."""
    try:
        release = discogs_release(release_id=album.discogs_release_id)
    except NotFound:
        return 0
    entries = [t for t in (release.get("data") or {}).get("tracklist") or [] if t.get("type_", "track") == "track"]
    track_credits = [c for t in entries for c in (t.get("artists") or [])[:1]]
    artist_ids = artists_resolve(track_credits, PageCounts()) if track_credits else {}
    rows, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        title = (entry.get("title") or "").strip()[:500]
        if not title:
            continue
        credits = entry.get("artists") or []
        artist_id = artist_ids.get(credit_key(credits[0])) if credits else album.artist_id
        key = (artist_id, title_key(title))
        if key in seen:
            continue
        seen.add(key)
        rows.append(Track(title=title, title_key=key[1], artist_id=artist_id, album=album, number=number,
                          position=(entry.get("position") or "")[:10], duration_ms=_duration_ms(entry.get("duration"))))
    created = Track.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def discogs_tracklists_fetch(*, limit: int = 50, album_ids: list[int] | None = None,
                             on_album: Callable[[int, int], None] | None = None) -> int:
    """Fetch tracklists for up to `limit` owned releases that lack one; returns albums completed."""
    albums = list(albums_lacking_tracklist(album_ids=album_ids).select_related("artist")[:limit])
    completed = 0
    for index, album in enumerate(albums, start=1):
        if album_tracklist_fetch(album=album):
            completed += 1
        if on_album:
            on_album(index, len(albums))
    return completed

