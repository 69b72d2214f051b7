"""The playlists: the list with cover mosaics, the create form per algorithm, and one playlist
with its edits (move, remove, regenerate, duplicate, refresh weekly, rename, delete) and exports."""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.resilience.services import service_missing_settings
from playlists.generators import REGISTRY, generator_get
from playlists.generators.base import GeneratorError, params_form
from playlists.models import Playlist
from playlists.selectors import exports
from playlists.selectors.playlists import playlist_detail as detail_of
from playlists.selectors.playlists import playlist_page
from playlists.services.playlists import (
    playlist_duplicate,
    playlist_entry_move,
    playlist_entry_remove,
    playlist_generate,
    playlist_regenerate,
    playlist_update,
)

PARAMS_PREFIX = "p"
MOVES = {"up": -1, "down": 1}
EXPORT_LABELS = {"m3u8": "M3U8", "xspf": "XSPF", "csv": "CSV"}


def playlist_list(request):
    page, cards = playlist_page(page=request.GET.get("page", 1))
    return render(request, "playlists/playlist_list.html", {"page": page, "cards": cards,
                                                            "generators": REGISTRY.values()})


def playlist_new(request):
    """GET: the form of the chosen algorithm (only its parameters for htmx); POST: draw the playlist."""
    algorithm = request.POST.get("algorithm") or request.GET.get("algorithm") or next(iter(REGISTRY))
    if algorithm not in REGISTRY:
        algorithm = next(iter(REGISTRY))
    generator = generator_get(algorithm)
    bound = request.method == "POST"
    form = params_form(generator, request.POST if bound else None, prefix=PARAMS_PREFIX)
    context = {"generator": generator, "generators": REGISTRY.values(), "form": form, "error": "",
               "name": request.POST.get("name", ""), "weekly": bool(request.POST.get("refresh_weekly")),
               "missing": service_missing_settings(service="ai") if generator.uses_ai else []}
    if request.htmx and not bound:
        return render(request, "playlists/playlist_new.html#params", context)
    if bound and form.is_valid():
        try:
            playlist = playlist_generate(algorithm=generator.name, params=form.cleaned_data,
                                         name=context["name"].strip(), refresh_weekly=context["weekly"])
        except GeneratorError as error:
            context["error"] = str(error)
        else:
            return redirect(playlist)
    status = 422 if bound else 200
    return render(request, "playlists/playlist_new.html", context, status=status)


def playlist_detail(request, playlist_id: int):
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    context = {"detail": detail_of(playlist=playlist), "formats": EXPORT_LABELS}
    if request.htmx and request.htmx.target == "playlist-tracks":
        return render(request, "playlists/playlist_detail.html#tracks", context)
    return render(request, "playlists/playlist_detail.html", context)


@require_POST
def playlist_entry_edit(request, playlist_id: int, entry_id: int, action: str):
    """Move an entry up or down, or remove it; htmx gets the track list back, a form the page."""
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    if not playlist.entries.filter(pk=entry_id).exists():
        raise Http404("No such track in this playlist.")
    if action == "remove":
        playlist_entry_remove(playlist, entry_id=entry_id)
    elif action in MOVES:
        playlist_entry_move(playlist, entry_id=entry_id, offset=MOVES[action])
    else:
        raise Http404("Unknown action.")
    if request.htmx:
        return render(request, "playlists/playlist_detail.html#tracks",
                      {"detail": detail_of(playlist=playlist), "formats": EXPORT_LABELS})
    return redirect(playlist)


@require_POST
def playlist_regenerate_view(request, playlist_id: int):
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    try:
        playlist_regenerate(playlist)
    except GeneratorError as error:
        messages.error(request, f"Not drawn again: {error}")
    else:
        messages.success(request, "Drawn again with a new seed.")
    return redirect(playlist)


@require_POST
def playlist_duplicate_view(request, playlist_id: int):
    copy = playlist_duplicate(get_object_or_404(Playlist, pk=playlist_id))
    messages.success(request, "A copy to keep: it does not refresh.")
    return redirect(copy)


@require_POST
def playlist_edit(request, playlist_id: int):
    """Rename, describe, or switch the weekly refresh (each form sends what it changes)."""
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    weekly = request.POST.get("refresh_weekly")
    try:
        playlist_update(playlist, name=request.POST.get("name"), description=request.POST.get("description"),
                        refresh_weekly=None if weekly is None else weekly == "on")
    except GeneratorError as error:
        messages.error(request, str(error))
    return redirect(playlist)


@require_POST
def playlist_delete(request, playlist_id: int):
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    name = playlist.name
    playlist.delete()
    messages.success(request, f"Deleted “{name}”.")
    if request.htmx:  # the confirmed htmx post: the browser goes to the list itself
        return HttpResponse(headers={"HX-Redirect": reverse("playlists")})
    return HttpResponseRedirect(reverse("playlists"))


def playlist_export(request, playlist_id: int, fmt: str):
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    if fmt not in exports.FORMATS:
        raise Http404("Unknown format.")
    export = exports.playlist_export(playlist, format=fmt, base_url=request.build_absolute_uri("/"))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    return response
