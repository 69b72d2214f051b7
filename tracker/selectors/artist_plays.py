"""One artist's page: what the catalog knows, with top tracks, albums by plays and plays by month (from the rollups)."""

from dataclasses import dataclass, field

from django.db.models import Sum

from catalog.models import Album, Track
from catalog.selectors.artists import ArtistCatalog, artist_albums, artist_catalog
from tracker.models import ArtistMonth, TrackTotal
from tracker.selectors.stats import first_of_months_back, month_series, rollup_months, track_totals

MONTHS_SHOWN = 36


@dataclass
class ArtistView(ArtistCatalog):
    albums: list[Album] = field(default_factory=list)
    top_tracks: list[Track] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    plays: int = 0
    top_track_peak: int = 0
    first_play: object = None
    last_play: object = None


def artist_view(*, artist_id: int) -> ArtistView | None:
    known = artist_catalog(artist_id=artist_id)
    if known is None:
        return None
    track_plays, totals = track_totals(artist_id=known.artist.pk)
    # Only the top tracks become objects: a favourite artist has hundreds of played tracks.
    top_ids = sorted(track_plays, key=lambda pk: (-track_plays[pk], pk))[:10]
    found = Track.objects.select_related("album").in_bulk(top_ids)
    top_tracks = [found[pk] for pk in top_ids if pk in found]
    for track in top_tracks:
        track.plays = track_plays[track.pk]
    album_plays = dict(TrackTotal.objects.filter(artist_id=known.artist.pk, album_id__isnull=False).order_by()
                       .values_list("album_id").annotate(n=Sum("plays")))
    # The most played albums first, then credited ones never played.
    albums = artist_albums(artist=known.artist, first=sorted(album_plays, key=lambda pk: -album_plays[pk]))
    for album in albums:
        album.plays = album_plays.get(album.pk, 0)
    albums.sort(key=lambda a: (-a.plays, a.year or 9999, a.title))
    since = first_of_months_back(months=MONTHS_SHOWN)
    months = month_series(rollup_months(ArtistMonth, artist_id=known.artist.pk, since=since), since=since)
    return ArtistView(
        **vars(known),
        albums=albums,
        top_tracks=top_tracks,
        top_track_peak=top_tracks[0].plays if top_tracks else 0,
        months=months,
        plays=totals["plays"] or 0,
        first_play=totals["first"],
        last_play=totals["last"],
    )
