"""Read endpoints of one artist, album or track in the JSON API: play figures, owned copies and the
enrichment facts with their evidence (mounted at /api/v1/).

They join the history (tracker), the facts (enrichment) and the shelf (catalog). tracker and
enrichment are peers that may not import each other, so this router lives in `web`, the layer
above both, like the pages that show the same three things (tests/test_layers.py).
"""

from datetime import datetime
from uuid import UUID

from django.db.models import Q
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from catalog.models import Album, Artist, CollectionItem, Track
from catalog.selectors.api_versions import collection_data_version
from core.api import ErrorOut
from core.api_caching import DataVersion, conditional_read, versions_combined
from core.params import parse_id
from enrichment.api import FactOut
from enrichment.fact_versions import facts_data_version
from enrichment.selectors import facts_by_field
from tracker.api import NamedRef
from tracker.selectors.api_versions import history_data_version
from tracker.selectors.play_figures import PlayFigures, play_figures
from tracker.selectors.track_plays import track_appearances

router = Router(tags=["library"])
MAX_COPIES = 200


class PlayFiguresOut(Schema):
    plays: int
    ms_played: int = Field(description="listening time of the plays whose length was measured (Spotify)")
    ms_plays: int = Field(description="how many plays have a measured length")
    first_played_at: datetime | None
    last_played_at: datetime | None


class CopyOut(Schema):
    id: int
    album: NamedRef
    discogs_instance_id: int | None
    folder_name: str
    date_added: datetime | None
    rating: int
    media_condition: str
    sleeve_condition: str


class EntityFactOut(FactOut):
    chosen: bool = Field(description="the value the journal uses for this field")


class ArtistDetailOut(Schema):
    id: int
    name: str
    sort_name: str
    mbid: UUID | None
    spotify_id: str | None
    discogs_id: int | None
    wikidata_id: str | None
    url: str
    plays: PlayFiguresOut
    copies: list[CopyOut] = Field(description="owned copies of albums credited to the artist")
    facts: list[EntityFactOut]


class AlbumDetailOut(Schema):
    id: int
    title: str
    year: int | None
    artist: NamedRef | None
    format: str
    format_descriptions: str
    label: NamedRef | None
    catalog_number: str
    discogs_release_id: int | None
    discogs_master_id: int | None
    spotify_id: str | None
    listened_album: NamedRef | None = Field(description="for a collection release: the album its plays are of")
    url: str
    plays: PlayFiguresOut = Field(description="this album's plays, with its listened album's")
    copies: list[CopyOut] = Field(description="owned copies of this album and of its owned editions")
    facts: list[EntityFactOut]


class TrackAlbumOut(Schema):
    track_id: int
    album: NamedRef | None
    plays: int
    owned: bool = Field(description="a copy of that album, or of an edition of it, is in the collection")


class TrackDetailOut(Schema):
    id: int
    title: str
    artist: NamedRef
    album: NamedRef | None
    position: str
    number: int | None
    duration_ms: int | None
    url: str
    loved: bool = Field(description="some play of it is loved")
    plays: PlayFiguresOut
    albums: list[TrackAlbumOut] = Field(description="the same song (artist and title) on each album it is on")
    copies: list[CopyOut] = Field(description="owned copies of those albums and of their editions")
    facts: list[EntityFactOut]


def _ref(obj, name: str) -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, name)} if obj is not None else None


def _figures(figures: PlayFigures) -> dict:
    return vars(figures)


def _copies(album_filter: Q) -> list[dict]:
    copies = (CollectionItem.objects.present().filter(album_filter).select_related("album").distinct()
              .order_by("-date_added", "id")[:MAX_COPIES])
    return [{"id": c.pk, "album": _ref(c.album, "title"), "discogs_instance_id": c.discogs_instance_id,
             "folder_name": c.folder_name, "date_added": c.date_added, "rating": c.rating,
             "media_condition": c.media_condition, "sleeve_condition": c.sleeve_condition} for c in copies]


def _facts(entity_type: str, entity_id: int) -> list[dict]:
    found = []
    for name, field_facts in sorted(facts_by_field(entity_type=entity_type, entity_id=entity_id).items()):
        for fact in ([field_facts.chosen] if field_facts.chosen else []) + field_facts.others:
            found.append({"field": name, "value": fact.value, "provider": fact.provider,
                          "retrieved_at": fact.retrieved_at, "confidence": fact.confidence,
                          "evidence": [str(item) for item in fact.evidence or []], "expires_at": fact.expires_at,
                          "chosen": fact is field_facts.chosen})
    return found


