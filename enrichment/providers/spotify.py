"""Spotify: ids found by a scored name match, then popularity, followers, genres, pictures, covers, labels.

An artist or album without a Spotify id is searched by name and takes the best candidate only
when its normalized name is close enough (`MIN_SCORE`): a wrong id is worse than none, and
Spotify often ranks a longer name ("Air Supply") above the exact one ("AIR"). Details come in
batches (50 artists, 20 albums a request); a Development-Mode app gets 403 there and no
followers or popularity, so it falls back to one request per id and records those fields as
unavailable, never as 0.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from catalog.models import Album, Artist, Track
from core.clients.spotify import (
    BATCH_ALBUMS,
    BATCH_ARTISTS,
    spotify_album,
    spotify_albums,
    spotify_artist,
    spotify_artists,
    spotify_search,
)
from core.normalize import name_key, title_key
from core.resilience import Forbidden, ServiceError
from enrichment.providers import provider_register
from enrichment.providers.base import ALBUM, ARTIST, TRACK, FactDraft, Provider, ProviderResult

MIN_SCORE = 0.9
SEARCH_LIMIT = 10


def match_score(wanted: str, found: str) -> float:
    """1.0 for the same key, else how alike the two keys are (0-1)."""
    if wanted == found:
        return 1.0
    return SequenceMatcher(None, wanted, found).ratio()


def best_match(candidates: list[dict], score) -> tuple[dict | None, float]:
    """The best-scoring candidate (the first of equals, in Spotify's order) if it reaches MIN_SCORE."""
    best, best_score = None, 0.0
    for candidate in candidates:
        value = score(candidate)
        if value > best_score:
            best, best_score = candidate, value
    return (best, best_score) if best_score >= MIN_SCORE else (None, best_score)


def _matched(rows: list, search) -> dict[str, tuple]:
    """{spotify id: (row, confidence)}: the id a row has (1.0), else the one `search(row)` scored."""
    matched: dict[str, tuple] = {}
    for row in rows:
        found = (row.spotify_id, 1.0) if row.spotify_id else search(row)
        if found:
            matched.setdefault(found[0], (row, found[1]))
    return matched


class SpotifyProvider(Provider):
    id = "spotify"
    service = "spotify"
    batch_size = BATCH_ARTISTS

    # --- artists ---------------------------------------------------------------------------
    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        matched = _matched(artists, lambda artist: self._artist_search(artist, result, force=force))
        details = self._details(list(matched), result, force=force, kind="artist", batch=BATCH_ARTISTS,
                                many=spotify_artists, one=lambda i, f: spotify_artist(artist_id=i, force_refresh=f))
        for spotify_id, (detail, evidence) in details.items():
            artist, confidence = matched[spotify_id]
            result.facts += _artist_facts(artist, detail, evidence, confidence)
        return result

    def _artist_search(self, artist: Artist, result: ProviderResult, *, force: bool) -> tuple[str, float] | None:
        """The Spotify id of `artist` by a scored name match, as a `spotify_id` fact; None when no name is close."""
        try:
            result.calls += 1
            candidates = spotify_search(query=artist.name, kind="artist", limit=SEARCH_LIMIT, force_refresh=force)
        except ServiceError as error:
            result.warnings.append(f"Spotify: searching artist {artist.name}: {error}")
            return None
        best, score = best_match(candidates, lambda c: match_score(artist.name_key, name_key(c.get("name") or "")))
        if best is None or not best.get("id"):
            result.notes.append(f"Spotify: no artist named {artist.name} (closest match {score:.2f})")
            return None
        result.facts.append(FactDraft(ARTIST, artist.pk, "spotify_id", best["id"], confidence=score, kind="search",
                                      evidence=(f"spotify:GET /v1/search?type=artist&q={artist.name}",
                                                f"https://open.spotify.com/artist/{best['id']}")))
        return best["id"], score

    # --- albums ----------------------------------------------------------------------------
    def albums(self, albums: list[Album], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        matched = _matched(albums, lambda album: self._album_search(album, result, force=force))
        details = self._details(list(matched), result, force=force, kind="album", batch=BATCH_ALBUMS,
                                many=spotify_albums, one=lambda i, f: spotify_album(album_id=i, force_refresh=f))
        missing_durations = _tracks_without_duration([album for album, _ in matched.values()])
        for spotify_id, (detail, evidence) in details.items():
            album, confidence = matched[spotify_id]
            result.facts += _album_facts(album, detail, evidence, confidence)
            result.facts += _duration_facts(missing_durations.get(album.pk, []), detail, evidence, confidence)
        return result

    def _album_search(self, album: Album, result: ProviderResult, *, force: bool) -> tuple[str, float] | None:
        artist = album.artist
        if artist is None:
            result.notes.append(f"Spotify: {album.title} has no artist to search with")
            return None
        try:
            result.calls += 1
            candidates = spotify_search(query=f"album:{album.title} artist:{artist.name}", kind="album",
                                        limit=SEARCH_LIMIT, force_refresh=force)
        except ServiceError as error:
            result.warnings.append(f"Spotify: searching album {album.title}: {error}")
            return None

        def score(candidate: dict) -> float:
            by_title = match_score(album.title_key, title_key(candidate.get("name") or ""))
            by_artist = max((match_score(artist.name_key, name_key(a.get("name") or ""))
                             for a in candidate.get("artists") or []), default=0.0)
            return min(by_title, by_artist)

        best, found_score = best_match(candidates, score)
        if best is None or not best.get("id"):
            result.notes.append(f"Spotify: no album {album.title} by {artist.name} (closest match {found_score:.2f})")
            return None
        query = f"album:{album.title} artist:{artist.name}"
        result.facts.append(FactDraft(ALBUM, album.pk, "spotify_id", best["id"], confidence=found_score, kind="search",
                                      evidence=(f"spotify:GET /v1/search?type=album&q={query}",
                                                f"https://open.spotify.com/album/{best['id']}")))
        return best["id"], found_score

    # --- details, batched with a one-by-one fallback ---------------------------------------
    def _details(self, ids: list[str], result: ProviderResult, *, force: bool, kind: str, batch: int,
                 many, one) -> dict[str, tuple[dict, str]]:
        """Full objects by id, with the evidence of the request that gave each.

        Batches of `batch` ids; once a batch is refused (403: Development Mode) every remaining id
        is asked one by one. A failure loses its batch or its id only, as a warning.
        """
        found: dict[str, tuple[dict, str]] = {}
        forbidden = False
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            if not forbidden:
                try:
                    result.calls += 1
                    answers = many(ids=chunk, force_refresh=force)
                except Forbidden:
                    forbidden = True
                    result.notes.append(f"Spotify refused the {kind} batch endpoint (Development Mode?): "
                                        "asking one by one")
                except ServiceError as error:
                    result.warnings.append(f"Spotify: {len(chunk)} {kind}s: {error}")
                    continue
                else:
                    for spotify_id, answer in zip(chunk, answers, strict=False):
                        if answer:
                            found[spotify_id] = (answer, f"spotify:GET /v1/{kind}s?ids={spotify_id}")
                        else:
                            result.warnings.append(f"Spotify has no {kind} {spotify_id}")
                    continue
            for spotify_id in chunk:
                try:
                    result.calls += 1
                    found[spotify_id] = (one(spotify_id, force), f"spotify:GET /v1/{kind}s/{spotify_id}")
                except ServiceError as error:
                    result.warnings.append(f"Spotify: {kind} {spotify_id}: {error}")
        return found


def _artist_facts(artist: Artist, detail: dict, evidence: str, confidence: float) -> list[FactDraft]:
    def fact(name: str, value, *, unavailable: bool = False) -> FactDraft:
        return FactDraft(ARTIST, artist.pk, name, value, confidence=confidence, evidence=(evidence,), kind="artist",
                         unavailable=unavailable)

    followers = (detail.get("followers") or {}).get("total")
    popularity = detail.get("popularity")
    facts = [fact("followers", followers, unavailable=followers is None),
             fact("popularity", popularity, unavailable=popularity is None)]
    genres = detail.get("genres")
    facts.append(fact("tags", [[genre, 100] for genre in genres or []], unavailable=genres is None))
    images = _images(detail)
    if images:
        facts.append(fact("images", images))
    return facts


def _album_facts(album: Album, detail: dict, evidence: str, confidence: float) -> list[FactDraft]:
    def fact(name: str, value, *, unavailable: bool = False) -> FactDraft:
        return FactDraft(ALBUM, album.pk, name, value, confidence=confidence, evidence=(evidence,), kind="album",
                         unavailable=unavailable)

    facts = []
    url = (detail.get("external_urls") or {}).get("spotify")
    if url:
        facts.append(fact("spotify_url", url))
    images = _images(detail)
    if images:
        facts.append(fact("images", images))
    label = (detail.get("label") or "").strip()
    facts.append(fact("label", label or None, unavailable=not label))  # a fact only: the label resolver links it
    return facts


def _images(detail: dict) -> list[dict]:
    return [{"url": i["url"], "width": i.get("width"), "height": i.get("height")}
            for i in detail.get("images") or [] if i.get("url")]


def _tracks_without_duration(albums: list[Album]) -> dict[int, list[Track]]:
    by_album: dict[int, list[Track]] = {}
    for track in Track.objects.filter(album__in=albums, duration_ms__isnull=True):
        by_album.setdefault(track.album_id, []).append(track)
    return by_album


def _duration_facts(tracks: list[Track], detail: dict, evidence: str, confidence: float) -> list[FactDraft]:
    """`duration_ms` for our tracks of this album that have none, matched by title to Spotify's tracklist
    (its first page: up to 50 tracks)."""
    durations = {}
    for item in (detail.get("tracks") or {}).get("items") or []:
        if item and item.get("duration_ms"):
            durations.setdefault(title_key(item.get("name") or ""), item["duration_ms"])
    return [FactDraft(TRACK, track.pk, "duration_ms", durations[track.title_key], confidence=confidence,
                      evidence=(evidence,), kind="album")
            for track in tracks if track.title_key in durations]


provider_register(SpotifyProvider())
