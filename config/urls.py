from django.contrib import admin
from django.urls import include, path

from config.api import api

admin.site.site_header = "Music Journal admin"
admin.site.site_title = "Music Journal"
admin.site.index_title = "Edit the journal"

urlpatterns = [
    path("", include("web.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
