"""Discogs through python3-discogs-client, with the user's personal token.

The library's own 429 loop (up to 100 tries with exponential sleeps) is turned off;
`core.resilience` paces Discogs at 60 requests a minute across processes instead.
Models are lazy (an attribute read can fetch), so every helper reads what it needs
inside the guarded call and returns plain data. The library is imported where it is used,
so that a process that never calls Discogs does not carry it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import client_cached, timeout_pair, user_agent
from core.resilience import resilient_call

if TYPE_CHECKING:
    import discogs_client

SERVICE = "discogs"
MAX_PER_PAGE = 100


def discogs_client_get() -> discogs_client.Client:
    return client_cached(service=SERVICE, settings_used=("DISCOGS_TOKEN", "DISCOGS_API_URL"), build=_build)


class _ErrorsWithMessage:
    """discogs_client reads `message` from every error body; a body without one (a proxy's 5xx, say)
    raised a KeyError that no caller could tell from a bug. Such a body gets a message here."""

    def __init__(self, fetcher):
        object.__setattr__(self, "fetcher", fetcher)

    def __getattr__(self, name):  # the library's settings (timeouts, backoff) live on its fetcher
        return getattr(self.fetcher, name)

    def __setattr__(self, name, value):
        setattr(self.fetcher, name, value)

    def fetch(self, client, method, url, data=None, headers=None, **kwargs):
        content, status = self.fetcher.fetch(client, method, url, data=data, headers=headers, **kwargs)
        if not 200 <= status < 300 and status != 204:
            try:
                body = json.loads(content)
            except (ValueError, UnicodeDecodeError):
                return content, status  # not JSON: the library reports it as malformed
            if not isinstance(body, dict) or "message" not in body:
                return json.dumps({"message": f"HTTP {status} without a message"}).encode(), status
        return content, status


def _build() -> discogs_client.Client:
    import discogs_client

    client = discogs_client.Client(user_agent(), user_token=settings.DISCOGS_TOKEN)
    client._base_url = settings.DISCOGS_API_URL.rstrip("/")
    client._fetcher = _ErrorsWithMessage(client._fetcher)
    client.backoff_enabled = False
    connect, read = timeout_pair(service=SERVICE)
    client.set_timeout(connect=connect, read=read)
    return client


def discogs_identity(*, retries: int | None = None) -> dict:
    """Who the token belongs to (GET /oauth/identity)."""
    client = discogs_client_get()

    def fetch() -> dict:
        user = client.identity()
        return {"id": user.id, "username": user.username}

    return resilient_call(SERVICE, fetch, what="identity", retries=retries)


def discogs_user(*, username: str | None = None, retries: int | None = None) -> dict:
    client = discogs_client_get()
    name = username or settings.DISCOGS_USERNAME

    def fetch() -> dict:
        user = client.user(name)
        user.refresh()
        return {"id": user.id, "username": user.username, "num_collection": user.num_collection,
                "num_wantlist": user.num_wantlist, "url": user.url}

    return resilient_call(SERVICE, fetch, what=f"user {name}", retries=retries)


def discogs_collection_page(*, page: int = 1, per_page: int = MAX_PER_PAGE, folder_id: int = 0,
                            username: str | None = None) -> dict:
    """One page of a collection folder (0 = All): `{"pagination": {...}, "items": [...]}`."""
    from discogs_client.models import CollectionItemInstance, PaginatedList

    client = discogs_client_get()
    name = username or settings.DISCOGS_USERNAME
    releases = PaginatedList(
        client, f"{client._base_url}/users/{name}/collection/folders/{folder_id}/releases", "releases",
        CollectionItemInstance,
    )
    releases.per_page = min(per_page, MAX_PER_PAGE)

    def fetch() -> dict:
        data = client._get(releases._url_for_page(page))
        items = []
        for raw in data["releases"]:
            item = CollectionItemInstance(client, raw)
            items.append({
                "release_id": item.id,
                "instance_id": item.instance_id,
                "folder_id": item.folder_id,
                "rating": item.rating,
                "date_added": item.date_added,
                "notes": raw.get("notes", []),
                "basic_information": raw.get("basic_information", {}),
            })
        pagination = data.get("pagination", {})
        return {"pagination": {"page": pagination.get("page", page), "pages": pagination.get("pages", 0),
                               "items": pagination.get("items", 0), "per_page": pagination.get("per_page")},
                "items": items}

    return resilient_call(SERVICE, fetch, what=f"collection page {page}")


def discogs_release(*, release_id: int, force_refresh: bool = False) -> dict:
    client = discogs_client_get()

    def fetch() -> dict:
        release = client.release(release_id)
        release.refresh()
        return {
            "id": release.id,
            "title": release.title,
            "year": release.year,
            "artists": [{"id": artist.id, "name": artist.name} for artist in release.artists],
            "labels": [{"id": label.id, "name": label.name} for label in release.labels],
            "formats": release.formats,
            "genres": release.genres,
            "styles": release.styles,
            "tracklist": [{"position": t.position, "title": t.title, "duration": t.duration}
                          for t in release.tracklist],
            "data": release.data,
        }

    return resilient_call(SERVICE, fetch, what=f"release {release_id}", cache_key=f"release:{release_id}",
                          ttl_kind="album", force_refresh=force_refresh)


def discogs_collection_folders(*, username: str | None = None) -> list[dict]:
    """The user's collection folders: `[{"id", "name", "count"}]` (folder 0 is "All")."""
    client = discogs_client_get()
    name = username or settings.DISCOGS_USERNAME

    def fetch() -> list[dict]:
        data = client._get(f"{client._base_url}/users/{name}/collection/folders")
        return [{"id": f.get("id"), "name": f.get("name", ""), "count": f.get("count", 0)}
                for f in data.get("folders", [])]

    return resilient_call(SERVICE, fetch, what="collection folders")


def discogs_collection_fields(*, username: str | None = None) -> list[dict]:
    """The user's collection note fields: `[{"id", "name", "type"}]` (Media Condition, Notes…)."""
    client = discogs_client_get()
    name = username or settings.DISCOGS_USERNAME

    def fetch() -> list[dict]:
        data = client._get(f"{client._base_url}/users/{name}/collection/fields")
        return [{"id": f.get("id"), "name": f.get("name", ""), "type": f.get("type", "")}
                for f in data.get("fields", [])]

    return resilient_call(SERVICE, fetch, what="collection fields")


def discogs_artist_releases(*, artist_id: int, per_page: int = MAX_PER_PAGE, force_refresh: bool = False) -> list[dict]:
    """An artist's releases and masters, newest first, one page of up to 100 (GET /artists/{id}/releases):
    `[{"id", "type", "title", "year", "label", "role"}]`; `role` is "Main" for the artist's own records,
    "Appearance"/"TrackAppearance" for others'; masters may have no `label`."""
    client = discogs_client_get()
    per_page = min(per_page, MAX_PER_PAGE)

    def fetch() -> list[dict]:
        data = client._get(f"{client._base_url}/artists/{artist_id}/releases"
                           f"?sort=year&sort_order=desc&page=1&per_page={per_page}")
        return [{"id": r.get("id"), "type": r.get("type", ""), "title": r.get("title", ""), "year": r.get("year"),
                 "label": r.get("label", ""), "role": r.get("role", "")}
                for r in data.get("releases", []) if isinstance(r, dict)]

    return resilient_call(SERVICE, fetch, what=f"releases of artist {artist_id}",
                          cache_key=f"artist_releases:{artist_id}:{per_page}", ttl_kind="labels",
                          force_refresh=force_refresh)
