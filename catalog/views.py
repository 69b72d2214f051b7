"""Pages of the catalog: the record collection, one album, one artist."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from catalog.models import Album
from catalog.selectors.albums import album_view
from catalog.selectors.artists import artist_view
from catalog.selectors.collection import SORTS, collection_page, collection_summary


def collection(request):
    q = request.GET.get("q", "").strip()[:200]
    format = request.GET.get("format", "")
    format = format if format in Album.Format.values else ""
    sort = request.GET.get("sort", "added")
    sort = sort if sort in SORTS else "added"
    summary = collection_summary()
    context = {
        "summary": summary,
        "page": collection_page(q=q, format=format, sort=sort, page=request.GET.get("page", 1)),
        "q": q,
        "format": format,
        "sort": sort,
        "sorts": SORTS,
        "formats": Album.Format.choices,
        "discogs_configured": bool(settings.DISCOGS_TOKEN and settings.DISCOGS_USERNAME),
    }
    if request.htmx and summary.copies:
        return render(request, "catalog/collection.html#grid", context)
    return render(request, "catalog/collection.html", context)


def album_detail(request, album_id: int):
    view = album_view(album_id=album_id)
    if view is None:
        raise Http404("No such album.")
    return render(request, "catalog/album_detail.html", {"view": view, "album": view.album})


def artist_detail(request, artist_id: int):
    view = artist_view(artist_id=artist_id)
    if view is None:
        raise Http404("No such artist.")
    return render(request, "catalog/artist_detail.html", {"view": view, "artist": view.artist})
