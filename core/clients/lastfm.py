"""Last.fm through pylast.

pylast always builds `https://<ws_server>` URLs with a fresh httpx2 client per request;
our transport (mounted for `https://`) rewrites the scheme to `LASTFM_API_URL`'s, sets our
User-Agent and timeout, keeps one connection pool alive across pylast's short-lived
clients, and turns HTTP 429 into an error that keeps its Retry-After (lastfm_transport.py).
pylast and httpx2 are imported where the network is built, so that a process that never
calls Last.fm does not carry them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from xml.dom.minidom import Document, Element

from django.conf import settings

from core.clients.base import client_cached, user_agent
from core.resilience import resilient_call
from core.resilience.services import service_timeout

if TYPE_CHECKING:
    import pylast

SERVICE = "lastfm"
T = TypeVar("T")


def _disable_pylast_retries() -> None:
    # pylast's pager retries transient errors 3 times, 1 s apart, inside one call; our
    # layer already retries with backoff, so its loop would multiply the attempts.
    import pylast

    pylast._can_retry = lambda exception: False


def lastfm_client() -> pylast.LastFMNetwork:
    return client_cached(service=SERVICE, settings_used=("LASTFM_API_KEY", "LASTFM_API_SECRET", "LASTFM_API_URL"),
                         build=lastfm_network_new)


def lastfm_network_new() -> pylast.LastFMNetwork:
    """A network of its own (not the cached reader's): the writes sign theirs with a session key."""
    import httpx2
    import pylast

    from core.clients.lastfm_transport import LastfmTransport

    _disable_pylast_retries()
    url = httpx2.URL(settings.LASTFM_API_URL)
    transport = LastfmTransport(scheme=url.scheme, timeout=service_timeout(service=SERVICE), agent=user_agent())
    network = pylast.LastFMNetwork(api_key=settings.LASTFM_API_KEY, api_secret=settings.LASTFM_API_SECRET,
                                   proxy={"https://": transport})
    host = f"{url.host}:{url.port}" if url.port else url.host
    network.ws_server = (host, url.path or "/2.0/")
    return network


def _text(parent: Document | Element, tag: str) -> str:
    nodes = parent.getElementsByTagName(tag)
    if not nodes or nodes[0].firstChild is None:
        return ""
    return nodes[0].firstChild.data.strip()


def _node_text(node: Element | None) -> str:
    if node is None or node.firstChild is None:
        return ""
    return "".join(child.data for child in node.childNodes if child.nodeType == child.TEXT_NODE).strip()


def _int(value: str) -> int | None:
    try:
        return int(value.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def _parsed(fetch: Callable[[], T]) -> Callable[[], T]:
    """`fetch`, with an answer that lacks Last.fm's elements (an HTML error page parses as XML
    too, and pylast then indexes an <lfm> that is not there) raised as a malformed answer."""
    def guarded() -> T:
        try:
            return fetch()
        except IndexError as exc:
            import pylast

            raise pylast.MalformedResponseError(lastfm_client(), exc) from exc
    return guarded


def lastfm_user_info(*, username: str | None = None, retries: int | None = None) -> dict:
    """user.getInfo: name, total scrobbles, registration time."""
    network = lastfm_client()
    user = network.get_user(username or settings.LASTFM_USERNAME)

    def fetch() -> dict:
        doc = user._request("user.getInfo", False)
        registered = doc.getElementsByTagName("registered")
        return {
            "name": _text(doc, "name"),
            "playcount": _int(_text(doc, "playcount")) or 0,
            "url": _text(doc, "url"),
            "registered_uts": _int(registered[0].getAttribute("unixtime")) if registered else None,
        }

    return resilient_call(SERVICE, _parsed(fetch), what=f"user {user.name}", retries=retries)


@dataclass
class RecentTracksPage:
    page: int
    total_pages: int
    total: int
    tracks: list[dict]


def lastfm_recent_tracks_page(*, page: int = 1, limit: int = 200, time_from: int | None = None,
                              time_to: int | None = None, username: str | None = None) -> RecentTracksPage:
    """One page of user.getRecentTracks; the now-playing entry has `played_at_uts=None`. Never cached."""
    network = lastfm_client()
    user = network.get_user(username or settings.LASTFM_USERNAME)
    params = {"user": user.name, "page": page, "limit": limit, "extended": 0}
    if time_from:
        params["from"] = time_from
    if time_to:
        params["to"] = time_to

    def fetch() -> RecentTracksPage:
        doc = user._request("user.getRecentTracks", False, params)
        root = doc.getElementsByTagName("recenttracks")[0]
        tracks = []
        for node in root.getElementsByTagName("track"):
            # One pass over the track's children: getElementsByTagName per field walks the subtree each time.
            fields = {child.tagName: child for child in node.childNodes if child.nodeType == child.ELEMENT_NODE}
            artist, album, date = fields.get("artist"), fields.get("album"), fields.get("date")
            tracks.append({
                "artist": _node_text(artist),
                "artist_mbid": artist.getAttribute("mbid") if artist else "",
                "title": _node_text(fields.get("name")),
                "mbid": _node_text(fields.get("mbid")),
                "album": _node_text(album),
                "album_mbid": album.getAttribute("mbid") if album else "",
                "url": _node_text(fields.get("url")),
                "now_playing": node.getAttribute("nowplaying") == "true",
                "played_at_uts": _int(date.getAttribute("uts")) if date else None,
            })
        return RecentTracksPage(page=_int(root.getAttribute("page")) or page,
                                total_pages=_int(root.getAttribute("totalPages")) or 0,
                                total=_int(root.getAttribute("total")) or 0, tracks=tracks)

    return resilient_call(SERVICE, _parsed(fetch), what=f"recent tracks page {page}")


@dataclass
class LovedTracksPage:
    page: int
    total_pages: int
    tracks: list[dict]


def lastfm_loved_tracks_page(*, page: int = 1, limit: int = 1000, username: str | None = None) -> LovedTracksPage:
    """One page of user.getLovedTracks (artist and title of each loved track). Never cached."""
    user = lastfm_client().get_user(username or settings.LASTFM_USERNAME)

    def fetch() -> LovedTracksPage:
        doc = user._request("user.getLovedTracks", False, {"user": user.name, "page": page, "limit": limit})
        root = doc.getElementsByTagName("lovedtracks")[0]
        tracks = []
        for node in root.getElementsByTagName("track"):
            artist = node.getElementsByTagName("artist")[0]
            tracks.append({"artist": _text(artist, "name"), "title": _text(node, "name")})
        return LovedTracksPage(page=_int(root.getAttribute("page")) or page,
                               total_pages=_int(root.getAttribute("totalPages")) or 0, tracks=tracks)

    return resilient_call(SERVICE, _parsed(fetch), what=f"loved tracks page {page}")


def lastfm_artist_info(*, name: str, username: str | None = None, force_refresh: bool = False) -> dict:
    """artist.getInfo in one request: listeners, plays, the user's plays, bio summary, tags."""
    network = lastfm_client()
    artist = network.get_artist(name)
    artist.username = username if username is not None else settings.LASTFM_USERNAME or None

    def fetch() -> dict:
        doc = artist._request("artist.getInfo", False)
        stats = doc.getElementsByTagName("stats")
        bio = doc.getElementsByTagName("bio")
        tags = doc.getElementsByTagName("tags")
        return {
            "name": _text(doc, "name"),
            "mbid": _text(doc, "mbid"),
            "url": _text(doc, "url"),
            "listeners": _int(_text(stats[0], "listeners")) if stats else None,
            "playcount": _int(_text(stats[0], "playcount")) if stats else None,
            "userplaycount": _int(_text(stats[0], "userplaycount")) if stats else None,
            "bio_summary": _text(bio[0], "summary") if bio else "",
            "tags": [_text(tag, "name") for tag in tags[0].getElementsByTagName("tag")] if tags else [],
        }

    return resilient_call(SERVICE, _parsed(fetch), what=f"artist {name}",
                          cache_key=f"artist.getInfo:{name}:{artist.username}", ttl_kind="artist",
                          force_refresh=force_refresh)


def lastfm_artist_similar(*, name: str, limit: int = 20, force_refresh: bool = False) -> list[dict]:
    artist = lastfm_client().get_artist(name)

    def fetch() -> list[dict]:
        return [{"name": item.item.get_name(), "match": float(item.match)} for item in artist.get_similar(limit=limit)]

    return resilient_call(SERVICE, _parsed(fetch), what=f"similar to {name}",
                          cache_key=f"artist.getSimilar:{name}:{limit}", ttl_kind="similar",
                          force_refresh=force_refresh)


def lastfm_artist_top_tags(*, name: str, limit: int = 10, force_refresh: bool = False) -> list[dict]:
    artist = lastfm_client().get_artist(name)

    def fetch() -> list[dict]:
        return [{"name": item.item.get_name(), "weight": int(item.weight)} for item in artist.get_top_tags(limit=limit)]

    return resilient_call(SERVICE, _parsed(fetch), what=f"tags of {name}",
                          cache_key=f"artist.getTopTags:{name}:{limit}", ttl_kind="tags", force_refresh=force_refresh)


def _children(parent: Element, tag: str) -> list[Element]:
    """Direct child elements named `tag` (getElementsByTagName would also find the tracks' own)."""
    return [child for child in parent.childNodes if child.nodeType == child.ELEMENT_NODE and child.tagName == tag]


def lastfm_album_info(*, artist: str, title: str, force_refresh: bool = False) -> dict:
    """album.getInfo: name, listeners, plays, cover sizes, tracks with durations (seconds), tags, wiki summary."""
    album = lastfm_client().get_album(artist, title)

    def fetch() -> dict:
        doc = album._request("album.getInfo", False)
        root = doc.getElementsByTagName("album")[0]
        fields = {child.tagName: child for child in root.childNodes if child.nodeType == child.ELEMENT_NODE}
        tracks, tags, wiki = fields.get("tracks"), fields.get("tags"), fields.get("wiki")
        return {
            "name": _node_text(fields.get("name")),
            "artist": _node_text(fields.get("artist")),
            "mbid": _node_text(fields.get("mbid")),
            "url": _node_text(fields.get("url")),
            "listeners": _int(_node_text(fields.get("listeners"))),
            "playcount": _int(_node_text(fields.get("playcount"))),
            "images": [{"size": node.getAttribute("size"), "url": _node_text(node)}
                       for node in _children(root, "image")],
            "tracks": [{"name": _text(node, "name"), "duration": _int(_text(node, "duration")),
                        "rank": _int(node.getAttribute("rank"))}
                       for node in (_children(tracks, "track") if tracks else [])],
            "tags": [_text(tag, "name") for tag in _children(tags, "tag")] if tags else [],
            "wiki_summary": _text(wiki, "summary") if wiki else "",
        }

    return resilient_call(SERVICE, _parsed(fetch), what=f"album {artist} – {title}",
                          cache_key=f"album.getInfo:{artist}:{title}", ttl_kind="album", force_refresh=force_refresh)
