"""Admin for the listening history: a scrobble changelist that stays fast at a million rows."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from tracker.models import Scrobble, TrackerState


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows instead of `COUNT(*)` over the whole table.

    Below the cap the count is exact. Above it, an unfiltered list on PostgreSQL takes the
    planner's row estimate; otherwise the count stops at `cap + 1` ("more than cap"), and
    older pages are reached through the date hierarchy or filters.
    """

    cap = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        bounded = queryset.order_by()[: self.cap + 1].count()
        if bounded <= self.cap:
            return bounded
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] > bounded:
                return row[0]
        return bounded


@admin.register(Scrobble)
class ScrobbleAdmin(admin.ModelAdmin):
    date_hierarchy = "played_at"
    list_display = ["played_at", "track_title", "artist", "album", "source", "loved"]
    list_select_related = ["track", "artist", "album"]
    list_filter = ["source", "loved"]
    search_fields = ["track__title", "artist__name"]
    sortable_by = ["played_at", "source", "loved"]  # sorting a million rows by a joined name is not a page
    show_full_result_count = False
    paginator = CappedCountPaginator
    autocomplete_fields = ["track"]
    fields = ["track", "played_at", "source", "loved", "ms_played", "artist", "album", "local_date", "local_hour", "created_at"]
    readonly_fields = ["artist", "album", "local_date", "local_hour", "created_at"]

    @admin.display(description="track", ordering="track__title")
    def track_title(self, obj):
        return obj.track.title

    def save_model(self, request, obj, form, change):
        # Keep the denormalized columns true to the track and the play time, as ingest does.
        obj.artist_id = obj.track.artist_id
        obj.album_id = obj.track.album_id
        local = obj.played_at.astimezone(ZoneInfo(settings.TIME_ZONE))
        obj.local_date, obj.local_hour = local.date(), local.hour
        super().save_model(request, obj, form, change)


@admin.register(TrackerState)
class TrackerStateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "interval_seconds", "last_poll_at", "last_success_at", "now_playing_track", "has_error"]
    list_select_related = ["now_playing_track"]
    fields = [
        "enabled", "interval_seconds", "last_poll_at", "last_success_at", "last_error",
        "now_playing_track", "now_playing_since", "now_playing_seen_at",
    ]
    readonly_fields = ["last_poll_at", "last_success_at", "last_error", "now_playing_since", "now_playing_seen_at"]
    autocomplete_fields = ["now_playing_track"]

    @admin.display(description="error", boolean=True)
    def has_error(self, obj):
        return bool(obj.last_error)

    def has_add_permission(self, request):
        # A single row (pk=1): it can be added once, if the poller has not created it yet.
        return super().has_add_permission(request) and not TrackerState.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
