"""One album's page: what the catalog knows, with its tracklist's plays, first and last play, plays by month."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Min

from catalog.models import Track
from catalog.selectors.albums import AlbumCatalog, album_catalog
from tracker.models import Scrobble
from tracker.selectors.stats import plays_per_month


@dataclass
class AlbumView(AlbumCatalog):
    tracks: list[Track] = field(default_factory=list)
    plays: int = 0
    first_play: datetime | None = None
    last_play: datetime | None = None
    months: list[dict] = field(default_factory=list)


def album_view(*, album_id: int) -> AlbumView | None:
    """Everything the album page shows, in a fixed number of queries; None if unknown.

    A collection release linked to the album of the listening history (`listened_album`)
    shows that album's plays and tracklist when it has no tracks of its own.
    """
    known = album_catalog(album_id=album_id)
    if known is None:
        return None
    listened = known.listened
    play_albums = [known.album.pk] + ([listened.pk] if listened else [])
    tracks = _tracks_with_plays(album_ids=[known.album.pk])
    if not tracks and listened:
        tracks = _tracks_with_plays(album_ids=[listened.pk])
    plays = Scrobble.objects.filter(album_id__in=play_albums)
    totals = plays.aggregate(plays=Count("*"), first=Min("played_at"), last=Max("played_at"))
    return AlbumView(
        **vars(known),
        tracks=tracks,
        plays=totals["plays"] or 0,
        first_play=totals["first"],
        last_play=totals["last"],
        months=plays_per_month(qs=plays, months=60) if totals["plays"] else [],
    )


def _tracks_with_plays(*, album_ids: list[int]) -> list[Track]:
    return list(
        Track.objects.filter(album_id__in=album_ids)
        .select_related("artist")
        .annotate(plays=Count("scrobbles"))
        .order_by("disc_number", "number", "position", "title")[:200]
    )
