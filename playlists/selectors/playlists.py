"""Playlists with their tracks, in two queries however many there are."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch

from playlists.models import Playlist, PlaylistTrack

PAGE_SIZE = 20
MAX_TRACKS_SHOWN = 100


def playlist_page(*, page: int | str = 1) -> Page:
    """A page of playlists, newest first, each with `entries` (track, artist, album) loaded."""
    entries = PlaylistTrack.objects.select_related("track__artist", "track__album").order_by("position")
    qs = (
        Playlist.objects.annotate(track_count=Count("entries"))
        .prefetch_related(Prefetch("entries", queryset=entries))
        .order_by("-created_at", "-id")
    )
    return Paginator(qs, PAGE_SIZE).get_page(page)
