"""Apify's `run-sync-get-dataset-items` for the monthly-listeners actor, through requests.

The token travels in the `Authorization` header, not the query string, so it never
shows up in a URL that a proxy or urllib3 might log. Runs over 300 s answer 408.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import client_cached, http_session, timeout_pair
from core.resilience import BadResponse, resilient_call

if TYPE_CHECKING:
    import requests

SERVICE = "apify"


def apify_client() -> requests.Session:
    def build() -> requests.Session:
        session = http_session()
        session.headers["Authorization"] = f"Bearer {settings.APIFY_TOKEN}"
        return session

    return client_cached(service=SERVICE, settings_used=("APIFY_TOKEN", "APIFY_API_URL"), build=build)


def _url(path: str) -> str:
    return f"{settings.APIFY_API_URL.rstrip('/')}/{path.lstrip('/')}"


def apify_me(*, retries: int | None = None) -> dict:
    """The account the token belongs to (GET /users/me): a cheap call for the connection test."""

    def fetch() -> dict:
        response = apify_client().get(_url("users/me"), timeout=timeout_pair(service=SERVICE))
        response.raise_for_status()
        data = response.json().get("data")
        if not isinstance(data, dict):
            raise BadResponse(SERVICE, "Apify answer has no data")
        return {"username": data.get("username", ""), "plan": (data.get("plan") or {}).get("id", "")}

    return resilient_call(SERVICE, fetch, what="account", retries=retries)


def apify_monthly_listeners(*, spotify_ids: list[str], force_refresh: bool = False,
                            retries: int | None = None) -> dict[str, int]:
    """Monthly listeners by Spotify artist id, one actor run for all of them; absent ids are unknown."""
    ids = sorted({sid for sid in spotify_ids if sid})
    if not ids:
        return {}

    def fetch() -> dict[str, int]:
        response = apify_client().post(
            _url(f"acts/{settings.APIFY_ACTOR}/run-sync-get-dataset-items"),
            json={"startUrls": [{"url": f"https://open.spotify.com/artist/{sid}"} for sid in ids]},
            timeout=timeout_pair(service=SERVICE),
        )
        response.raise_for_status()
        items = response.json()
        if not isinstance(items, list):
            raise BadResponse(SERVICE, "Apify dataset is not a list")
        found: dict[str, int] = {}
        for item in items:
            if not isinstance(item, dict):
                continue
            artist_id, listeners = item.get("artist_id"), item.get("monthlyListeners")
            if isinstance(artist_id, str) and isinstance(listeners, (int, float)) and not isinstance(listeners, bool):
                found[artist_id] = int(listeners)
        return found

    return resilient_call(SERVICE, fetch, what=f"monthly listeners of {len(ids)} artists",
                          cache_key=f"monthly_listeners:{','.join(ids)}", ttl_kind="monthly_listeners",
                          force_refresh=force_refresh, retries=retries)
