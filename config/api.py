"""The JSON API at /api/v1/: one router per app, all behind session or bearer-token auth."""

from ninja import NinjaAPI
from ninja.security import django_auth

from catalog.api import router as catalog_router
from core.api import router as core_router
from core.api_auth import PersonalTokenAuth
from enrichment.api import router as enrichment_router
from tracker.api import router as tracker_router

api = NinjaAPI(
    title="Music Journal API",
    version="1",
    description="Listening history, record collection, enrichment and playlists of one person.",
    auth=[django_auth, PersonalTokenAuth()],
    urls_namespace="api",
)
api.add_router("/", core_router)
api.add_router("/", catalog_router)
api.add_router("/enrichment/", enrichment_router)
api.add_router("/", tracker_router)
