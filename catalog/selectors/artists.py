"""One artist as the catalog knows it: similar artists, tags, owned records, credited albums."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from catalog.models import Album, Artist, ArtistSimilar, CollectionItem

MAX_ALBUMS = 60


@dataclass
class ArtistCatalog:
    artist: Artist
    similar: list[ArtistSimilar] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    owned_count: int = 0


def artist_catalog(*, artist_id: int) -> ArtistCatalog | None:
    artist = Artist.objects.select_related("principal_label").filter(pk=artist_id).first()
    if artist is None:
        return None
    owned_count = (CollectionItem.objects.present().filter(Q(album__credits__artist=artist) | Q(album__artist=artist))
                   .values("album").distinct().count())
    tags = []
    for link in artist.tag_links.select_related("tag").order_by("-weight")[:30]:
        if link.tag.name not in tags:
            tags.append(link.tag.name)
    return ArtistCatalog(
        artist=artist,
        similar=list(artist.similar_links.select_related("similar").order_by("-match")[:12]),
        tags=tags[:12],
        owned_count=owned_count,
    )


def artist_albums(*, artist: Artist, first: list[int], limit: int | None = None) -> list[Album]:
    """The albums `first` (ids), then the artist's other credited albums by year, up to `limit` (MAX_ALBUMS);
    each annotated `owned` (a present copy exists)."""
    limit = limit or MAX_ALBUMS
    owned = Exists(CollectionItem.objects.present().filter(album=OuterRef("pk")))
    first = first[:limit]
    albums = list(Album.objects.filter(pk__in=first).annotate(owned=owned))
    if len(albums) < limit:
        credited = Q(credits__artist=artist) | Q(artist=artist)
        albums += Album.objects.filter(credited).exclude(pk__in=first).distinct().annotate(owned=owned).order_by(
            "year", "title")[:limit - len(albums)]
    return albums
