"""One album's page: credits, owned copies, tracklist with plays, first and last play."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch

from catalog.models import Album, AlbumArtist, AlbumInfo, CollectionItem, Track
from tracker.models import Scrobble
from tracker.selectors.stats import plays_per_month

RELATED_LIMIT = 12


@dataclass
class AlbumView:
    album: Album
    credits: list[AlbumArtist]
    copies: list[CollectionItem]
    tracks: list[Track]
    plays: int = 0
    first_play: datetime | None = None
    last_play: datetime | None = None
    listened: Album | None = None
    editions: list[Album] = field(default_factory=list)
    info: AlbumInfo | None = None
    tags: list[str] = field(default_factory=list)
    months: list[dict] = field(default_factory=list)
    related: list[Album] = field(default_factory=list)


def album_view(*, album_id: int) -> AlbumView | None:
    """Everything the album page shows, in a fixed number of queries; None if unknown.

    A collection release linked to the album of the listening history (`listened_album`)
    shows that album's plays and tracklist when it has no tracks of its own.
    """
    album = (
        Album.objects.select_related("artist", "label", "listened_album")
        .prefetch_related(
            Prefetch("credits", queryset=AlbumArtist.objects.select_related("artist").order_by("position")),
            Prefetch("copies", queryset=CollectionItem.objects.present().order_by("date_added"), to_attr="present_copies"),
            Prefetch("tag_links__tag"),
        )
        .filter(pk=album_id)
        .first()
    )
    if album is None:
        return None
    listened = album.listened_album
    play_albums = [album.pk] + ([listened.pk] if listened else [])
    tracks = _tracks_with_plays(album_ids=[album.pk])
    if not tracks and listened:
        tracks = _tracks_with_plays(album_ids=[listened.pk])
    totals = Scrobble.objects.filter(album_id__in=play_albums).aggregate(
        plays=Count("*"), first=Min("played_at"), last=Max("played_at")
    )
    editions = list(album.owned_editions.filter(Exists(CollectionItem.objects.present().filter(album=OuterRef("pk"))))
                    .order_by("year")[:20])
    tags = []
    for link in album.tag_links.all():
        if link.tag.name not in tags:
            tags.append(link.tag.name)
    return AlbumView(
        months=plays_per_month(qs=Scrobble.objects.filter(album_id__in=play_albums), months=60) if totals["plays"] else [],
        related=_related_albums(album=album, listened=listened),
        album=album,
        credits=list(album.credits.all()),
        copies=album.present_copies,
        tracks=tracks,
        plays=totals["plays"] or 0,
        first_play=totals["first"],
        last_play=totals["last"],
        listened=listened,
        editions=editions,
        info=AlbumInfo.objects.filter(album=album).first(),
        tags=tags[:12],
    )


def _tracks_with_plays(*, album_ids: list[int]) -> list[Track]:
    return list(
        Track.objects.filter(album_id__in=album_ids)
        .select_related("artist")
        .annotate(plays=Count("scrobbles"))
        .order_by("disc_number", "number", "position", "title")[:200]
    )


def _related_albums(*, album: Album, listened: Album | None) -> list[Album]:
    """Other editions of the same master, then the artist's other records, most played first."""
    exclude = [album.pk] + ([listened.pk] if listened else [])
    related: list[Album] = []
    if album.discogs_master_id:
        related += list(Album.objects.filter(discogs_master_id=album.discogs_master_id).exclude(pk__in=exclude)
                        .select_related("artist").order_by("year", "pk")[:RELATED_LIMIT])
    if album.artist_id and len(related) < RELATED_LIMIT:
        seen = exclude + [a.pk for a in related]
        # Editions count with their listened album: show the listening album once, not every pressing.
        related += list(Album.objects.filter(artist_id=album.artist_id, listened_album__isnull=True)
                        .exclude(pk__in=seen).select_related("artist")
                        .order_by("-play_count", "year", "pk")[:RELATED_LIMIT - len(related)])
    return related
