"""Search: the navigation box's suggestions (an htmx fragment after two characters) and the full
results page at /search/?q=, grouped by kind. Both read playlists.selectors.search."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from playlists.selectors.search import search
from tracker.selectors.search import MAX_QUERY_LENGTH

SUGGESTIONS_PER_KIND = 3
RESULTS_PER_KIND = 20
SUGGEST_FROM = 2  # characters typed
KIND_TITLES = (("artist", "Artists"), ("album", "Albums"), ("track", "Tracks"), ("label", "Labels"),
               ("playlist", "Playlists"))


def _groups(q: str, limit: int) -> list[tuple[str, str, list]]:
    found = search(q=q, limit=limit)
    return [(kind, title, found[kind]) for kind, title in KIND_TITLES if found.get(kind)]


def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    groups = _groups(q, RESULTS_PER_KIND) if q else []
    return render(request, "tracker/search.html", {"q": q, "groups": groups})


def search_suggestions(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    groups = _groups(q, SUGGESTIONS_PER_KIND) if len(q) >= SUGGEST_FROM else []
    return render(request, "tracker/search.html#suggestions", {"q": q, "groups": groups})
