"""Spotify as the user who connected their account: the Authorization Code flow through spotipy.

The playlist export needs three things: Spotify's login page (`spotify_authorize_url`), the code
→ tokens exchange (`spotify_code_exchange`), and a client built from the refresh token
(`spotify_user_client`), for which spotipy's `SpotifyOAuth` fetches access tokens as they expire.
As in core/clients/spotify.py: the token URL is SPOTIFY_AUTH_URL and the API prefix
SPOTIFY_API_URL (so tests point both at the fake Spotify); Spotify's login page is
SPOTIFY_AUTH_URL's host at `/authorize`; urllib3 retries are off; tokens stay in memory; every
call goes through `resilient_call` as the "spotify" service (one breaker, one set of figures).

Since February 2026 a Development-Mode app creates playlists with `POST /me/playlists` and
changes their items at `/playlists/{id}/items` (`/users/{id}/playlists` and
`/playlists/{id}/tracks` answer 403): spotipy 2.26's `current_user_playlist_create`,
`playlist_replace_items` and `playlist_add_items` call exactly those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import http_session
from core.resilience import BadResponse, NotConfigured, ServiceError, resilient_call
from core.resilience.services import service_timeout
from core.services.service_accounts import service_account_token, service_account_token_replace

if TYPE_CHECKING:
    import requests
    import spotipy
    from spotipy.oauth2 import SpotifyOAuth

SERVICE = "spotify"
SCOPE = "playlist-modify-private"
REQUIRED_SETTINGS = ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REDIRECT_URL")
ITEMS_PER_REQUEST = 100  # Spotify takes at most 100 items per PUT or POST /playlists/{id}/items


class NotConnected(ServiceError):
    """No Spotify account to act as: none connected on the settings page, no SPOTIFY_REFRESH_TOKEN."""


@dataclass(frozen=True)
class SpotifyConnection:
    """What connecting an account yields: its refresh token, and how Spotify names the account."""

    refresh_token: str
    account_name: str


def spotify_user_missing_settings() -> list[str]:
    """Names (never values) of the settings the export still needs."""
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]


def spotify_user_require_configured() -> None:
    if missing := spotify_user_missing_settings():
        raise NotConfigured(SERVICE, missing, label="Export to Spotify")


def spotify_authorize_url(*, state: str) -> str:
    """Spotify's login page, asking for the export's scope; it sends the user back with `state`."""
    spotify_user_require_configured()
    return _oauth(token_info=None, session=None).get_authorize_url(state=state)


def spotify_code_exchange(*, code: str) -> SpotifyConnection:
    """Trade the code Spotify sent back for tokens, and ask who the account is."""
    spotify_user_require_configured()
    client = _client(token_info=None)
    auth = client.auth_manager

    def exchange() -> dict:
        auth.get_access_token(code=code, as_dict=False, check_cache=False)
        return dict(auth.cache_handler.get_cached_token() or {})

    # A code is good for one exchange: trying it again after a failure could only be refused.
    token = resilient_call(SERVICE, exchange, what="authorization code", retries=0)
    if not token.get("refresh_token"):
        raise BadResponse(SERVICE, "Spotify sent no refresh token")
    me = spotify_me(client=client)
    return SpotifyConnection(refresh_token=token["refresh_token"],
                             account_name=me.get("display_name") or me.get("id") or "")


def spotify_user_client() -> spotipy.Spotify:
    """A client acting as the connected account: SPOTIFY_REFRESH_TOKEN, else the one stored.

    When Spotify hands out a new refresh token on a refresh, the stored one is replaced by it.
    """
    spotify_user_require_configured()
    if settings.SPOTIFY_REFRESH_TOKEN:
        refresh_token, on_rotation = settings.SPOTIFY_REFRESH_TOKEN, None
    else:
        refresh_token = service_account_token(service=SERVICE)
        on_rotation = _store_rotated_token
        if refresh_token is None:
            raise NotConnected(SERVICE, "No Spotify account is connected (or its saved token no longer opens since "
                                        "SECRET_KEY changed): connect it on the settings page")
    # Expired from the start: the first call gets an access token from the refresh token.
    token_info = {"access_token": "", "token_type": "Bearer", "expires_in": 0, "expires_at": 0,
                  "refresh_token": refresh_token, "scope": SCOPE}
    return _client(token_info=token_info, on_rotation=on_rotation)


def _store_rotated_token(refresh_token: str) -> None:
    service_account_token_replace(service=SERVICE, refresh_token=refresh_token)


def _answer(result, what: str):
    # spotipy returns None instead of raising when a body is not JSON.
    if result is None:
        raise BadResponse(SERVICE, f"Spotify sent an unreadable answer for {what}")
    return result


def spotify_me(*, client: spotipy.Spotify) -> dict:
    """The connected account's profile (`id`, `display_name`)."""
    return resilient_call(SERVICE, lambda: _answer(client.me(), "the account"), what="the connected account")


