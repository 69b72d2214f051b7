"""The record collection: owned albums (a copy whose removed_at is null), with counts and filters.

Plays come from the denormalized `Album.play_count` / `last_played_at` (see
tracker.services.album_plays), so sorting 10,000 records by plays reads one indexed column.
"""

import hashlib
from dataclasses import dataclass, field

from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery

from catalog.models import Album, AlbumTag, Artist, CollectionItem
from core.normalize import clean_text
from core.params import MAX_ID, parse_id

PAGE_SIZE = 60
SORTS = {
    "added": "Recently added", "artist": "Artist", "title": "Title", "year": "Year",
    "plays": "Most played", "last_played": "Last played",
}
PLAYED_CHOICES = {"played": "Played", "never": "Never played"}
FACETS_CACHE_KEY = "mj:collection:facets"
FACETS_TTL = 600
FOLDER_MIN_ID = 0  # Discogs folder 0 is "All"


@dataclass(frozen=True)
class CollectionSummary:
    copies: int
    albums: int
    artists: int
    formats: list[dict]


@dataclass(frozen=True)
class CollectionFilters:
    """What the collection is narrowed to; every field is already validated."""

    q: str = ""
    format: str = ""
    genre: str = ""  # a Tag name_key (Discogs genre or style)
    decade: int | None = None
    label: int | None = None
    folder: int | None = None
    played: str = ""  # "", "played" or "never"

    @property
    def active(self) -> bool:
        return any((self.q, self.format, self.genre, self.decade is not None, self.label, self.folder is not None,
                    self.played))


@dataclass(frozen=True)
class CollectionFacets:
    genres: list[dict] = field(default_factory=list)  # {"key", "name", "albums"}
    decades: list[int] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)  # {"id", "name", "albums"}
    folders: list[dict] = field(default_factory=list)  # {"id", "name", "copies"}


def _present_copies() -> QuerySet:
    return CollectionItem.objects.present()


def _int_or_none(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def collection_filters_parse(*, params) -> CollectionFilters:
    """Filters from a query dict (page or API); unknown values are ignored, never an error
    (the API checks ids first: see collection_filter_ids_problem)."""
    fmt = params.get("format", "") or ""
    decade = _int_or_none(params.get("decade"))
    played = params.get("played", "") or ""
    return CollectionFilters(
        q=clean_text(params.get("q", ""), 200),
        format=fmt if fmt in Album.Format.values else "",
        genre=clean_text(params.get("genre", ""), 100),
        decade=decade - decade % 10 if decade is not None and 1000 <= decade <= 2990 else None,
        label=parse_id(params.get("label")),
        folder=parse_id(params.get("folder"), minimum=FOLDER_MIN_ID),
        played=played if played in PLAYED_CHOICES else "",
    )


def collection_filter_ids_problem(*, label=None, folder=None) -> str:
    """Why a label or folder id given to the API can be no id, or "" (the page ignores it)."""
    if label is not None and parse_id(label) is None:
        return f"label must be an id from 1 to {MAX_ID}, not {str(label)[:40]!r}"
    if folder is not None and parse_id(folder, minimum=FOLDER_MIN_ID) is None:
        return f"folder must be an id from {FOLDER_MIN_ID} to {MAX_ID}, not {str(folder)[:40]!r}"
    return ""


def owned_albums(*, q: str = "", format: str = "", sort: str = "added",
                 filters: CollectionFilters | None = None) -> QuerySet:
    """Albums with at least one present copy, annotated with `copy_count` and `last_added`."""
    filters = filters or CollectionFilters(q=q, format=format)
    present = _present_copies().filter(album=OuterRef("pk"))
    if filters.folder is not None:
        present = present.filter(folder_id=filters.folder)
    # Correlated subqueries, not JOIN + GROUP BY: the database then computes them only for the
    # page it returns (or probes one index per album for "recently added"), never groups 10k albums.
    copies = _present_copies().filter(album=OuterRef("pk")).order_by().values("album")
    qs = (
        Album.objects.filter(Exists(present))
        .select_related("artist", "label")
        .annotate(
            copy_count=Subquery(copies.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()),
            last_added=Subquery(_present_copies().filter(album=OuterRef("pk")).order_by("-date_added")
                                .values("date_added")[:1]),
        )
    )
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(title__icontains=q) | Q(artist__name__icontains=q) | Q(label__name__icontains=q)
            | Q(catalog_number__icontains=q)
        )
    if filters.format:
        qs = qs.filter(format=filters.format)
    if filters.genre:
        qs = qs.filter(Exists(AlbumTag.objects.filter(album=OuterRef("pk"), tag__name_key=filters.genre)))
    if filters.decade is not None:
        qs = qs.filter(year__gte=filters.decade, year__lte=filters.decade + 9)
    if filters.label:
        qs = qs.filter(label_id=filters.label)
    if filters.played == "played":
        qs = qs.filter(play_count__gt=0)
    elif filters.played == "never":
        qs = qs.filter(play_count=0)
    order = {
        "artist": (F("artist__name").asc(nulls_last=True), F("year").asc(nulls_last=True), "title", "id"),
        "title": ("title", "id"),
        "year": (F("year").desc(nulls_last=True), "title", "id"),
        "plays": ("-play_count", F("last_played_at").desc(nulls_last=True), "id"),
        "last_played": (F("last_played_at").desc(nulls_last=True), "-play_count", "id"),
    }.get(sort, (F("last_added").desc(nulls_last=True), "-id"))
    return qs.order_by(*order)


