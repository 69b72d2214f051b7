"""One artist's page: what the catalog knows, with top tracks, albums by plays and plays by month."""

from dataclasses import dataclass, field

from django.db.models import Count, Max, Min

from catalog.models import Album, Track
from catalog.selectors.artists import ArtistCatalog, artist_albums, artist_catalog
from tracker.models import Scrobble
from tracker.selectors.history_cache import cached_until_history_changes
from tracker.selectors.stats import plays_per_month


@dataclass
class ArtistView(ArtistCatalog):
    albums: list[Album] = field(default_factory=list)
    top_tracks: list[Track] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    plays: int = 0
    top_track_peak: int = 0
    first_play: object = None
    last_play: object = None


def _artist_plays(*, artist_id: int) -> dict:
    """Plays per track, totals and plays by month of one artist: aggregates over up to
    hundreds of thousands of rows for a favourite artist, so cached until a play arrives."""

    def compute() -> dict:
        scrobbles = Scrobble.objects.filter(artist_id=artist_id)
        # Plays per track come from the (track, played_at) index; album plays are their sums,
        # since a scrobble's artist and album are copied from its track.
        tracks = dict(
            Scrobble.objects.filter(track_id__in=Track.objects.filter(artist_id=artist_id).values("id"))
            .order_by().values_list("track_id").annotate(n=Count("*"))
        )
        totals = scrobbles.aggregate(plays=Count("*"), first=Min("played_at"), last=Max("played_at"))
        months = plays_per_month(qs=scrobbles, months=36) if totals["plays"] else []
        return {"tracks": tracks, "totals": totals, "months": months}

    return cached_until_history_changes(f"artist-plays:v2:{artist_id}", compute)


def artist_view(*, artist_id: int) -> ArtistView | None:
    known = artist_catalog(artist_id=artist_id)
    if known is None:
        return None
    plays = _artist_plays(artist_id=known.artist.pk)
    track_plays = plays["tracks"]
    tracks = list(Track.objects.filter(pk__in=list(track_plays)).select_related("album")) if track_plays else []
    for track in tracks:
        track.plays = track_plays[track.pk]
    album_plays: dict[int, int] = {}
    for track in tracks:
        if track.album_id:
            album_plays[track.album_id] = album_plays.get(track.album_id, 0) + track.plays
    top_tracks = sorted(tracks, key=lambda t: (-t.plays, t.pk))[:10]
    # The most played albums first, then credited ones never played.
    albums = artist_albums(artist=known.artist, first=sorted(album_plays, key=lambda pk: -album_plays[pk]))
    for album in albums:
        album.plays = album_plays.get(album.pk, 0)
    albums.sort(key=lambda a: (-a.plays, a.year or 9999, a.title))
    totals = plays["totals"]
    return ArtistView(
        **vars(known),
        albums=albums,
        top_tracks=top_tracks,
        top_track_peak=top_tracks[0].plays if top_tracks else 0,
        months=plays["months"],
        plays=totals["plays"] or 0,
        first_play=totals["first"],
        last_play=totals["last"],
    )
