from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from catalog import art_views
from catalog import views as catalog_views
from config.api import api
from core import views as core_views
from core import views_services
from playlists import views as playlist_views
from tracker import views as tracker_views

admin.site.site_header = "Music Journal admin"
admin.site.site_title = "Music Journal"
admin.site.index_title = "Edit the journal"

urlpatterns = [
    path("", tracker_views.dashboard, name="dashboard"),
    path("journal/", tracker_views.journal, name="journal"),
    path("timeline/", tracker_views.timeline, name="timeline"),
    path("analytics/", tracker_views.analytics, name="analytics"),
    path("now-playing/", tracker_views.dashboard_live, name="dashboard_live"),
    path("settings/tracker/", tracker_views.tracker_update, name="tracker_update"),
    path("settings/tracker/backfill/", tracker_views.tracker_backfill, name="tracker_backfill"),
    path("settings/imports/", tracker_views.import_upload, name="import_upload"),
    path("settings/imports/<int:job_id>/", tracker_views.import_status, name="import_status"),
    path("collection/", catalog_views.collection, name="collection"),
    path("collection/sync/", catalog_views.collection_sync, name="collection_sync"),
    path("albums/<int:album_id>/", catalog_views.album_detail, name="album_detail"),
    path("artists/<int:artist_id>/", catalog_views.artist_detail, name="artist_detail"),
    path("art/<str:kind>/<int:pk>.svg", art_views.placeholder_art, name="placeholder_art"),
    path("playlists/", playlist_views.playlist_list, name="playlists"),
    path("settings/", core_views.settings_page, name="settings"),
    path("settings/services/<str:service>/test/", views_services.service_test, name="service_test"),
    path("jobs/<int:job_id>/progress/", core_views.job_progress, name="job_progress"),
    path("healthz", core_views.healthz, name="healthz"),
    # Pages without our <link rel="icon"> (admin, API docs): browsers ask for /favicon.ico.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("img/favicon.svg"), permanent=True))),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