def collection_page(*, q: str = "", format: str = "", sort: str = "added", page: int | str = 1,
                    filters: CollectionFilters | None = None, page_size: int | None = None) -> Page:
    filters = filters or CollectionFilters(q=q, format=format)
    if sort not in SORTS or sort == "added":
        return _page_by_added(filters=filters, page=page, page_size=page_size or PAGE_SIZE)
    return Paginator(owned_albums(sort=sort, filters=filters), page_size or PAGE_SIZE).get_page(page)


def _page_by_added(*, filters: CollectionFilters, page: int | str, page_size: int) -> Page:
    """"Recently added", ranked by one aggregate over the copies (a few ms for 10k) instead of
    a per-album subquery; then only the page's albums are loaded."""
    copies = _present_copies()
    if filters.folder is not None:
        copies = copies.filter(folder_id=filters.folder)
    if filters.active:
        copies = copies.filter(album__in=owned_albums(filters=filters).order_by().values("pk"))
    ranked = (copies.values("album_id").annotate(latest=Max("date_added"))
              .order_by(F("latest").desc(nulls_last=True), "-album_id"))
    result = Paginator(ranked, page_size).get_page(page)
    ids = [row["album_id"] for row in result.object_list]
    albums = {a.pk: a for a in owned_albums(filters=CollectionFilters()).filter(pk__in=ids)}
    result.object_list = [albums[pk] for pk in ids if pk in albums]
    return result


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


def _facets_key() -> str:
    """The facets' cache key, named after the state of the copies: a sync or an edit makes a new one."""
    state = CollectionItem.objects.aggregate(n=Count("id"), synced=Max("synced_at"), removed=Max("removed_at"),
                                             added=Max("date_added"))
    version = "|".join(str(state[name]) for name in ("n", "synced", "removed", "added"))
    return f"{FACETS_CACHE_KEY}:{hashlib.sha1(version.encode()).hexdigest()[:16]}"


def collection_facets() -> CollectionFacets:
    """Genres/styles, decades, labels and folders present in the collection, for the filter menus.

    Kept in the process's pages cache for a few minutes under the state of the copies, so a
    page never writes to the database for them.
    """
    key = _facets_key()
    cached = caches["pages"].get(key)
    if isinstance(cached, CollectionFacets):
        return cached
    # Driven from the copies (a few thousand), so each album is one primary-key lookup: an Exists()
    # per album walked all 20,000 albums of a big history, and all their tags.
    owned_ids = _present_copies().values("album_id")
    owned = Album.objects.filter(pk__in=owned_ids)
    genres = [
        {"key": row["tag__name_key"], "name": row["tag__name"], "albums": row["albums"]}
        for row in AlbumTag.objects.filter(album_id__in=owned_ids).values("tag__name_key", "tag__name")
        .annotate(albums=Count("album", distinct=True)).order_by("-albums", "tag__name")[:80]
    ]
    decades = sorted({year - year % 10 for year in owned.exclude(year__isnull=True).order_by()
                      .values_list("year", flat=True).distinct() if year})
    labels = [
        {"id": row["label_id"], "name": row["label__name"], "albums": row["albums"]}
        for row in owned.exclude(label__isnull=True).values("label_id", "label__name")
        .annotate(albums=Count("id")).order_by("-albums", "label__name")[:100]
    ]
    folders = [
        {"id": row["folder_id"], "name": row["folder_name"] or f"Folder {row['folder_id']}", "copies": row["copies"]}
        for row in _present_copies().values("folder_id", "folder_name")
        .annotate(copies=Count("id")).order_by("folder_name")
    ]
    facets = CollectionFacets(genres=genres, decades=decades, labels=labels, folders=folders)
    caches["pages"].set(key, facets, FACETS_TTL)
    return facets


def collection_facets_forget() -> None:
    """Drop this process's facets (a sync elsewhere changes their key anyway)."""
    caches["pages"].delete(_facets_key())


def collection_artists(*, q: str = "", sort: str = "name") -> QuerySet:
    """Artists credited first on an owned album, with `owned_albums` and `copies` counts."""
    present = Q(primary_albums__copies__removed_at__isnull=True, primary_albums__copies__isnull=False)
    qs = (Artist.objects.filter(Exists(_present_copies().filter(album__artist=OuterRef("pk"))))
          .annotate(owned_albums=Count("primary_albums", filter=present, distinct=True),
                    copies=Count("primary_albums__copies", filter=present)))
    if q := clean_text(q, 200):
        qs = qs.filter(name__icontains=q)
    order = {"owned": ("-owned_albums", "name", "id"), "name": ("name", "id")}.get(sort, ("name", "id"))
    return qs.order_by(*order)
