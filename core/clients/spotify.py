"""Spotify through spotipy, client-credentials flow (no user login).

spotipy's own urllib3 retry loop is off (our session has `max_retries=0`), its token is
kept in memory (no `.cache` file), and the token and API URLs come from settings.
A Development-Mode app gets 403 from the batch endpoints: `spotify_artists` raises
`Forbidden`, and callers fall back to `spotify_artist` one by one.
spotipy (which brings redis along) is imported where the client is built, so that a process
that never calls Spotify does not carry it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import client_cached, http_session
from core.resilience import BadResponse, resilient_call
from core.resilience.services import service_timeout

if TYPE_CHECKING:
    import spotipy

SERVICE = "spotify"
BATCH_ARTISTS = 50
BATCH_ALBUMS = 20


def spotify_client() -> spotipy.Spotify:
    return client_cached(
        service=SERVICE,
        settings_used=("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_API_URL", "SPOTIFY_AUTH_URL"),
        build=_build,
    )


def _build() -> spotipy.Spotify:
    import spotipy
    from spotipy.cache_handler import MemoryCacheHandler
    from spotipy.oauth2 import SpotifyClientCredentials

    timeout = service_timeout(service=SERVICE)
    session = http_session()
    auth = SpotifyClientCredentials(
        client_id=settings.SPOTIFY_CLIENT_ID,
        client_secret=settings.SPOTIFY_CLIENT_SECRET,
        cache_handler=MemoryCacheHandler(),
        requests_session=session,
        requests_timeout=timeout,
    )
    auth.OAUTH_TOKEN_URL = settings.SPOTIFY_AUTH_URL
    client = spotipy.Spotify(auth_manager=auth, requests_session=session, requests_timeout=timeout,
                             retries=0, status_retries=0)
    client.prefix = settings.SPOTIFY_API_URL.rstrip("/") + "/"
    return client


def _answer(result, what: str):
    # spotipy returns None instead of raising when a body is not JSON.
    if result is None:
        raise BadResponse(SERVICE, f"Spotify sent an unreadable answer for {what}")
    return result


def spotify_token_check() -> None:
    """Ask for a client-credentials token (forces a fresh one)."""
    auth = spotify_client().auth_manager

    def fetch() -> None:
        auth.cache_handler.save_token_to_cache(None)
        auth.get_access_token(as_dict=False, check_cache=False)

    resilient_call(SERVICE, fetch, what="token", retries=0)


def spotify_search(*, query: str, kind: str = "artist", limit: int = 5, retries: int | None = None,
                   force_refresh: bool = False) -> list[dict]:
    """Search items of one kind ("artist", "album", "track")."""
    client = spotify_client()

    def fetch() -> list[dict]:
        found = _answer(client.search(q=query, type=kind, limit=limit), "search")
        return found[f"{kind}s"]["items"]

    return resilient_call(SERVICE, fetch, what=f"search {kind} {query!r}", cache_key=f"search:{kind}:{query}:{limit}",
                          ttl_kind="search", retries=retries, force_refresh=force_refresh)


def spotify_artists(*, ids: list[str], force_refresh: bool = False) -> list[dict | None]:
    """Full artists by id, 50 per request; an unknown id yields None in place. 403 → `Forbidden`."""
    client = spotify_client()
    found: list[dict | None] = []
    for start in range(0, len(ids), BATCH_ARTISTS):
        chunk = ids[start:start + BATCH_ARTISTS]
        found += resilient_call(SERVICE, lambda chunk=chunk: _answer(client.artists(chunk), "artists")["artists"],
                                what=f"{len(chunk)} artists", cache_key=f"artists:{','.join(chunk)}",
                                ttl_kind="artist", force_refresh=force_refresh)
    return found


def spotify_artist(*, artist_id: str, force_refresh: bool = False) -> dict:
    client = spotify_client()
    return resilient_call(SERVICE, lambda: _answer(client.artist(artist_id), "artist"), what=artist_id,
                          cache_key=f"artist:{artist_id}", ttl_kind="artist", force_refresh=force_refresh)


def spotify_albums(*, ids: list[str], force_refresh: bool = False) -> list[dict | None]:
    client = spotify_client()
    found: list[dict | None] = []
    for start in range(0, len(ids), BATCH_ALBUMS):
        chunk = ids[start:start + BATCH_ALBUMS]
        found += resilient_call(SERVICE, lambda chunk=chunk: _answer(client.albums(chunk), "albums")["albums"],
                                what=f"{len(chunk)} albums", cache_key=f"albums:{','.join(chunk)}",
                                ttl_kind="album", force_refresh=force_refresh)
    return found


def spotify_album(*, album_id: str, force_refresh: bool = False) -> dict:
    """One full album (the Development-Mode fallback for `spotify_albums`)."""
    client = spotify_client()
    return resilient_call(SERVICE, lambda: _answer(client.album(album_id), "album"), what=album_id,
                          cache_key=f"album:{album_id}", ttl_kind="album", force_refresh=force_refresh)


def spotify_artist_albums(*, artist_id: str, include_groups: str = "album,single", page_size: int = 50,
                          max_pages: int = 20, force_refresh: bool = False) -> list[dict]:
    """Every album of an artist, following `next` links page by page (each page one guarded, cached call)."""
    client = spotify_client()
    key = f"artist-albums:{artist_id}:{include_groups}:{page_size}"
    page = resilient_call(
        SERVICE,
        lambda: _answer(client.artist_albums(artist_id, include_groups=include_groups, limit=page_size), "albums"),
        what=f"albums of {artist_id}", cache_key=f"{key}:0", ttl_kind="album", force_refresh=force_refresh,
    )
    items = list(page["items"])
    for _ in range(max_pages - 1):
        if not page.get("next"):
            break
        current = page
        page = resilient_call(SERVICE, lambda: _answer(client.next(current), "next page"),
                              what=f"albums of {artist_id} from {len(items)}", cache_key=f"{key}:{len(items)}",
                              ttl_kind="album", force_refresh=force_refresh)
        items += page["items"]
    return items
