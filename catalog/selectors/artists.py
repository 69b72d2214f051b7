"""One artist's page: albums (owned and listened), top tracks, plays by month, similar, tags."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from catalog.models import Album, Artist, ArtistSimilar, CollectionItem, Track
from tracker.models import Scrobble
from tracker.selectors.stats import plays_per_month

MAX_ALBUMS = 60
CACHE_SECONDS = 300


@dataclass
class ArtistView:
    artist: Artist
    albums: list[Album]
    top_tracks: list[Track]
    months: list[dict]
    similar: list[ArtistSimilar]
    tags: list[str]
    plays: int = 0
    owned_count: int = 0
    top_track_peak: int = 0
    first_play: object = None
    last_play: object = None


def _artist_plays(*, artist_id: int) -> dict:
    """Plays per track, totals and plays by month of one artist: aggregates over up to
    hundreds of thousands of rows for a favourite artist, so cached until a play arrives
    (the key holds the newest scrobble id) or for CACHE_SECONDS at most."""
    latest = Scrobble.objects.aggregate(latest=Max("id"))["latest"]
    key = f"artist-plays:v1:{artist_id}:{latest}:{timezone.localdate().isoformat()}"
    plays = cache.get(key)
    if plays is None:
        scrobbles = Scrobble.objects.filter(artist_id=artist_id)
        # Plays per track come from the (track, played_at) index; album plays are their sums,
        # since a scrobble's artist and album are copied from its track.
        tracks = dict(
            Scrobble.objects.filter(track_id__in=Track.objects.filter(artist_id=artist_id).values("id"))
            .order_by().values_list("track_id").annotate(n=Count("*"))
        )
        totals = scrobbles.aggregate(plays=Count("*"), first=Min("played_at"), last=Max("played_at"))
        months = plays_per_month(qs=scrobbles, months=36) if totals["plays"] else []
        plays = {"tracks": tracks, "totals": totals, "months": months}
        cache.set(key, plays, CACHE_SECONDS)
    return plays


def artist_view(*, artist_id: int) -> ArtistView | None:
    artist = Artist.objects.select_related("principal_label").filter(pk=artist_id).first()
    if artist is None:
        return None
    plays = _artist_plays(artist_id=artist.pk)
    track_plays = plays["tracks"]
    tracks = list(Track.objects.filter(pk__in=list(track_plays)).select_related("album")) if track_plays else []
    for track in tracks:
        track.plays = track_plays[track.pk]
    album_plays: dict[int, int] = {}
    for track in tracks:
        if track.album_id:
            album_plays[track.album_id] = album_plays.get(track.album_id, 0) + track.plays
    top_tracks = sorted(tracks, key=lambda t: (-t.plays, t.pk))[:10]
    # The most played albums first, then credited ones never played, up to MAX_ALBUMS.
    owned = Exists(CollectionItem.objects.present().filter(album=OuterRef("pk")))
    credited = Q(credits__artist=artist) | Q(artist=artist)
    most_played = sorted(album_plays, key=lambda pk: -album_plays[pk])[:MAX_ALBUMS]
    albums = list(Album.objects.filter(pk__in=most_played).annotate(owned=owned))
    if len(albums) < MAX_ALBUMS:
        albums += Album.objects.filter(credited).exclude(pk__in=most_played).distinct().annotate(owned=owned).order_by(
            "year", "title")[:MAX_ALBUMS - len(albums)]
    for album in albums:
        album.plays = album_plays.get(album.pk, 0)
    albums.sort(key=lambda a: (-a.plays, a.year or 9999, a.title))
    owned_count = (CollectionItem.objects.present().filter(Q(album__credits__artist=artist) | Q(album__artist=artist))
                   .values("album").distinct().count())
    totals = plays["totals"]
    similar = list(artist.similar_links.select_related("similar").order_by("-match")[:12])
    tags = []
    for link in artist.tag_links.select_related("tag").order_by("-weight")[:30]:
        if link.tag.name not in tags:
            tags.append(link.tag.name)
    return ArtistView(
        artist=artist,
        albums=albums,
        top_tracks=top_tracks,
        top_track_peak=top_tracks[0].plays if top_tracks else 0,
        months=plays["months"],
        similar=similar,
        tags=tags[:12],
        plays=totals["plays"] or 0,
        owned_count=owned_count,
        first_play=totals["first"],
        last_play=totals["last"],
    )
