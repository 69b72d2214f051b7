"""Placeholder covers and artist pictures (`/art/<kind>/<pk>.svg`), drawn locally when an image URL is missing."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from catalog.models import Album, Artist
from web.art import placeholder_svg

# The URL carries ?v=<name fingerprint>, so a long cache is safe: a rename changes the URL.
CACHE_CONTROL = "private, max-age=31536000, immutable"


@require_GET
def placeholder_art(request, kind: str, pk: int):
    if kind == "album":
        name = Album.objects.filter(pk=pk).values_list("title", flat=True).first()
    elif kind == "artist":
        name = Artist.objects.filter(pk=pk).values_list("name", flat=True).first()
    else:
        raise Http404("Unknown kind of picture.")
    if name is None:
        raise Http404("No such album or artist.")
    response = HttpResponse(placeholder_svg(name), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = CACHE_CONTROL
    # An SVG opened on its own must not run anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