def _get_or_404(queryset, pk: int, label: str):
    found = queryset.filter(pk=pk).first() if parse_id(pk) is not None else None
    if found is None:
        raise HttpError(404, f"No {label} with id {pk}")
    return found


def _entity_version(model, entity_type: str, pk: int, columns: tuple[str, ...]) -> DataVersion:
    """The entity's own row (renamed, merged away), its facts, the history and the shelf."""
    row = model.objects.filter(pk=pk).values_list(*columns).first() if parse_id(pk) is not None else None
    own = DataVersion(f"{entity_type}:{pk}:{row!r}")
    return versions_combined(own, facts_data_version(entity_type=entity_type, entity_id=pk) if row else own,
                             history_data_version(), collection_data_version())


def _artist_version(*, artist_id: int, **_) -> DataVersion:
    return _entity_version(Artist, "artist", artist_id, ("name", "sort_name", "enriched_at"))


def _album_version(*, album_id: int, **_) -> DataVersion:
    return _entity_version(Album, "album", album_id, ("title", "year", "listened_album_id", "enriched_at"))


def _track_version(*, track_id: int, **_) -> DataVersion:
    return _entity_version(Track, "track", track_id, ("title", "artist_id", "album_id", "duration_ms"))


@router.get("/artists/{artist_id}", response={200: ArtistDetailOut, 404: ErrorOut},
            summary="One artist: play figures, owned copies and enrichment facts with their evidence")
@conditional_read(_artist_version)
def artist_get(request, artist_id: int):
    artist = _get_or_404(Artist.objects.all(), artist_id, "artist")
    return {
        "id": artist.pk, "name": artist.name, "sort_name": artist.sort_name, "mbid": artist.mbid,
        "spotify_id": artist.spotify_id, "discogs_id": artist.discogs_id, "wikidata_id": artist.wikidata_id,
        "url": artist.get_absolute_url(),
        "plays": _figures(play_figures(artist_id=artist.pk)),
        "copies": _copies(Q(album__artist_id=artist.pk) | Q(album__credits__artist_id=artist.pk)),
        "facts": _facts("artist", artist.pk),
    }


@router.get("/albums/{album_id}", response={200: AlbumDetailOut, 404: ErrorOut},
            summary="One album: play figures, owned copies and enrichment facts with their evidence")
@conditional_read(_album_version)
def album_get(request, album_id: int):
    album = _get_or_404(Album.objects.select_related("artist", "label", "listened_album"), album_id, "album")
    play_albums = [album.pk] + ([album.listened_album_id] if album.listened_album_id else [])
    return {
        "id": album.pk, "title": album.title, "year": album.year, "artist": _ref(album.artist, "name"),
        "format": album.format, "format_descriptions": album.format_descriptions,
        "label": _ref(album.label, "name"), "catalog_number": album.catalog_number,
        "discogs_release_id": album.discogs_release_id, "discogs_master_id": album.discogs_master_id,
        "spotify_id": album.spotify_id, "listened_album": _ref(album.listened_album, "title"),
        "url": album.get_absolute_url(),
        "plays": _figures(play_figures(album_ids=play_albums)),
        "copies": _copies(Q(album_id=album.pk) | Q(album__listened_album_id=album.pk)),
        "facts": _facts("album", album.pk),
    }


@router.get("/tracks/{track_id}", response={200: TrackDetailOut, 404: ErrorOut},
            summary="One track: play figures, the albums it is on, owned copies and enrichment facts")
@conditional_read(_track_version)
def track_get(request, track_id: int):
    track = _get_or_404(Track.objects.select_related("artist", "album"), track_id, "track")
    appearances = track_appearances(track=track)
    album_ids = [a.track.album_id for a in appearances if a.track.album_id]
    return {
        "id": track.pk, "title": track.title, "artist": _ref(track.artist, "name"),
        "album": _ref(track.album, "title"), "position": track.position, "number": track.number,
        "duration_ms": track.duration_ms, "url": track.get_absolute_url(),
        "loved": track.scrobbles.filter(loved=True).exists(),
        "plays": _figures(play_figures(track_id=track.pk)),
        "albums": [{"track_id": a.track.pk, "album": _ref(a.track.album, "title"), "plays": a.plays,
                    "owned": a.owned or bool(a.owned_editions)} for a in appearances],
        "copies": _copies(Q(album_id__in=album_ids) | Q(album__listened_album_id__in=album_ids)),
        "facts": _facts("track", track.pk),
    }
