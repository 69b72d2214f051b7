"""Every browser page; the names are the contract templates, tests and redirects rely on."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from web.views import (
    album,
    analytics,
    analytics_habits,
    analytics_shelf,
    analytics_year,
    art,
    artist,
    backups,
    collection,
    dashboard,
    enrichment,
    export,
    health,
    jobs,
    journal,
    lastfm_account,
    login,
    metrics,
    playlists,
    search,  # Search
    settings,
    spotify,
    timeline,
    track,  # Track page
    turntable,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("now-playing/", dashboard.dashboard_live, name="dashboard_live"),
    path("journal/", journal.journal, name="journal"),
    path("timeline/", timeline.timeline, name="timeline"),
    path("analytics/", analytics.analytics, name="analytics"),
    path("analytics/habits/", analytics_habits.analytics_habits, name="analytics_habits"),
    path("analytics/shelf/", analytics_shelf.analytics_shelf, name="analytics_shelf"),
    path("analytics/year/", analytics_year.analytics_year_latest, name="analytics_year_latest"),
    path("analytics/year/<int:year>/", analytics_year.analytics_year, name="analytics_year"),
    path("collection/", collection.collection, name="collection"),
    path("collection/sync/", collection.collection_sync, name="collection_sync"),
    path("albums/<int:album_id>/", album.album_detail, name="album_detail"),
    # I'm playing this (turntable)
    path("albums/<int:album_id>/turntable/", turntable.turntable_log_view, name="turntable_log"),
    path("albums/<int:album_id>/turntable/<int:session_id>/undo/", turntable.turntable_undo_view,
         name="turntable_undo"),
    path("artists/<int:artist_id>/", artist.artist_detail, name="artist_detail"),
    # Track page
    path("tracks/<int:track_id>/", track.track_detail, name="track_detail"),
    path("artists/<int:entity_id>/refresh/", enrichment.enrich_refresh, {"entity": "artist"}, name="artist_refresh"),
    path("albums/<int:entity_id>/refresh/", enrichment.enrich_refresh, {"entity": "album"}, name="album_refresh"),
    path("art/<str:kind>/<int:pk>.svg", art.placeholder_art, name="placeholder_art"),
    path("playlists/", playlists.playlist_list, name="playlists"),
    path("playlists/new/", playlists.playlist_new, name="playlist_new"),
    path("playlists/<int:playlist_id>/", playlists.playlist_detail, name="playlist_detail"),
    path("playlists/<int:playlist_id>/entries/<int:entry_id>/<str:action>/", playlists.playlist_entry_edit,
         name="playlist_entry_edit"),
    path("playlists/<int:playlist_id>/regenerate/", playlists.playlist_regenerate_view, name="playlist_regenerate"),
    path("playlists/<int:playlist_id>/duplicate/", playlists.playlist_duplicate_view, name="playlist_duplicate"),
    path("playlists/<int:playlist_id>/edit/", playlists.playlist_edit, name="playlist_edit"),
    path("playlists/<int:playlist_id>/delete/", playlists.playlist_delete, name="playlist_delete"),
    path("playlists/<int:playlist_id>/export.<str:fmt>", playlists.playlist_export, name="playlist_export"),
    path("settings/", settings.settings_page, name="settings"),
    path("settings/services/<str:service>/test/", settings.service_test, name="service_test"),
    path("settings/tracker/", settings.tracker_update, name="tracker_update"),
    path("settings/tracker/backfill/", settings.tracker_backfill, name="tracker_backfill"),
    path("settings/imports/", settings.import_upload, name="import_upload"),
    path("settings/imports/<int:job_id>/", settings.import_status, name="import_status"),
    # Journal export
    path("settings/export/", export.journal_export_download, name="journal_export"),
    # Spotify account and export
    path("settings/spotify/connect/", spotify.spotify_connect, name="spotify_connect"),
    path("settings/spotify/callback/", spotify.spotify_callback, name="spotify_callback"),
    path("settings/spotify/disconnect/", spotify.spotify_disconnect, name="spotify_disconnect"),
    path("playlists/<int:playlist_id>/spotify/", spotify.spotify_export, name="playlist_spotify_export"),
    # Last.fm account
    path("settings/lastfm/connect/", lastfm_account.lastfm_connect, name="lastfm_connect"),
    path("settings/lastfm/callback/", lastfm_account.lastfm_callback, name="lastfm_callback"),
    path("settings/lastfm/disconnect/", lastfm_account.lastfm_disconnect, name="lastfm_disconnect"),
    # Backups
    path("settings/backups/<str:name>", backups.backup_download, name="backup_download"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/resume/", jobs.job_resume, name="job_resume"),
    # Search
    path("search/", search.search_page, name="search"),
    path("search/suggestions/", search.search_suggestions, name="search_suggestions"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Pages without our <link rel="icon"> (admin, API docs): browsers ask for /favicon.ico.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("img/favicon.svg"), permanent=True))),
    path("login/", login.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
