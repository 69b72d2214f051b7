"""One artist: albums owned and listened, top tracks, plays over time, similar artists."""

from django.http import Http404
from django.shortcuts import render

from tracker.selectors.artist_plays import artist_view


def artist_detail(request, artist_id: int):
    view = artist_view(artist_id=artist_id)
    if view is None:
        raise Http404("No such artist.")
    return render(request, "catalog/artist_detail.html", {"view": view, "artist": view.artist})
