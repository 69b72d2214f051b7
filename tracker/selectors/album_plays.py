"""One album's page: what the catalog knows, with its tracklist's plays, first and last play, plays by month
(from the rollups)."""

from dataclasses import dataclass, field
from datetime import datetime

from catalog.models import Track
from catalog.selectors.albums import AlbumCatalog, album_catalog
from tracker.models import AlbumMonth
from tracker.selectors.stats import first_of_months_back, month_series, rollup_months, track_totals

MONTHS_SHOWN = 60


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
    track_plays, totals = track_totals(album_id__in=play_albums)
    for track in tracks:
        track.plays = track_plays.get(track.pk, 0)
    since = first_of_months_back(months=MONTHS_SHOWN)
    return AlbumView(
        **vars(known),
        tracks=tracks,
        plays=totals["plays"] or 0,
        first_play=totals["first"],
        last_play=totals["last"],
        months=month_series(rollup_months(AlbumMonth, album_id__in=play_albums, since=since), since=since),
    )


def _tracks_with_plays(*, album_ids: list[int]) -> list[Track]:
    """The tracklist (its plays are set from the track rollup)."""
    return list(
        Track.objects.filter(album_id__in=album_ids)
        .select_related("artist")
        .order_by("disc_number", "number", "position", "title")[:200]
    )
