"""By genre or tag: tracks of the artists and albums carrying one tag, the heavier the tag and the
more played the track, the likelier.

A tag is found by its name key, so "Trip-Hop", "trip hop" and "TRIP HOP" are one tag. An album's
tag also marks its owned editions and the listened album an edition is of (the plays are on the
latter, a Discogs tag often on the former). Played tracks come from the track totals, the most
played first; never-played tracks of owned records come in besides, weighing half a play.
"""

from __future__ import annotations

import random

from django import forms
from django.db.models import Q

from catalog.models import Album, AlbumTag, ArtistTag, Tag
from core.normalize import name_key
from core.resilience.services import SERVICES
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from playlists.generators.reasons import close_names, plays_text
from playlists.selectors.library import LibraryTrack, shelf_tracks, shelf_weight


class TagParams(Params):
    tag = forms.CharField(max_length=100, help_text="A genre or tag, e.g. trip hop.")
    owned_only = Flag(help_text="Only tracks of records you own.")


class ByTag(Generator):
    name = "tag"
    label = "By genre or tag"
    description = "Tracks of the artists and albums tagged with a genre; heavier tags and more plays, likelier."
    Params = TagParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        tag = _tag_get(params["tag"])
        links = _TagLinks(tag)
        tracks = shelf_tracks(links.where(), owned_only=params["owned_only"])
        if not tracks:
            what = "owned record" if params["owned_only"] else "track of the library"
            raise GeneratorError(f"No {what} is tagged {tag.name}: choose another tag.")
        candidates = []
        for track in tracks:
            weight, source = links.heaviest(track)
            reason = f"Tagged {tag.name} ({_source_label(source)}, {weight}) · {plays_text(track.plays)}"
            candidates.append(Candidate(track.track_id, track.artist_id, track.duration_ms, reason,
                                        weight=max(weight, 1) * shelf_weight(track)))
        return Draft(candidates, name=f"Tagged {tag.name}")


def _tag_get(typed: str) -> Tag:
    tag = Tag.objects.filter(name_key=name_key(typed)).first()
    if tag is None:
        names = dict(Tag.objects.values_list("name_key", "name"))
        raise GeneratorError(f"tag: no tag “{typed}” in the library{close_names(typed, names)}.")
    return tag


class _TagLinks:
    """Who carries the tag, and how heavily: artists, and albums with their editions and listened albums."""

    def __init__(self, tag: Tag):
        self.tag = tag
        self.artists: dict[int, tuple[int, str]] = {}
        for artist_id, source, weight in (ArtistTag.objects.filter(tag=tag).order_by("-weight", "source", "artist_id")
                                          .values_list("artist_id", "source", "weight")):
            self.artists.setdefault(artist_id, (weight, source))
        self.albums: dict[int, tuple[int, str]] = {}
        for album_id, listened_id, source, weight in (
                AlbumTag.objects.filter(tag=tag).order_by("-weight", "source", "album_id")
                .values_list("album_id", "album__listened_album_id", "source", "weight")):
            self.albums.setdefault(album_id, (weight, source))
            if listened_id is not None:
                self.albums.setdefault(listened_id, (weight, source))
        for edition_id, listened_id in (Album.objects.filter(listened_album__tag_links__tag=tag).order_by("pk")
                                        .values_list("pk", "listened_album_id")):
            self.albums.setdefault(edition_id, self.albums[listened_id])

    def where(self) -> Q:
        tagged = AlbumTag.objects.filter(tag=self.tag)
        return (Q(artist_id__in=ArtistTag.objects.filter(tag=self.tag).values("artist_id"))
                | Q(album_id__in=tagged.values("album_id"))
                | Q(album_id__in=tagged.filter(album__listened_album__isnull=False).values("album__listened_album_id"))
                | Q(album_id__in=Album.objects.filter(listened_album__tag_links__tag=self.tag).values("pk")))

    def heaviest(self, track: LibraryTrack) -> tuple[int, str]:
        """The heavier of the track's album's and artist's tag links: (weight, source)."""
        found = [link for link in (self.albums.get(track.album_id), self.artists.get(track.artist_id)) if link]
        return max(found, key=lambda link: link[0])


def _source_label(source: str) -> str:
    spec = SERVICES.get(source)
    return spec.label if spec else source


GENERATOR = ByTag()
