"""Export a playlist to the connected Spotify account: a private playlist, made once, then kept in step.

Each track is matched by its Spotify id, else by a scored search (`track:… artist:…`; title and
artist compared on core.normalize keys, lengths compared too), accepted from MATCH_THRESHOLD up.
An id found by search is kept on the track (when its field is empty and no other track holds the
id), so the next export of it needs no search. The first export creates the Spotify playlist and
remembers its id in Playlist.spotify_id; later ones set its name and description and replace its
items; a remembered playlist that Spotify no longer knows (404) is created anew.

The export runs inside the request: searching stops after SEARCH_BUDGET_SECONDS, or at the first
search Spotify fails, and the tracks left are listed as not searched (the next export goes on from
the ids kept). Every call has the service timeout; a Retry-After is waited for only up to
ENRICHMENT_MAX_RETRY_AFTER (core.resilience).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db import IntegrityError, transaction
from django.db.models import Q

from catalog.models import Track
from core.clients.spotify import spotify_search
from core.clients.spotify_user import (
    spotify_playlist_create,
    spotify_playlist_details_set,
    spotify_playlist_items_set,
    spotify_user_client,
)
from core.normalize import clean_text, edition_free_title_key, name_key, strip_discogs_suffix
from core.resilience import NotFound, ServiceError, clock
from playlists.models import Playlist

logger = logging.getLogger(__name__)

MATCH_THRESHOLD = 0.8
SEARCH_BUDGET_SECONDS = 20.0  # well inside a web worker's timeout (gunicorn: 30 s)
SEARCH_RESULTS = 5  # a Development-Mode app gets at most 10 a search
SEARCH_RETRIES = 1
DURATION_TOLERANCE_MS = 30_000  # lengths this far apart say nothing for a match
TITLE_WEIGHT, ARTIST_WEIGHT, DURATION_WEIGHT = 0.5, 0.35, 0.15
NAME_MAX, DESCRIPTION_MAX = 100, 300  # what Spotify keeps of a playlist's name and description
SPOTIFY_PLAYLIST_URL = "https://open.spotify.com/playlist/{}"

NO_MATCH = "no close match on Spotify"
NOT_SEARCHED = "not searched this time: export again to go on"


class SpotifyExportRefused(Exception):
    """The playlist cannot be exported as it is; the message says why, in one line."""


@dataclass(frozen=True)
class UnmatchedTrack:
    position: int
    track: Track
    reason: str


@dataclass(frozen=True)
class SpotifyExportResult:
    spotify_playlist_id: str
    url: str
    created: bool  # a new Spotify playlist (the first export, or the remembered one was gone)
    total: int
    matched: int
    unmatched: list[UnmatchedTrack] = field(default_factory=list)
    search_stopped: str = ""  # why searching stopped early, when it did


@dataclass
class _Matching:
    track_ids: list[str] = field(default_factory=list)  # Spotify ids, in the playlist's order
    found: dict[int, str] = field(default_factory=dict)  # our track id → Spotify id found by search
    unmatched: list[UnmatchedTrack] = field(default_factory=list)
    search_stopped: str = ""


def playlist_spotify_export(*, playlist: Playlist) -> SpotifyExportResult:
    """Create or update `playlist` on the connected Spotify account; ServiceError when Spotify fails,
    SpotifyExportRefused when the playlist has no tracks."""
    entries = list(playlist.entries.select_related("track__artist").order_by("position"))
    if not entries:
        raise SpotifyExportRefused("The playlist has no tracks to export.")
    client = spotify_user_client()  # not configured or not connected: refused before any search
    matching = _match(entries)
    _spotify_ids_remember(matching.found)
    name = clean_text(playlist.name, NAME_MAX) or "Music Journal playlist"
    description = clean_text(playlist.description, DESCRIPTION_MAX)
    spotify_id, created = _spotify_playlist(client, playlist, name=name, description=description)
    spotify_playlist_items_set(client=client, playlist_id=spotify_id, track_ids=matching.track_ids)
    return SpotifyExportResult(spotify_playlist_id=spotify_id, url=SPOTIFY_PLAYLIST_URL.format(spotify_id),
                               created=created, total=len(entries), matched=len(matching.track_ids),
                               unmatched=matching.unmatched, search_stopped=matching.search_stopped)


def track_match_score(track: Track, candidate: dict) -> float:
    """How surely a Spotify search result is `track`, from 0 to 1: title, artist, then length."""
    title = _similarity(edition_free_title_key(track.title), edition_free_title_key(candidate.get("name") or ""))
    wanted_artist = name_key(track.artist.name)
    artist = max((_similarity(wanted_artist, name_key(a.get("name") or "")) for a in candidate.get("artists") or []),
                 default=0.0)
    their_length = candidate.get("duration_ms")
    if not track.duration_ms or not their_length:
        return (TITLE_WEIGHT * title + ARTIST_WEIGHT * artist) / (TITLE_WEIGHT + ARTIST_WEIGHT)
    closeness = max(0.0, 1 - abs(track.duration_ms - their_length) / DURATION_TOLERANCE_MS)
    return TITLE_WEIGHT * title + ARTIST_WEIGHT * artist + DURATION_WEIGHT * closeness


def _similarity(ours: str, theirs: str) -> float:
    if not ours or not theirs:
        return 0.0
    return 1.0 if ours == theirs else SequenceMatcher(None, ours, theirs).ratio()


def _search_query(track: Track) -> str:
    def plain(text: str) -> str:  # a colon or a quote would read as another field filter
        return " ".join(text.replace(":", " ").replace('"', " ").split())

    return f"track:{plain(track.title)} artist:{plain(strip_discogs_suffix(track.artist.name))}"


def _best_match(track: Track, candidates: list[dict]) -> str | None:
    scored = [(track_match_score(track, c), c["id"]) for c in candidates if c and c.get("id")]
    best = max(scored, key=lambda pair: pair[0], default=None)
    return best[1] if best is not None and best[0] >= MATCH_THRESHOLD else None


def _match(entries) -> _Matching:
    matching = _Matching()
    deadline = clock.monotonic() + SEARCH_BUDGET_SECONDS
    for entry in entries:
        track = entry.track
        spotify_id = track.spotify_id or matching.found.get(track.pk)
        reason = NOT_SEARCHED
        if not spotify_id and not matching.search_stopped:
            spotify_id = _searched_id(track, matching, deadline)
            reason = NOT_SEARCHED if matching.search_stopped else NO_MATCH
        if spotify_id:
            matching.track_ids.append(spotify_id)
        else:
            matching.unmatched.append(UnmatchedTrack(entry.position, track, reason))
    return matching


def _searched_id(track: Track, matching: _Matching, deadline: float) -> str | None:
    """The best search result for `track`, if good enough; stops the searching when time is up or it fails."""
    if clock.monotonic() > deadline:
        matching.search_stopped = f"searching stopped after {SEARCH_BUDGET_SECONDS:g} s"
        return None
    try:
        candidates = spotify_search(query=_search_query(track), kind="track", limit=SEARCH_RESULTS,
                                    retries=SEARCH_RETRIES)
    except ServiceError as error:  # the next searches would fare no better
        matching.search_stopped = f"Spotify's search failed: {error.message}"
        return None
    spotify_id = _best_match(track, candidates)
    if spotify_id:
        matching.found[track.pk] = spotify_id
    return spotify_id


def _spotify_ids_remember(found: dict[int, str]) -> None:
    """Keep ids found by search on tracks that have none, unless another track already holds the id."""
    taken = set(Track.objects.filter(spotify_id__in=found.values()).values_list("spotify_id", flat=True))
    for track_id, spotify_id in found.items():
        if spotify_id in taken:
            continue
        taken.add(spotify_id)
        try:
            with transaction.atomic():
                Track.objects.filter(Q(spotify_id__isnull=True) | Q(spotify_id=""), pk=track_id).update(
                    spotify_id=spotify_id)
        except IntegrityError:  # enrichment gave the id to another track meanwhile
            logger.info("Spotify id %s of track %s is held by another track now", spotify_id, track_id)


def _spotify_playlist(client, playlist: Playlist, *, name: str, description: str) -> tuple[str, bool]:
    """The Spotify playlist to fill (its id, and whether it is new), named and described as ours."""
    if playlist.spotify_id:
        try:
            spotify_playlist_details_set(client=client, playlist_id=playlist.spotify_id, name=name,
                                         description=description)
            return playlist.spotify_id, False
        except NotFound:
            logger.info("Spotify playlist %s of playlist %s is gone: making a new one", playlist.spotify_id,
                        playlist.pk)
    created = spotify_playlist_create(client=client, name=name, description=description)
    # An update of the one column: an edit of the playlist made meanwhile is not written over.
    Playlist.objects.filter(pk=playlist.pk).update(spotify_id=created["id"])
    playlist.spotify_id = created["id"]
    return created["id"], True
