"""The journal: plays newest first, filtered, paged by keyset on (played_at, id).

Keyset paging keeps "load more" as fast on page 1,000 as on page 1: the database walks the
played_at index from the cursor instead of counting past an OFFSET.
"""

from dataclasses import dataclass, field
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db.models import Q

from tracker.models import Scrobble

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class JournalFilters:
    artist_id: int | None = None
    source: str = ""
    loved: bool = False
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.artist_id or self.source or self.loved or self.q)


@dataclass
class JournalPage:
    plays: list[Scrobble] = field(default_factory=list)
    next_cursor: str = ""


def encode_cursor(play: Scrobble) -> str:
    micros = int(play.played_at.timestamp() * 1_000_000)
    return f"{micros}-{play.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """(played_at, id) from 'micros-id'; None when malformed (then paging restarts)."""
    try:
        micros, pk = cursor.split("-", 1)
        return datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt_timezone.utc), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def parse_filters(*, artist: str = "", source: str = "", loved: str = "", q: str = "") -> JournalFilters:
    """Filters from query-string values; anything unrecognised is ignored, never an error."""
    artist_id = int(artist) if artist.isdigit() else None
    source = source if source in Scrobble.Source.values else ""
    return JournalFilters(artist_id=artist_id, source=source, loved=loved in ("1", "true", "on"), q=q.strip()[:200])


def journal_page(*, filters: JournalFilters, cursor: str = "", limit: int | None = None) -> JournalPage:
    """One page of plays older than `cursor`, with the cursor of the next page."""
    limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE_SIZE))
    qs = Scrobble.objects.select_related("track", "artist", "album")
    if filters.artist_id:
        qs = qs.filter(artist_id=filters.artist_id)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.loved:
        qs = qs.filter(loved=True)
    if filters.q:
        qs = qs.filter(
            Q(track__title__icontains=filters.q) | Q(artist__name__icontains=filters.q) | Q(album__title__icontains=filters.q)
        )
    position = decode_cursor(cursor) if cursor else None
    if position:
        played_at, pk = position
        qs = qs.filter(Q(played_at__lt=played_at) | Q(played_at=played_at, pk__lt=pk))
    rows = list(qs.order_by("-played_at", "-id")[: limit + 1])
    plays = rows[:limit]
    next_cursor = encode_cursor(plays[-1]) if len(rows) > limit else ""
    return JournalPage(plays=plays, next_cursor=next_cursor)
