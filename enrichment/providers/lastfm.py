"""Last.fm: listeners, plays, bio, top tags and similar artists of artists; tags, covers, wiki and
track durations of albums.

Last.fm answers for a name, so a value is as sure as the name: 1.0, or 0.7 when Last.fm gave the
answer under another name (its own correction). An unknown artist or album (error 6) is a note,
not a warning: most of a library's odd names are simply not on Last.fm.
"""

from __future__ import annotations

import html
import re
import uuid

from django.db.models import Q
from django.utils.html import strip_tags

from catalog.models import Album, Artist, Track
from core.clients.lastfm import lastfm_album_info, lastfm_artist_info, lastfm_artist_similar, lastfm_artist_top_tags
from core.normalize import name_key, title_key
from core.resilience import CircuitOpen, NotFound, ServiceError
from enrichment.providers import provider_register
from enrichment.providers.base import ALBUM, ARTIST, TRACK, FactDraft, Provider, ProviderResult

CORRECTED_CONFIDENCE = 0.7
TOP_TAGS = 10
IMAGE_SIZES = {"small": 34, "medium": 64, "large": 174, "extralarge": 300, "mega": 600}
_READ_MORE = re.compile(r"<a\b[^>]*>\s*Read more on Last\.fm\s*</a>\s*\.?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def lastfm_text(value: str) -> str:
    """Last.fm's HTML summary as plain text, without its "Read more on Last.fm" link."""
    text = html.unescape(strip_tags(_READ_MORE.sub("", value or "")))
    return _SPACES.sub(" ", text).strip()


def _mbid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None


class LastfmProvider(Provider):
    id = "lastfm"
    service = "lastfm"

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        for artist in artists:
            try:
                self._artist(artist, result, force=force)
            except CircuitOpen as exc:
                result.warnings.append(f"lastfm: stopped at {artist.name}: {exc}")
                break
        return result

    def albums(self, albums: list[Album], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        missing = _tracks_without_duration(albums)
        for album in albums:
            if album.artist is None:
                result.notes.append(f"lastfm: {album.title} has no album artist to ask about")
                continue
            try:
                self._album(album, missing.get(album.pk, []), result, force=force)
            except CircuitOpen as exc:
                result.warnings.append(f"lastfm: stopped at {album.title}: {exc}")
                break
        return result

    # --- artists -----------------------------------------------------------------------------
    def _artist(self, artist: Artist, result: ProviderResult, *, force: bool) -> None:
        info = _ask(result, f"artist {artist.name}", lastfm_artist_info, name=artist.name, force_refresh=force)
        if info is None:
            return
        confidence = 1.0
        if info["name"] and name_key(info["name"]) != artist.name_key:
            confidence = CORRECTED_CONFIDENCE
            result.notes.append(f"lastfm: {artist.name} answered as {info['name']}")
        evidence = tuple(e for e in (info["url"], f"lastfm:artist.getInfo artist={artist.name}") if e)

        def fact(field, value, kind="artist", evidence=evidence):
            result.facts.append(FactDraft(ARTIST, artist.pk, field, value, confidence=confidence,
                                          evidence=evidence, kind=kind))

        if info["url"]:
            fact("lastfm_url", info["url"])
        for field in ("listeners", "playcount"):
            if info[field] is not None:
                fact(f"lastfm_{field}", info[field])
        bio = lastfm_text(info["bio_summary"])
        if bio:
            fact("bio", bio)
        mbid = _mbid(info["mbid"])
        if mbid and artist.mbid is None:
            fact("mbid", mbid)

        tags = _ask(result, f"tags of {artist.name}", lastfm_artist_top_tags, name=artist.name, limit=TOP_TAGS,
                    force_refresh=force)
        if tags:
            fact("tags", [[t["name"], max(0, min(100, t["weight"]))] for t in tags[:TOP_TAGS]], kind="tags",
                 evidence=(f"lastfm:artist.getTopTags artist={artist.name}",))
        similar = _ask(result, f"similar to {artist.name}", lastfm_artist_similar, name=artist.name,
                       force_refresh=force)
        if similar:
            fact("similar", [[s["name"], s["match"]] for s in similar], kind="similar",
                 evidence=(f"lastfm:artist.getSimilar artist={artist.name}",))

    # --- albums ------------------------------------------------------------------------------
    def _album(self, album: Album, tracks: list[Track], result: ProviderResult, *, force: bool) -> None:
        artist_name = album.artist.name
        info = _ask(result, f"album {artist_name} – {album.title}", lastfm_album_info, artist=artist_name,
                    title=album.title, force_refresh=force)
        if info is None:
            return
        confidence = 1.0
        if info["name"] and title_key(info["name"]) != album.title_key:
            confidence = CORRECTED_CONFIDENCE
            result.notes.append(f"lastfm: {album.title} answered as {info['name']}")
        evidence = tuple(e for e in (info["url"], f"lastfm:album.getInfo artist={artist_name} album={album.title}")
                         if e)

        def fact(entity_type, entity_id, field, value):
            result.facts.append(FactDraft(entity_type, entity_id, field, value, confidence=confidence,
                                          evidence=evidence, kind="album"))

        if info["tags"]:  # album.getInfo lists tags without counts: each gets the full weight
            fact(ALBUM, album.pk, "tags", [[name, 100] for name in info["tags"] if name])
        images = [{"url": i["url"], "width": IMAGE_SIZES[i["size"]], "height": IMAGE_SIZES[i["size"]]}
                  for i in info["images"] if i["url"] and i["size"] in IMAGE_SIZES]
        if images:
            fact(ALBUM, album.pk, "images", images)
        wiki = lastfm_text(info["wiki_summary"])
        if wiki:
            fact(ALBUM, album.pk, "wiki", wiki)
        durations = {title_key(t["name"]): t["duration"] for t in info["tracks"] if t["duration"]}
        for track in tracks:
            if track.title_key in durations:
                fact(TRACK, track.pk, "duration_ms", durations[track.title_key] * 1000)


def _tracks_without_duration(albums: list[Album]) -> dict[int, list[Track]]:
    """Our tracks of these albums that have no duration yet, by album id (one query)."""
    found: dict[int, list[Track]] = {}
    tracks = Track.objects.filter(Q(duration_ms__isnull=True) | Q(duration_ms=0), album__in=[a.pk for a in albums])
    for track in tracks:
        found.setdefault(track.album_id, []).append(track)
    return found


def _ask(result: ProviderResult, what: str, helper, **kwargs):
    """One client call: its answer, or None with a note (not on Last.fm) or a warning (anything else).

    A CircuitOpen passes through, so the caller stops asking a service that is down.
    """
    result.calls += 1
    try:
        return helper(**kwargs)
    except NotFound:
        result.notes.append(f"lastfm: {what} is not on Last.fm")
    except CircuitOpen:
        raise
    except ServiceError as exc:
        result.warnings.append(f"lastfm: {what}: {exc}")
    return None


provider_register(LastfmProvider())
