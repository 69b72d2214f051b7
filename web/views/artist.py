"""One artist: albums owned and listened, top tracks, plays over time, similar artists."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from enrichment.selectors import enrichment_paused, facts_by_field
from tracker.selectors.artist_plays import artist_view


def artist_detail(request, artist_id: int):
    view = artist_view(artist_id=artist_id)
    if view is None:
        raise Http404("No such artist.")
    facts = facts_by_field(entity_type="artist", entity_id=view.artist.pk)
    links = facts["links"].chosen.value if "links" in facts and facts["links"].chosen else {}
    return render(request, "catalog/artist_detail.html", {
        "view": view, "artist": view.artist, "facts": facts,
        "links": sorted((name, url) for name, url in (links or {}).items() if str(url).startswith("https://")),
        "refresh_url": reverse("artist_refresh", args=[view.artist.pk]),
        "paused": enrichment_paused(),
    })
