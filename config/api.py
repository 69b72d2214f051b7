"""The JSON API at /api/v1/: one router per app, all behind bearer-token or session auth.

Its interactive docs and OpenAPI document need a login like every other page.
"""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import ABS_TPL_PATH

from catalog.api import router as catalog_router
from core.api import router as core_router
from core.api_auth import api_auth
from enrichment.api import router as enrichment_router
from playlists.api import router as playlists_router
from playlists.api_search import router as search_router  # Search
from tracker.api import router as tracker_router
from tracker.api_analytics import router as analytics_router
from web.api_library import router as library_router  # Artist, album and track read endpoints


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's own static files, never a CDN (the CSP allows none).
    ninja is not an installed app, so that not every process imports it (config.settings):
    its "CDN" template is therefore pointed at the local one."""

    template_cdn = str(ABS_TPL_PATH / "swagger.html")


api = NinjaAPI(
    title="Music Journal API",
    version="1",
    description="Listening history, record collection, enrichment and playlists of one person.",
    auth=api_auth(),
    urls_namespace="api",
    docs=LocalSwagger(),
    docs_decorator=login_required,
)
api.add_router("/", core_router)
api.add_router("/", catalog_router)
api.add_router("/enrichment/", enrichment_router)
api.add_router("/", tracker_router)
api.add_router("/analytics/", analytics_router)
api.add_router("/", playlists_router)
# Search
api.add_router("/", search_router)
# Artist, album and track read endpoints
api.add_router("/", library_router)
