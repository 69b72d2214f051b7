"""One track: its plays over time, the albums it is on, loved or not, and what is played around it."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tracker.selectors.track_plays import SIMILAR_PLAYS, SIMILAR_WINDOW, track_view


def track_detail(request: HttpRequest, track_id: int) -> HttpResponse:
    view = track_view(track_id=track_id)
    if view is None:
        raise Http404("No such track.")
    return render(request, "catalog/track_detail.html", {
        "view": view, "track": view.track,
        "similar_plays": SIMILAR_PLAYS, "similar_minutes": int(SIMILAR_WINDOW.total_seconds() // 60),
    })
