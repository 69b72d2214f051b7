"""Play figures of one artist, album or track, from the totals rollups (one row, or a few)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min, Sum

from tracker.models import AlbumTotal, ArtistTotal, TrackTotal


@dataclass(frozen=True)
class PlayFigures:
    plays: int = 0
    ms_played: int = 0  # listening time of the plays whose length was measured
    ms_plays: int = 0  # how many plays those are
    first_played_at: datetime | None = None
    last_played_at: datetime | None = None


def play_figures(*, artist_id: int | None = None, album_ids: list[int] | None = None,
                 track_id: int | None = None) -> PlayFigures:
    """The totals of an artist, of albums (an edition and its listened album: summed) or of a track."""
    if artist_id is not None:
        rows = ArtistTotal.objects.filter(artist_id=artist_id)
    elif album_ids is not None:
        rows = AlbumTotal.objects.filter(album_id__in=album_ids)
    else:
        rows = TrackTotal.objects.filter(track_id=track_id)
    sums = rows.aggregate(plays=Sum("plays"), ms_played=Sum("ms_played"), ms_plays=Sum("ms_plays"),
                          first_played_at=Min("first_played_at"), last_played_at=Max("last_played_at"))
    return PlayFigures(plays=sums["plays"] or 0, ms_played=sums["ms_played"] or 0, ms_plays=sums["ms_plays"] or 0,
                       first_played_at=sums["first_played_at"], last_played_at=sums["last_played_at"])
