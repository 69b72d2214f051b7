"""One album as the catalog knows it: credits, owned copies, editions, notes, tags, related records."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch

from catalog.models import Album, AlbumArtist, AlbumInfo, CollectionItem

RELATED_LIMIT = 12


@dataclass
class AlbumCatalog:
    album: Album
    credits: list[AlbumArtist]
    copies: list[CollectionItem]
    listened: Album | None = None
    editions: list[Album] = field(default_factory=list)
    info: AlbumInfo | None = None
    tags: list[str] = field(default_factory=list)
    related: list[Album] = field(default_factory=list)


def album_catalog(*, album_id: int) -> AlbumCatalog | None:
    """The album with what the catalog holds about it, in a fixed number of queries; None if unknown."""
    album = (
        Album.objects.select_related("artist", "label", "listened_album")
        .prefetch_related(
            Prefetch("credits", queryset=AlbumArtist.objects.select_related("artist").order_by("position")),
            Prefetch(
                "copies", queryset=CollectionItem.objects.present().order_by("date_added"), to_attr="present_copies"
            ),
            Prefetch("tag_links__tag"),
        )
        .filter(pk=album_id)
        .first()
    )
    if album is None:
        return None
    listened = album.listened_album
    editions = list(album.owned_editions.filter(Exists(CollectionItem.objects.present().filter(album=OuterRef("pk"))))
                    .order_by("year")[:20])
    tags = []
    for link in album.tag_links.all():
        if link.tag.name not in tags:
            tags.append(link.tag.name)
    return AlbumCatalog(
        album=album,
        credits=list(album.credits.all()),
        copies=album.present_copies,
        listened=listened,
        editions=editions,
        info=AlbumInfo.objects.filter(album=album).first(),
        tags=tags[:12],
        related=_related_albums(album=album, listened=listened),
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
