"""One album: credits, owned copies, tracklist with plays, editions and related records."""

from django.core.cache import caches
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django_q.tasks import async_task

from core.resilience.services import service_configured
from enrichment.selectors import enrichment_paused, facts_by_field
from tracker.selectors.album_plays import album_view
from web.views.turntable import turntable_panel


def album_detail(request, album_id: int):
    view = album_view(album_id=album_id)
    if view is None:
        raise Http404("No such album.")
    _tracklist_wanted(view)
    return render(request, "catalog/album_detail.html", {
        "view": view, "album": view.album,
        "facts": facts_by_field(entity_type="album", entity_id=view.album.pk),
        "refresh_url": reverse("album_refresh", args=[view.album.pk]),
        "paused": enrichment_paused(),
        # "I'm playing this": for the owner, on a record with a copy in the collection
        "turntable": turntable_panel(album=view.album) if view.copies and request.user.is_staff else None,
    })


def _tracklist_wanted(view) -> None:
    """An owned release with no tracklist anywhere asks the worker to fetch it (once an hour at most)."""
    album = view.album
    if view.tracks or not album.discogs_release_id or not view.copies:
        return
    if not service_configured(service="discogs"):
        return
    if caches["pages"].add(f"mj:tracklist-wanted:{album.pk}", 1, 3600):
        transaction.on_commit(lambda: async_task("catalog.tasks.discogs_tracklists_task", album_ids=[album.pk],
                                                 limit=1, task_name=f"tracklist of album {album.pk}"))
