"""Admin for the catalog: artists (with the merge action), albums with their tracks and copies, and the rest.

Counts shown in lists are correlated subqueries, so a changelist page costs a fixed number of
queries. Plays are the tracker's: tracker.admin extends the artist admin with them.
"""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import CharField, Count, IntegerField, OuterRef, Q, Subquery, TextField, URLField, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse

from catalog.models import (
    Album,
    AlbumArtist,
    AlbumInfo,
    AlbumTag,
    Artist,
    ArtistSimilar,
    ArtistTag,
    CollectionItem,
    Image,
    Label,
    Tag,
    Track,
)
from catalog.services.artist_merge import ArtistMergeError, ArtistMergeResult, artist_merge

MERGE_LIMIT = 50  # more than this at once is a mistake, not a merge
URL_FIELDS = {URLField: {"assume_scheme": "https"}}  # the Django 6 default, today


def reverse_count(model, accessor: str, **filters):
    """`COUNT(*)` of the rows behind a reverse relation of `model`, as a correlated subquery."""
    rel = model._meta.get_field(accessor)
    fk = rel.field.name
    rows = rel.related_model._base_manager.filter(**{fk: OuterRef("pk")}, **filters).order_by()
    counted = rows.values(fk).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def has_value_filter(field: str, title: str):
    """A yes/no list filter on whether `field` is set."""

    class HasValueFilter(admin.SimpleListFilter):
        parameter_name = f"has_{field}"

        def lookups(self, request, model_admin):
            return [("yes", "Yes"), ("no", "No")]

        def queryset(self, request, queryset):
            empty = Q(**{f"{field}__isnull": True})
            if isinstance(queryset.model._meta.get_field(field), (CharField, TextField)):
                empty |= Q(**{field: ""})
            if self.value() == "yes":
                return queryset.exclude(empty)
            if self.value() == "no":
                return queryset.filter(empty)
            return queryset

    HasValueFilter.title = title
    return HasValueFilter


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = Album.objects.exclude(year__isnull=True).order_by().values_list("year", flat=True).distinct()
        decades = sorted({year // 10 * 10 for year in years}, reverse=True)
        return [(str(d), f"{d}s") for d in decades]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            start = int(self.value())
            return queryset.filter(year__gte=start, year__lt=start + 10)
        return queryset


# --- Inlines --------------------------------------------------------------------------


class ArtistTagInline(admin.TabularInline):
    model = ArtistTag
    autocomplete_fields = ["tag"]
    extra = 0


class ArtistSimilarInline(admin.TabularInline):
    model = ArtistSimilar
    fk_name = "artist"
    autocomplete_fields = ["similar"]
    extra = 0
    verbose_name_plural = "similar artists"


class ImageInline(admin.TabularInline):
    model = Image
    fields = ["url", "kind", "source", "width", "height"]
    extra = 0


class AlbumArtistInline(admin.TabularInline):
    model = AlbumArtist
    autocomplete_fields = ["artist"]
    fields = ["position", "artist", "credited_name", "join_phrase"]
    extra = 0


class TrackInline(admin.TabularInline):
    model = Track
    fields = ["disc_number", "number", "position", "title", "artist", "duration_ms"]
    autocomplete_fields = ["artist"]
    extra = 0
    show_change_link = True
    classes = ["collapse"]


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = [
        "discogs_instance_id", "folder_name", "date_added", "rating",
        "media_condition", "sleeve_condition", "removed_at",
    ]
    extra = 0
    verbose_name_plural = "owned copies"


class AlbumTagInline(admin.TabularInline):
    model = AlbumTag
    autocomplete_fields = ["tag"]
    extra = 0


# --- Model admins ---------------------------------------------------------------------


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "name_key", "artist_count", "album_count"]
    search_fields = ["name", "name_key"]
    readonly_fields = ["name_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            artist_total=reverse_count(Tag, "artist_links"), album_total=reverse_count(Tag, "album_links")
        )

    @admin.display(description="artists", ordering="artist_total")
    def artist_count(self, obj):
        return obj.artist_total

    @admin.display(description="albums", ordering="album_total")
    def album_count(self, obj):
        return obj.album_total


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "discogs_id", "album_count"]
    search_fields = ["name", "name_key", "discogs_id__exact"]
    readonly_fields = ["name_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(album_total=reverse_count(Label, "albums"))

    @admin.display(description="albums", ordering="album_total")
    def album_count(self, obj):
        return obj.album_total


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "album_count", "spotify_id", "discogs_id", "enriched_at"]
    # The merge page offers the most significant artist first (tracker.admin adds plays).
    merge_order = ("-album_total", "pk")
    search_fields = ["name", "name_key", "spotify_id", "discogs_id__exact", "wikidata_id", "mbid__exact"]
    list_filter = [
        has_value_filter("enriched_at", "enriched"),
        has_value_filter("spotify_id", "Spotify id"),
        has_value_filter("discogs_id", "Discogs id"),
        has_value_filter("wikidata_id", "Wikidata id"),
    ]
    readonly_fields = ["name_key", "created_at"]
    autocomplete_fields = ["principal_label"]
    inlines = [ArtistTagInline, ArtistSimilarInline, ImageInline]
    actions = ["merge_artists"]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["name", "name_key", "sort_name", "image_url", "created_at"]}),
        ("External ids", {"fields": [
            "mbid", "spotify_id", "discogs_id", "wikidata_id", "lastfm_url", "official_website",
        ]}),
        ("Enriched", {"fields": [
            "popularity", "followers", "monthly_listeners", "lastfm_listeners", "lastfm_playcount",
            "principal_label", "management", "bio", "enriched_at",
        ]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            album_total=reverse_count(Artist, "album_credits")
        )

    @admin.display(description="albums", ordering="album_total")
    def album_count(self, obj):
        return obj.album_total

    @admin.action(description="Merge selected artists into one…", permissions=["change", "delete"])
    def merge_artists(self, request, queryset):
        """First answer: a page asking which artist to keep; its POST (`post=yes`) merges."""
        artists = list(
            queryset.annotate(track_total=reverse_count(Artist, "tracks")).order_by(*self.merge_order)
        )
        if len(artists) < 2:
            self.message_user(request, "Select at least two artists to merge.", messages.WARNING)
            return None
        if len(artists) > MERGE_LIMIT:
            self.message_user(request, f"Merge at most {MERGE_LIMIT} artists at once.", messages.WARNING)
            return None

        error = ""
        if request.POST.get("post") == "yes":
            target = next((a for a in artists if str(a.pk) == request.POST.get("target", "")), None)
            if target is None:
                error = "Choose, among the selected artists, the one to keep."
            else:
                try:
                    result = artist_merge(target=target, others=[a for a in artists if a.pk != target.pk])
                except ArtistMergeError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return None
                self.message_user(request, merge_summary(result, target_name=target.name), messages.SUCCESS)
                return None

        context = {
            **self.admin_site.each_context(request),
            "title": "Merge artists",
            "subtitle": None,
            "opts": self.model._meta,
            "artists": artists,
            "default_target": artists[0].pk,
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/catalog/artist/merge_artists.html", context)


def merge_summary(result: ArtistMergeResult, *, target_name: str) -> str:
    """One line for the admin message: what moved where."""
    parts = [
        f"{n} {apps.get_model(label)._meta.verbose_name_plural}"
        for label, n in sorted(result.moved.items(), key=lambda item: -item[1])
    ]
    text = f"Merged {len(result.merged_ids)} artists into {target_name}"
    text += f": moved {', '.join(parts)}." if parts else "."
    if result.tracks_merged:
        text += f" {result.tracks_merged} duplicate tracks merged."
    if result.duplicates_dropped:
        text += f" {result.duplicates_dropped} duplicate rows dropped."
    if result.external_moved:
        text += f" {result.external_moved} facts moved."
    if result.fields_copied:
        text += f" Copied {', '.join(result.fields_copied)}."
    return text


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "year", "format", "label", "discogs_release_id", "owned_copies"]
    list_select_related = ["artist", "label"]
    search_fields = ["title", "artist__name", "catalog_number", "discogs_release_id__exact"]
    list_filter = ["format", DecadeFilter, ("label", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["artist", "label", "listened_album"]
    readonly_fields = ["title_key", "created_at"]
    inlines = [AlbumArtistInline, TrackInline, CollectionItemInline, AlbumTagInline, ImageInline]
    formfield_overrides = URL_FIELDS
    fieldsets = [
        (None, {"fields": ["title", "title_key", "artist", "year", "listened_album", "created_at"]}),
        ("Release", {"fields": ["label", "catalog_number", "format", "format_descriptions"]}),
        ("External ids", {"fields": [
            "discogs_release_id", "discogs_master_id", "spotify_id", "spotify_url", "mbid", "cover_url", "thumb_url",
        ]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            copy_total=reverse_count(Album, "copies", removed_at__isnull=True)
        )

    @admin.display(description="owned", ordering="copy_total")
    def owned_copies(self, obj):
        return obj.copy_total


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "album", "number", "duration_display", "spotify_id"]
    list_select_related = ["artist", "album"]
    search_fields = ["title", "artist__name", "album__title", "spotify_id"]
    autocomplete_fields = ["artist", "album"]
    readonly_fields = ["title_key", "created_at"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["url", "kind", "source", "artist", "album", "width", "height"]
    list_select_related = ["artist", "album"]
    list_filter = ["kind", "source"]
    search_fields = ["url", "artist__name", "album__title"]
    autocomplete_fields = ["artist", "album"]


@admin.register(AlbumInfo)
class AlbumInfoAdmin(admin.ModelAdmin):
    list_display = ["album", "summary", "is_soundtrack", "film", "model_used", "generated_at"]
    list_select_related = ["album"]
    list_filter = ["is_soundtrack", "model_used"]
    search_fields = ["album__title", "summary", "film"]
    autocomplete_fields = ["album"]
    readonly_fields = ["model_used", "generated_at"]


@admin.register(ArtistSimilar)
class ArtistSimilarAdmin(admin.ModelAdmin):
    list_display = ["artist", "similar", "match", "source"]
    list_select_related = ["artist", "similar"]
    list_filter = ["source"]
    search_fields = ["artist__name", "similar__name"]
    autocomplete_fields = ["artist", "similar"]


class PresentFilter(admin.SimpleListFilter):
    title = "in the collection"
    parameter_name = "present"

    def lookups(self, request, model_admin):
        return [("yes", "Still owned"), ("no", "Removed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.present()
        if self.value() == "no":
            return queryset.filter(removed_at__isnull=False)
        return queryset


@admin.register(CollectionItem)
class CollectionItemAdmin(admin.ModelAdmin):
    list_display = ["album", "album_artist", "album_format", "folder_name", "date_added", "rating", "removed_at"]
    list_select_related = ["album__artist"]
    list_filter = [PresentFilter, "folder_name", "rating", "album__format"]
    search_fields = ["album__title", "album__artist__name", "notes", "discogs_instance_id__exact"]
    date_hierarchy = "date_added"
    autocomplete_fields = ["album"]

    @admin.display(description="artist", ordering="album__artist__name")
    def album_artist(self, obj):
        return obj.album.artist

    @admin.display(description="format", ordering="album__format")
    def album_format(self, obj):
        return obj.album.format
