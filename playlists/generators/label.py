"""By label: tracks of the albums one record label released, and of the artists it is the main
label of, the more played, the likelier.

An album's label is its own; else, for an owned edition, its listened album's; else, for a
listened album, one of its editions' (Discogs knows the label, the history's album does not). An
artist's principal label counts for their tracks whose album has no label at all, so an album
known to be on another label stays out. Played tracks first, never-played tracks of owned records
besides (see the tag generator, whose library reads this one shares).
"""

from __future__ import annotations

import random

from django import forms
from django.db.models import Q

from catalog.models import Album, Artist, Label
from core.normalize import name_key, strip_discogs_suffix
from playlists.generators.base import Candidate, Draft, Flag, Generator, GeneratorError, Params
from playlists.generators.reasons import close_names, plays_text
from playlists.selectors.library import shelf_tracks, shelf_weight


class LabelParams(Params):
    label = forms.CharField(max_length=255, help_text="A record label, e.g. Warp Records.")
    owned_only = Flag(help_text="Only tracks of records you own.")


class ByLabel(Generator):
    name = "label"
    label = "By label"
    description = "Tracks of the albums of a record label and of the artists it is the main label of."
    Params = LabelParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        labels = list(Label.objects.filter(name_key=name_key(params["label"])).order_by("pk"))
        if not labels:
            names = {key: strip_discogs_suffix(name)
                     for key, name in Label.objects.order_by("-pk").values_list("name_key", "name")}
            raise GeneratorError(f"label: no label “{params['label']}” in the library"
                                 f"{close_names(params['label'], names)}.")
        label_name = strip_discogs_suffix(labels[0].name)
        albums = _albums_on([label.pk for label in labels])
        signed = Artist.objects.filter(principal_label__in=labels)
        where = (Q(album_id__in=albums.values("pk"))
                 | (Q(artist_id__in=signed.values("pk")) & ~Q(album_id__in=_albums_with_a_label().values("pk"))))
        tracks = shelf_tracks(where, owned_only=params["owned_only"])
        if not tracks:
            what = "owned record" if params["owned_only"] else "track of the library"
            raise GeneratorError(f"No {what} is on {label_name}: choose another label.")
        album_ids = sorted({track.album_id for track in tracks if track.album_id})
        titles = dict(albums.filter(pk__in=album_ids).order_by().values_list("pk", "title"))
        artists = dict(Artist.objects.filter(pk__in=sorted({t.artist_id for t in tracks if t.album_id not in titles}))
                       .order_by().values_list("pk", "name"))
        candidates = []
        for track in tracks:
            on = titles[track.album_id] if track.album_id in titles else f"{artists[track.artist_id]}’s label"
            candidates.append(Candidate(track.track_id, track.artist_id, track.duration_ms,
                                        f"{label_name} · {on} · {plays_text(track.plays)}",
                                        weight=shelf_weight(track)))
        return Draft(candidates, name=label_name)


def _albums_on(label_ids: list[int]):
    """The albums whose label (as the module docstring reads it) is one of `label_ids`."""
    editions_on = Album.objects.filter(label_id__in=label_ids, listened_album__isnull=False)
    return Album.objects.filter(
        Q(label_id__in=label_ids)
        | Q(label__isnull=True, listened_album__label_id__in=label_ids)
        | Q(label__isnull=True, pk__in=editions_on.values("listened_album_id"))
    )


def _albums_with_a_label():
    """The albums with any label, their own, their listened album's or an edition's."""
    labelled_editions = Album.objects.filter(label__isnull=False, listened_album__isnull=False)
    return Album.objects.filter(Q(label__isnull=False) | Q(listened_album__label__isnull=False)
                                | Q(pk__in=labelled_editions.values("listened_album_id")))


GENERATOR = ByLabel()
