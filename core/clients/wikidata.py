"""Wikidata's SPARQL endpoint through requests: one query at a time, descriptive User-Agent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from core.clients.base import client_cached, http_session, timeout_pair
from core.resilience import BadResponse, resilient_call

if TYPE_CHECKING:
    import requests

SERVICE = "wikidata"


def wikidata_client() -> requests.Session:
    def build() -> requests.Session:
        session = http_session()
        session.headers["Accept"] = "application/sparql-results+json"
        return session

    return client_cached(service=SERVICE, settings_used=("WIKIDATA_SPARQL_URL",), build=build)


def _query(query: str) -> dict:
    response = wikidata_client().get(settings.WIKIDATA_SPARQL_URL, params={"format": "json", "query": query},
                                     timeout=timeout_pair(service=SERVICE))
    response.raise_for_status()
    try:
        return response.json()
    except ValueError:
        raise BadResponse(SERVICE, f"Wikidata sent an unreadable answer (HTTP {response.status_code})") from None


def wikidata_select(*, query: str, ttl_kind: str = "default", force_refresh: bool = False,
                    retries: int | None = None) -> list[dict[str, str]]:
    """Rows of a SELECT query as `{variable: value}`; unbound OPTIONAL variables are absent."""

    def fetch() -> list[dict[str, str]]:
        bindings = _query(query).get("results", {}).get("bindings")
        if not isinstance(bindings, list):
            raise BadResponse(SERVICE, "Wikidata answer has no results.bindings")
        return [{name: cell.get("value", "") for name, cell in row.items()} for row in bindings]

    return resilient_call(SERVICE, fetch, what="SPARQL select", cache_key=f"select:{query}", ttl_kind=ttl_kind,
                          force_refresh=force_refresh, retries=retries)


def wikidata_ask(*, query: str, retries: int | None = None) -> bool:
    def fetch() -> bool:
        answer = _query(query)
        if not isinstance(answer.get("boolean"), bool):
            raise BadResponse(SERVICE, "Wikidata ASK answer has no boolean")
        return answer["boolean"]

    return resilient_call(SERVICE, fetch, what="SPARQL ask", retries=retries)


def wikidata_artists_by_spotify_id_query(*, spotify_ids: list[str]) -> str:
    """The query behind the label/management facts: one row per (artist, label, manager)."""
    values = " ".join(f'"{sid}"' for sid in spotify_ids if sid.isalnum())
    return (
        "SELECT ?item ?itemLabel ?spotifyId ?mbid ?discogsId ?officialWebsite ?manager ?managerLabel "
        "?recordLabel ?recordLabelLabel WHERE {\n"
        f"  VALUES ?spotifyId {{ {values} }}\n"
        "  ?item wdt:P1902 ?spotifyId .\n"
        "  OPTIONAL { ?item wdt:P434 ?mbid }\n"
        "  OPTIONAL { ?item wdt:P1953 ?discogsId }\n"
        "  OPTIONAL { ?item wdt:P856 ?officialWebsite }\n"
        "  OPTIONAL { ?item wdt:P1875 ?manager }\n"
        "  OPTIONAL { ?item wdt:P264 ?recordLabel }\n"
        '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }\n'
        "}"
    )


# Profile ids Wikidata holds for an artist, by the variable the artists query binds them to.
ARTIST_LINK_PROPERTIES = {
    "soundcloud": "P3040",  # SoundCloud ID
    "bandcamp": "P3283",  # Bandcamp profile ID
    "facebook": "P2013",  # Facebook username
    "instagram": "P2003",  # Instagram username
    "twitter": "P2002",  # X username
    "youtube": "P2397",  # YouTube channel ID
}


def wikidata_artists_query(*, spotify_ids: list[str] = (), mbids: list[str] = (), discogs_ids: list[str] = ()) -> str:
    """Artists matched by Spotify (P1902), MusicBrainz (P434) or Discogs (P1953) id, one UNION branch per
    kind of id; one row per combination of manager, record label and profile id (all OPTIONAL).
    "" when no well-formed id is given."""
    branches = []
    for variable, prop, values in (("spotifyId", "P1902", [v for v in spotify_ids if v.isalnum()]),
                                   ("mbid", "P434", [v for v in mbids if v.replace("-", "").isalnum()]),
                                   ("discogsId", "P1953", [v for v in discogs_ids if v.isdigit()])):
        if values:
            quoted = " ".join(f'"{value}"' for value in values)
            branches.append(f"{{ VALUES ?{variable} {{ {quoted} }} ?item wdt:{prop} ?{variable} . }}")
    if not branches:
        return ""
    links = "".join(f"  OPTIONAL {{ ?item wdt:{prop} ?{name} }}\n" for name, prop in ARTIST_LINK_PROPERTIES.items())
    return (
        "SELECT ?item ?spotifyId ?mbid ?discogsId ?officialWebsite ?manager ?managerLabel ?recordLabel "
        f"?recordLabelLabel ?{' ?'.join(ARTIST_LINK_PROPERTIES)} WHERE {{\n"
        f"  {' UNION '.join(branches)}\n"
        "  OPTIONAL { ?item wdt:P856 ?officialWebsite }\n"
        "  OPTIONAL { ?item wdt:P1875|wdt:P1037 ?manager }\n"  # represented by | director/manager
        "  OPTIONAL { ?item wdt:P264 ?recordLabel }\n"
        f"{links}"
        '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }\n'
        "}"
    )


def wikidata_artists(*, spotify_ids: list[str] = (), mbids: list[str] = (), discogs_ids: list[str] = (),
                     force_refresh: bool = False) -> list[dict[str, str]]:
    """The rows of `wikidata_artists_query` for these ids, cached as management facts; [] when no id is given."""
    query = wikidata_artists_query(spotify_ids=spotify_ids, mbids=mbids, discogs_ids=discogs_ids)
    if not query:
        return []
    return wikidata_select(query=query, ttl_kind="management", force_refresh=force_refresh)
