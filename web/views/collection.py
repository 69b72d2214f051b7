"""The record collection, with its filters and the "Sync Discogs" button."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.models import Album
from catalog.selectors.collection import (
    PLAYED_CHOICES,
    SORTS,
    collection_facets,
    collection_filters_parse,
    collection_page,
    collection_summary,
)
from catalog.services.discogs_sync import discogs_sync_queue
from core.resilience.services import service_configured
from web.templatetags.discogs import discogs_sync_panel_context

VIEWS = ("grid", "list")


def collection(request):
    filters = collection_filters_parse(params=request.GET)
    sort = request.GET.get("sort", "added")
    sort = sort if sort in SORTS else "added"
    view = request.GET.get("view", "grid")
    view = view if view in VIEWS else "grid"
    summary = collection_summary()
    page = collection_page(filters=filters, sort=sort, page=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "summary": summary,
        "page": page,
        "filters": filters,
        "q": filters.q,
        "format": filters.format,
        "sort": sort,
        "sorts": SORTS,
        "view": view,
        "formats": Album.Format.choices,
        "played_choices": PLAYED_CHOICES,
        "query": query.urlencode(),
    }
    if request.htmx and summary.copies and request.htmx.target == "collection-grid":
        return render(request, "catalog/collection.html#grid", context)
    context["facets"] = collection_facets() if summary.copies else None
    return render(request, "catalog/collection.html", context)


@require_POST
def collection_sync(request):
    """Start a Discogs sync in the worker (or show the one already running)."""
    if not service_configured(service="discogs"):
        context = discogs_sync_panel_context()
        return render(request, "catalog/partials/discogs_sync.html", context, status=409)
    job, created = discogs_sync_queue(requested_by=request.user.get_username())
    if not request.htmx:
        return redirect("collection")
    job.refresh_from_db()
    return render(request, "catalog/partials/discogs_sync.html", discogs_sync_panel_context(job=job, started=created))
