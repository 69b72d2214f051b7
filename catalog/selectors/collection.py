"""The record collection: owned albums (a copy whose removed_at is null), with counts."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from catalog.models import Album, CollectionItem

PAGE_SIZE = 60
SORTS = {"added": "Recently added", "artist": "Artist", "title": "Title", "year": "Year"}


@dataclass(frozen=True)
class CollectionSummary:
    copies: int
    albums: int
    artists: int
    formats: list[dict]


def _present_copies() -> QuerySet:
    return CollectionItem.objects.filter(removed_at__isnull=True)


def owned_albums(*, q: str = "", format: str = "", sort: str = "added") -> QuerySet:
    """Albums with at least one present copy, annotated with `copy_count` and `last_added`."""
    present = _present_copies().filter(album=OuterRef("pk"))
    qs = (
        Album.objects.filter(Exists(present))
        .select_related("artist", "label")
        .annotate(
            copy_count=Count("copies", filter=Q(copies__removed_at__isnull=True)),
            last_added=Max("copies__date_added", filter=Q(copies__removed_at__isnull=True)),
        )
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(artist__name__icontains=q) | Q(label__name__icontains=q) | Q(catalog_number__icontains=q))
    if format:
        qs = qs.filter(format=format)
    order = {
        "artist": ("artist__name", "year", "title"),
        "title": ("title", "id"),
        "year": ("-year", "title"),
    }.get(sort, ("-last_added", "-id"))
    return qs.order_by(*order)


def collection_page(*, q: str = "", format: str = "", sort: str = "added", page: int | str = 1) -> Page:
    return Paginator(owned_albums(q=q, format=format, sort=sort), PAGE_SIZE).get_page(page)


def collection_summary() -> CollectionSummary:
    """Copies, distinct albums and artists, and copies per format, over present copies."""
    present = _present_copies()
    totals = present.aggregate(
        copies=Count("id"), albums=Count("album", distinct=True), artists=Count("album__artist", distinct=True)
    )
    formats = list(
        present.exclude(album__format="").values("album__format").annotate(copies=Count("id")).order_by("-copies")
    )
    return CollectionSummary(
        copies=totals["copies"],
        albums=totals["albums"],
        artists=totals["artists"],
        formats=[{"format": row["album__format"], "copies": row["copies"]} for row in formats],
    )
