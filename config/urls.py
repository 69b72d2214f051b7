from django.contrib import admin
from django.urls import include, path

from config.api import api
from web.views.login import ThrottledAdminAuthenticationForm

admin.site.site_header = "Music Journal admin"
admin.site.site_title = "Music Journal"
admin.site.index_title = "Edit the journal"
admin.site.login_form = ThrottledAdminAuthenticationForm  # the same failure limits as /login/

urlpatterns = [
    path("", include("web.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # ListenBrainz-compatible submission: the path other self-hosted scrobble servers use
    path("apis/listenbrainz/1/", include("tracker.listenbrainz_urls")),
]
