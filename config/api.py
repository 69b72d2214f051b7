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


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


def _error(description: str, example) -> dict:
    return {"description": description,
            "content": {"application/json": {**_ERROR["application/json"], "example": {"detail": example}}}}


# Answers any operation may give, documented once here instead of on every route.
EVERY_OPERATION = {
    401: _error("No valid personal token (`Authorization: Bearer <token>`) and no logged-in session",
                "Authentication credentials were not provided or are not valid."),
    429: _error("Too many wrong tokens from this address: the detail says how long to wait",
                "Too many wrong tokens from this address, try again in 5 minutes."),
}
EVERY_WRITE = {
    403: _error("A read-only token, or a browser session's write without its CSRF token",
                "This token is read-only: it may only read (GET)."),
}
WITH_BODY = {400: _error("A body that is not JSON", "Cannot parse request body")}
WITH_INPUT = {
    422: _error("Parameters or a body that fail validation: `detail` lists each issue",
                [{"loc": ["query", "limit"], "msg": "Input should be a valid integer", "type": "int_parsing"}]),
}


class JournalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """ninja's document, plus the authentication, scope and validation answers of each operation."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                common = {**EVERY_OPERATION, **(EVERY_WRITE if method != "get" else {}),
                          **(WITH_BODY if "requestBody" in operation else {}),
                          **(WITH_INPUT if operation.get("parameters") or "requestBody" in operation else {})}
                for status, response in common.items():
                    operation["responses"].setdefault(status, response)
        return schema


api = JournalAPI(
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