def spotify_playlist_create(*, client: spotipy.Spotify, name: str, description: str) -> dict:
    """A new private playlist of the connected account (POST /me/playlists)."""
    return resilient_call(
        SERVICE,
        lambda: _answer(client.current_user_playlist_create(name, public=False, description=description),
                        "the new playlist"),
        what=f"create playlist {name!r}",
    )


def spotify_playlist_details_set(*, client: spotipy.Spotify, playlist_id: str, name: str, description: str) -> None:
    """Name, description and privacy of a playlist; `NotFound` when it is gone."""
    # Spotify answers 200 with an empty body, which spotipy returns as None.
    resilient_call(SERVICE, lambda: client.playlist_change_details(playlist_id, name=name, public=False,
                                                                   description=description),
                   what=f"playlist {playlist_id}")


def spotify_playlist_items_set(*, client: spotipy.Spotify, playlist_id: str, track_ids: list[str]) -> None:
    """Make the playlist hold exactly these tracks, in order: one replace, then adds of 100."""
    first, rest = track_ids[:ITEMS_PER_REQUEST], track_ids[ITEMS_PER_REQUEST:]
    resilient_call(SERVICE, lambda: _answer(client.playlist_replace_items(playlist_id, first), "the items"),
                   what=f"items of playlist {playlist_id}")
    for start in range(0, len(rest), ITEMS_PER_REQUEST):
        chunk = rest[start:start + ITEMS_PER_REQUEST]
        resilient_call(SERVICE, lambda chunk=chunk: _answer(client.playlist_add_items(playlist_id, chunk), "the items"),
                       what=f"items {ITEMS_PER_REQUEST + start + 1}+ of playlist {playlist_id}")


def _authorize_page_url() -> str:
    return settings.SPOTIFY_AUTH_URL.rstrip("/").removesuffix("/api/token") + "/authorize"


def _oauth(*, token_info: dict | None, session: requests.Session | None,
           on_rotation: Callable[[str], None] | None = None) -> SpotifyOAuth:
    from spotipy.cache_handler import MemoryCacheHandler
    from spotipy.oauth2 import SpotifyOAuth

    class TokenMemory(MemoryCacheHandler):
        """Tokens in memory only; a refresh token Spotify replaced is handed to `on_rotation`."""

        def save_token_to_cache(self, new_info):
            previous = (self.token_info or {}).get("refresh_token")
            super().save_token_to_cache(new_info)
            rotated = (new_info or {}).get("refresh_token")
            if on_rotation is not None and previous and rotated and rotated != previous:
                on_rotation(rotated)

    auth = SpotifyOAuth(
        client_id=settings.SPOTIFY_CLIENT_ID,
        client_secret=settings.SPOTIFY_CLIENT_SECRET,
        redirect_uri=settings.SPOTIFY_REDIRECT_URL,
        scope=SCOPE,
        cache_handler=TokenMemory(token_info=token_info),
        requests_session=session or http_session(),
        requests_timeout=service_timeout(service=SERVICE),
        open_browser=False,
    )
    auth.OAUTH_TOKEN_URL = settings.SPOTIFY_AUTH_URL
    auth.OAUTH_AUTHORIZE_URL = _authorize_page_url()
    return auth


def _client(*, token_info: dict | None, on_rotation: Callable[[str], None] | None = None) -> spotipy.Spotify:
    import spotipy

    session = http_session()
    auth = _oauth(token_info=token_info, session=session, on_rotation=on_rotation)
    client = spotipy.Spotify(auth_manager=auth, requests_session=session,
                             requests_timeout=service_timeout(service=SERVICE), retries=0, status_retries=0)
    client.prefix = settings.SPOTIFY_API_URL.rstrip("/") + "/"
    return client
