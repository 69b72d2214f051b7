"""Admin for playlists, their entries edited inline in order."""

from django.contrib import admin
from django.db.models import Count

from playlists.models import Playlist, PlaylistTrack


class PlaylistTrackInline(admin.TabularInline):
    model = PlaylistTrack
    fields = ["position", "track", "reason"]
    autocomplete_fields = ["track"]
    ordering = ["position"]
    extra = 0


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ["name", "algorithm", "is_ai", "track_count", "created_at", "updated_at"]
    list_filter = ["algorithm", "is_ai"]
    search_fields = ["name", "description"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "description", "algorithm", "params", "seed", "is_ai", "prompt", "model_used", "details",
              "refresh_weekly", "refreshed_at", "spotify_id", "created_at", "updated_at"]
    inlines = [PlaylistTrackInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(track_total=Count("entries"))

    @admin.display(description="tracks", ordering="track_total")
    def track_count(self, obj):
        return obj.track_total
