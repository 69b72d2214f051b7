"""Playlists as the pages show them: a page of cards with cover mosaics, and one playlist with
its tracks, their reasons and play counts — each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Sum

from catalog.models import Album
from playlists.generators import REGISTRY
from playlists.models import Playlist, PlaylistTrack
from tracker.models import TrackTotal

PAGE_SIZE = 24
MOSAIC = 4
_MOSAIC_LOOKAHEAD = 24  # entries read per playlist to find four different covers


def algorithm_label(playlist: Playlist) -> str:
    """The name the create form gives the playlist's algorithm ("" when hand-made)."""
    generator = REGISTRY.get(playlist.algorithm)
    return generator.label if generator else playlist.algorithm


@dataclass
class Card:
    playlist: Playlist
    track_count: int
    duration_ms: int
    covers: list[Album]

    @property
    def label(self) -> str:
        return algorithm_label(self.playlist)


def playlist_page(*, page: int | str = 1) -> tuple[Page, list[Card]]:
    """A page of playlists, newest first, and a card for each: track count, length, up to four covers."""
    qs = (Playlist.objects.annotate(track_count=Count("entries"), duration=Sum("entries__track__duration_ms"))
          .order_by("-created_at", "-id"))
    found = Paginator(qs, PAGE_SIZE).get_page(page)
    playlists = list(found.object_list)
    covers = _covers([p.pk for p in playlists])
    cards = [Card(p, p.track_count, p.duration or 0, covers.get(p.pk, [])) for p in playlists]
    return found, cards


def _covers(playlist_ids: list[int]) -> dict[int, list[Album]]:
    """Up to MOSAIC different albums of each playlist, in playlist order."""
    rows = (PlaylistTrack.objects.filter(playlist_id__in=playlist_ids, position__lte=_MOSAIC_LOOKAHEAD,
                                         track__album__isnull=False)
            .order_by("playlist_id", "position").values_list("playlist_id", "track__album_id"))
    wanted: dict[int, list[int]] = {}
    for playlist_id, album_id in rows:
        albums = wanted.setdefault(playlist_id, [])
        if album_id not in albums and len(albums) < MOSAIC:
            albums.append(album_id)
    objects = Album.objects.select_related("artist").in_bulk({pk for ids in wanted.values() for pk in ids})
    return {playlist_id: [objects[pk] for pk in ids if pk in objects] for playlist_id, ids in wanted.items()}


def playlists_newest_first() -> QuerySet:
    """Every playlist, newest first, each with `track_count` and `duration_ms`."""
    return with_totals(Playlist.objects.all()).order_by("-created_at", "-id")


def with_totals(playlists):
    return playlists.annotate(track_count=Count("entries"), duration_ms=Sum("entries__track__duration_ms"))


@dataclass
class Detail:
    playlist: Playlist
    entries: list[PlaylistTrack]  # each with .plays (all-time) and its track, artist and album loaded
    duration_ms: int
    unknown_lengths: int
    covers: list[Album]
    settings: list[tuple[str, str]]  # the parameters it was drawn with, as the create form names them

    @property
    def label(self) -> str:
        return algorithm_label(self.playlist)


def playlist_detail(*, playlist: Playlist) -> Detail:
    entries = list(playlist.entries.select_related("track__artist", "track__album__artist").order_by("position"))
    plays = dict(TrackTotal.objects.filter(track_id__in=[e.track_id for e in entries])
                 .values_list("track_id", "plays"))
    covers: list[Album] = []
    for entry in entries:
        entry.plays = plays.get(entry.track_id, 0)
        album = entry.track.album
        if album is not None and album not in covers and len(covers) < MOSAIC:
            covers.append(album)
    return Detail(playlist, entries, sum(e.track.duration_ms or 0 for e in entries),
                  sum(1 for e in entries if not e.track.duration_ms), covers, _settings(playlist))


def _settings(playlist: Playlist) -> list[tuple[str, str]]:
    generator = REGISTRY.get(playlist.algorithm)
    fields = generator.Params.base_fields if generator else {}
    shown = []
    for key, value in playlist.params.items():
        if value is None or value == "" or value == []:
            continue
        label = str(fields[key].label or key) if key in fields and fields[key].label else key.replace("_", " ")
        text = ("yes" if value else "no") if isinstance(value, bool) else ", ".join(map(str, value)) \
            if isinstance(value, list) else str(value)
        shown.append((label.capitalize(), text))
    return shown
