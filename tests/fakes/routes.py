"""The fake services' default routes, built from the fixture payloads.

Each service checks credentials the way the real one does (Last.fm `api_key` in the
form, Spotify Basic auth then a Bearer token, Discogs `?token=`, Apify and the AI
endpoint a Bearer header) and refuses them when they differ or `reject_auth` was set.
"""

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.fakes.server import FakeServices, RecordedRequest, Reply

LASTFM_ARTISTS = {"radiohead"}
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")


def install_default_routes(fake: FakeServices) -> None:
    _lastfm(fake)
    _spotify(fake)
    _discogs(fake)
    _wikidata(fake)
    _apify(fake)
    _ai(fake)


# --- Last.fm ------------------------------------------------------------------------------
@dataclass
class FakeLastfmUser:
    """The one account a user can connect to the fake Last.fm for writing, and what it was sent.

    Tests reach it as `fake.lastfm_user`. The web auth page (`/lastfm/api/auth/`) hands out `token`
    and sends the browser to the `cb` it was given; auth.getSession trades that token, once, for
    the session key of `lastfm/xml/auth.getSession.xml`. `scrobbles` holds what track.scrobble
    accepted (dicts of artist, track, album, timestamp); once it holds any, user.getRecentTracks
    answers them, newest first, as Last.fm shows a user's own scrobbles. `ignore` maps a track
    title to the (code, message) of the `ignoredMessage` Last.fm would answer for it.
    """

    name: str
    session_key: str
    token: str = "5c8e1d4b9f0a2e7c6b3d8f1a4e9c2b70"
    authorized: bool = False  # the user agreed on the web auth page
    token_used: bool = False
    callback: str = ""
    scrobbles: list[dict] = field(default_factory=list)
    ignore: dict[str, tuple[str, str]] = field(default_factory=dict)


def _lastfm_signature_ok(request: RecordedRequest, secret: str) -> bool:
    """Last.fm's `api_sig`: the md5 of every parameter but `format` and `callback`, sorted by
    name, as name then value, followed by the shared secret."""
    import hashlib

    params = {key: values[0] for key, values in request.form.items() if key not in ("api_sig", "format", "callback")}
    expected = hashlib.md5(("".join(f"{k}{params[k]}" for k in sorted(params)) + secret).encode()).hexdigest()
    return request.param("api_sig") == expected


def _lastfm_failed(code: str, message: str) -> Reply:
    return Reply(body=f'<?xml version="1.0" encoding="UTF-8"?>\n<lfm status="failed">\n'
                      f'<error code="{code}">{message}</error>\n</lfm>\n', content_type="text/xml; charset=utf-8")


def _lastfm_scrobble_answer(fake: FakeServices, user: FakeLastfmUser, request: RecordedRequest) -> Reply:
    """track.scrobble: up to 50 scrobbles as `artist[i]`, `track[i]`, `timestamp[i]`…; one
    `<scrobble>` each in the answer, shaped as `lastfm/xml/track.scrobble.xml`'s."""
    from xml.dom import minidom

    indexes = sorted(int(m[1]) for key in request.form if (m := re.fullmatch(r"timestamp\[(\d+)\]", key)))
    if not indexes or len(indexes) > 50 or any(not request.param(f"{name}[{i}]") for i in indexes
                                               for name in ("artist", "track")):
        return _lastfm_failed("6", "Invalid parameters - Your request is missing a required parameter")
    doc = minidom.parseString(fake.fixture_text("lastfm/xml/track.scrobble.xml"))
    root = doc.getElementsByTagName("scrobbles")[0]
    template = root.getElementsByTagName("scrobble")[0]
    for node in list(root.getElementsByTagName("scrobble")):
        root.removeChild(node)
    accepted = ignored = 0
    for i in indexes:
        sent = {name: request.param(f"{name}[{i}]")
                for name in ("artist", "track", "album", "albumArtist", "timestamp")}
        code, message = user.ignore.get(sent["track"], ("0", ""))
        node = template.cloneNode(deep=True)
        for tag, value in (("track", sent["track"]), ("artist", sent["artist"]), ("album", sent["album"]),
                           ("albumArtist", sent["albumArtist"]), ("timestamp", sent["timestamp"]),
                           ("ignoredMessage", message)):
            element = node.getElementsByTagName(tag)[0]
            while element.firstChild:
                element.removeChild(element.firstChild)
            if value:
                element.appendChild(doc.createTextNode(value))
        node.getElementsByTagName("ignoredMessage")[0].setAttribute("code", code)
        root.appendChild(node)
        if code == "0":
            accepted += 1
            user.scrobbles.append(sent)
        else:
            ignored += 1
    root.setAttribute("accepted", str(accepted))
    root.setAttribute("ignored", str(ignored))
    return Reply(body=doc.toxml(encoding="UTF-8"), content_type="text/xml; charset=utf-8")


def _lastfm_recent_from_scrobbles(user: FakeLastfmUser, request: RecordedRequest) -> Reply:
    """user.getRecentTracks over what the account scrobbled (`from` / `to` honoured), one page."""
    from xml.sax.saxutils import escape, quoteattr

    def within(scrobble: dict) -> bool:
        moment = int(scrobble["timestamp"])
        return (not request.param("from") or moment >= int(request.param("from"))) and (
            not request.param("to") or moment <= int(request.param("to")))

    def text_date(moment: int) -> str:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(moment, tz=UTC).strftime("%d %b %Y, %H:%M")

    shown = sorted((s for s in user.scrobbles if within(s)), key=lambda s: -int(s["timestamp"]))
    tracks = "".join(
        f'<track><artist mbid="">{escape(s["artist"])}</artist><name>{escape(s["track"])}</name>'
        f'<streamable>0</streamable><mbid></mbid><album mbid="">{escape(s["album"])}</album>'
        f'<url>https://www.last.fm/music/_/_</url><date uts={quoteattr(s["timestamp"])}>'
        f'{text_date(int(s["timestamp"]))}</date></track>\n' for s in shown)
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<lfm status="ok">\n<recenttracks user={quoteattr(user.name)} '
            f'page="1" perPage="200" totalPages="{1 if shown else 0}" total="{len(shown)}">\n{tracks}'
            f'</recenttracks>\n</lfm>\n')
    return Reply(body=body, content_type="text/xml; charset=utf-8")


def _lastfm(fake: FakeServices) -> None:
    session = fake.fixture_text("lastfm/xml/auth.getSession.xml")
    user = FakeLastfmUser(name=re.search(r"<name>(.*?)</name>", session)[1],
                          session_key=re.search(r"<key>(.*?)</key>", session)[1])
    fake.lastfm_user = user

    def error(request: RecordedRequest, name: str, status: int = 200) -> Reply:
        if request.param("format") == "json":
            return fake.fixture_reply(f"lastfm/{name}.json", status=status)
        return fake.fixture_reply(f"lastfm/xml/{name}.xml", status=status)

    def signed(request: RecordedRequest) -> Reply | None:
        """The refusal of a request that must be signed (and made as the user, with `sk`), if any."""
        if request.method != "POST" or not _lastfm_signature_ok(request, fake.credentials["lastfm_api_secret"]):
            return _lastfm_failed("13", "Invalid method signature supplied")
        return None

    def answer(request: RecordedRequest, match) -> Reply:
        if fake.is_rejected("lastfm") or request.param("api_key") != fake.credentials["lastfm_api_key"]:
            return error(request, "error.invalid_api_key", status=403)
        method = request.param("method").lower()
        as_json = request.param("format") == "json"
        if method == "auth.getsession":
            if refused := signed(request):
                return refused
            if request.param("token") != user.token or user.token_used:
                return _lastfm_failed("4", "Invalid authentication token supplied")
            if not user.authorized:
                return _lastfm_failed("14", "Unauthorized Token - This token has not been authorized")
            user.token_used = True
            return fake.fixture_reply("lastfm/xml/auth.getSession.xml")
        if method == "track.scrobble":
            if refused := signed(request):
                return refused
            if request.param("sk") != user.session_key:
                return _lastfm_failed("9", "Invalid session key - Please re-authenticate")
            return _lastfm_scrobble_answer(fake, user, request)
        if method == "user.getinfo":
            if request.param("user").casefold() != fake.credentials["lastfm_username"].casefold():
                return error(request, "error.not_found")
            return fake.fixture_reply("lastfm/xml/user.getInfo.xml")
        if method == "user.getrecenttracks":
            if user.scrobbles and not as_json:
                return _lastfm_recent_from_scrobbles(user, request)
            page = "2" if request.param("page", "1") == "2" else "1"
            name = f"user.getRecentTracks.page{page}"
            return fake.fixture_reply(f"lastfm/{name}.json" if as_json else f"lastfm/xml/{name}.xml")
        if method in ("artist.getinfo", "artist.getsimilar", "artist.gettoptags"):
            if request.param("artist").casefold() not in LASTFM_ARTISTS:
                return error(request, "error.not_found")
            name = {"artist.getinfo": "artist.getInfo", "artist.getsimilar": "artist.getSimilar",
                    "artist.gettoptags": "artist.getTopTags"}[method]
            return fake.fixture_reply(f"lastfm/{name}.json" if as_json else f"lastfm/xml/{name}.xml")
        if method == "album.getinfo":
            album = request.param("album").casefold()
            if album == "in rainbows":
                return fake.fixture_reply("lastfm/album.getInfo.json" if as_json else "lastfm/xml/album.getInfo.xml")
            if album == "chase the tear" and as_json:
                return fake.fixture_reply("lastfm/album.getInfo.single_track.json")
            return error(request, "error.not_found")
        return Reply(body='<?xml version="1.0"?><lfm status="failed"><error code="3">Invalid Method</error></lfm>',
                     content_type="text/xml")

    def web_auth(request: RecordedRequest, match) -> Reply:
        # Last.fm's "Connect application" page; once the user agrees it sends the browser to `cb`
        # with the token added to its query.
        if request.param("api_key") != fake.credentials["lastfm_api_key"]:
            return Reply(status=400, body="<html><body>Invalid API key</body></html>", content_type="text/html")
        callback = request.param("cb")
        if not callback:
            return Reply(status=400, body="<html><body>No callback URL</body></html>", content_type="text/html")
        user.authorized, user.callback = True, callback
        joiner = "&" if "?" in callback else "?"
        return Reply(status=302, headers={"Location": f"{callback}{joiner}{urlencode({'token': user.token})}"},
                     content_type="text/html")

    fake.route("lastfm", "*", r"/2\.0/?", answer)
    fake.route("lastfm", "GET", r"/api/auth/?", web_auth)


# --- Spotify ------------------------------------------------------------------------------
@dataclass
class FakeSpotifyUser:
    """The one account a user can connect to the fake Spotify, and its playlists.

    Tests reach it as `fake.spotify_user`: `deny` makes the login page answer `access_denied`,
    `rotate_refresh_token` makes each refresh hand out a new refresh token, and `playlists`
    (id → {"name", "description", "public", "uris"}) is what the account holds.
    """

    access_token: str
    refresh_token: str
    code: str = "fake-authorization-code-7f3a91"
    deny: bool = False
    rotate_refresh_token: bool = False
    code_used: bool = False
    redirect_uri: str = ""  # the one the login page was opened with; the exchange must name it again
    playlists: dict[str, dict] = field(default_factory=dict)
    playlists_made: int = 0

    def playlist_create(self, *, name: str, description: str, public: bool) -> str:
        self.playlists_made += 1
        playlist_id = f"fakeplaylist{self.playlists_made:010d}"
        self.playlists[playlist_id] = {"name": name, "description": description, "public": public, "uris": []}
        return playlist_id


SPOTIFY_TRACK_URI = re.compile(r"spotify:track:[0-9A-Za-z]{22}")
SPOTIFY_ITEMS_PER_REQUEST = 100


def _spotify(fake: FakeServices) -> None:
    token = fake.fixture_json("spotify/token.json")["access_token"]
    user_token = fake.fixture_json("spotify/token_user.json")
    user = FakeSpotifyUser(access_token=user_token["access_token"], refresh_token=user_token["refresh_token"])
    fake.spotify_user = user

    def not_found() -> Reply:
        return Reply(status=404, body={"error": {"status": 404, "message": "Resource not found"}})

    def bad_request(message: str) -> Reply:
        return Reply(status=400, body={"error": {"status": 400, "message": message}})

    def token_error(error: str, description: str) -> Reply:
        return Reply(status=400, body={"error": error, "error_description": description})

    def authorize(request: RecordedRequest, match) -> Reply:
        # Spotify's login page; once the user agrees it sends the browser back with a code.
        if request.param("client_id") != fake.credentials["spotify_client_id"]:
            return Reply(status=400, body="INVALID_CLIENT: Invalid client", content_type="text/html")
        redirect_uri = request.param("redirect_uri")
        if not redirect_uri or request.param("response_type") != "code":
            return Reply(status=400, body="INVALID_CLIENT: Invalid redirect URI", content_type="text/html")
        user.redirect_uri = redirect_uri
        answer = {"error": "access_denied"} if user.deny else {"code": user.code}
        if request.param("state"):
            answer["state"] = request.param("state")
        return Reply(status=303, headers={"Location": f"{redirect_uri}?{urlencode(answer)}"}, content_type="text/html")

    def token_endpoint(request: RecordedRequest, match) -> Reply:
        expected = base64.b64encode(
            f"{fake.credentials['spotify_client_id']}:{fake.credentials['spotify_client_secret']}".encode()).decode()
        if fake.is_rejected("spotify") or request.headers.get("Authorization") != f"Basic {expected}":
            return fake.fixture_reply("spotify/token_error_invalid_client.json", status=400)
        grant = request.param("grant_type")
        if grant == "authorization_code":
            if request.param("code") != user.code or user.code_used:
                return token_error("invalid_grant", "Invalid authorization code")
            if not request.param("redirect_uri") or user.redirect_uri not in ("", request.param("redirect_uri")):
                return token_error("invalid_grant", "Invalid redirect URI")
            user.code_used = True
            return Reply(body={**user_token, "refresh_token": user.refresh_token})
        if grant == "refresh_token":
            if request.param("refresh_token") != user.refresh_token:
                return fake.fixture_reply("spotify/token_error_invalid_grant.json", status=400)
            answer = {key: value for key, value in user_token.items() if key != "refresh_token"}
            if user.rotate_refresh_token:
                user.refresh_token = f"{user.refresh_token}-next"
                answer["refresh_token"] = user.refresh_token
            return Reply(body=answer)
        if grant == "client_credentials":
            return fake.fixture_reply("spotify/token.json")
        return token_error("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def authorized(handler, *, tokens=None):
        def guarded(request: RecordedRequest, match) -> Reply:
            allowed = tokens() if tokens else (token,)
            if fake.is_rejected("spotify") or request.headers.get("Authorization") not in (
                    f"Bearer {t}" for t in allowed):
                return fake.fixture_reply("spotify/error_401_expired.json", status=401)
            return handler(request, match)
        return guarded

    def as_user(handler):
        return authorized(handler, tokens=lambda: (user.access_token,))

    def by_id(fixture: str, key: str) -> dict:
        return {item["id"]: item for item in fake.fixture_json(fixture)[key] if item}

    def batch(fixture: str, key: str):
        def answer(request: RecordedRequest, match) -> Reply:
            known = by_id(fixture, key)
            ids = [i for i in request.param("ids").split(",") if i]
            if any(not SPOTIFY_ID.fullmatch(i) for i in ids):
                return fake.fixture_reply("spotify/error_400_invalid_id.json", status=400)
            return Reply(body={key: [known.get(i) for i in ids]})
        return answer

    def artist(request: RecordedRequest, match) -> Reply:
        if not SPOTIFY_ID.fullmatch(match["id"]):
            return fake.fixture_reply("spotify/error_400_invalid_id.json", status=400)
        found = by_id("spotify/artists.json", "artists").get(match["id"])
        if found is None:
            return not_found()
        return Reply(body=found)

    def artist_albums(request: RecordedRequest, match) -> Reply:
        last = request.param("offset", "0") not in ("", "0")
        return fake.fixture_reply("spotify/artist_albums.last_page.json" if last else "spotify/artist_albums.json")

    def search(request: RecordedRequest, match) -> Reply:
        kind = request.param("type")
        if kind == "album":
            return fake.fixture_reply("spotify/search_album.json")
        if kind == "track":
            return search_tracks(request)
        return fake.fixture_reply("spotify/search_artist.json")

    def search_tracks(request: RecordedRequest) -> Reply:
        # The fixture is the fake's whole catalogue; `track:` and `artist:` filter it as Spotify's would.
        limit = int(request.param("limit", "5") or 5)
        if limit > 10:  # Development Mode since February 2026
            return bad_request("Invalid limit")
        query = request.param("q").casefold()
        wanted_title = re.search(r"track:(.*?)(?=\s+\w+:|$)", query)
        wanted_artist = re.search(r"artist:(.*?)(?=\s+\w+:|$)", query)
        found = fake.fixture_json("spotify/search_track.json")
        items = [
            item for item in found["tracks"]["items"]
            if (wanted_title is None or wanted_title[1].strip() in item["name"].casefold())
            and (wanted_artist is None
                 or any(wanted_artist[1].strip() in a["name"].casefold() for a in item["artists"]))
        ]
        found["tracks"].update(items=items[:limit], limit=limit, total=len(items))
        return Reply(body=found)

    def playlist_body(playlist_id: str) -> dict:
        held = user.playlists[playlist_id]
        body = fake.fixture_json("spotify/playlist_created.json")
        href = f"{fake.base_url}/spotify/v1/playlists/{playlist_id}"
        body.update(id=playlist_id, name=held["name"], description=held["description"], public=held["public"],
                    href=href, uri=f"spotify:playlist:{playlist_id}",
                    external_urls={"spotify": f"https://open.spotify.com/playlist/{playlist_id}"},
                    items={"href": f"{href}/items", "total": len(held["uris"])})
        return body

    def snapshot(playlist_id: str) -> dict:
        return {"snapshot_id": base64.b64encode(f"{playlist_id}:{len(user.playlists[playlist_id]['uris'])}"
                                                .encode()).decode()}

    def playlist_create(request: RecordedRequest, match) -> Reply:
        wanted = request.json() or {}
        if not wanted.get("name"):
            return bad_request("Missing required field: name")
        playlist_id = user.playlist_create(name=wanted["name"], description=wanted.get("description", ""),
                                           public=bool(wanted.get("public", True)))
        return Reply(status=201, body=playlist_body(playlist_id))

    def playlist(request: RecordedRequest, match) -> Reply:
        if match["id"] not in user.playlists:
            return not_found()
        return Reply(body=playlist_body(match["id"]))

    def playlist_details(request: RecordedRequest, match) -> Reply:
        if match["id"] not in user.playlists:
            return not_found()
        wanted = request.json() or {}
        user.playlists[match["id"]].update({k: wanted[k] for k in ("name", "description", "public") if k in wanted})
        return Reply(body=b"", content_type="text/plain")  # Spotify answers 200 with an empty body

    def uris_of(request: RecordedRequest) -> list[str] | Reply:
        wanted = request.json()
        uris = wanted.get("uris", []) if isinstance(wanted, dict) else wanted or []
        if len(uris) > SPOTIFY_ITEMS_PER_REQUEST:
            return bad_request("Too many ids requested")
        if any(not SPOTIFY_TRACK_URI.fullmatch(uri) for uri in uris):
            return bad_request("Invalid track uri")
        return uris

    def items_replace(request: RecordedRequest, match) -> Reply:
        if match["id"] not in user.playlists:
            return not_found()
        uris = uris_of(request)
        if isinstance(uris, Reply):
            return uris
        user.playlists[match["id"]]["uris"] = list(uris)
        return Reply(body=snapshot(match["id"]))

    def items_add(request: RecordedRequest, match) -> Reply:
        if match["id"] not in user.playlists:
            return not_found()
        uris = uris_of(request)
        if isinstance(uris, Reply):
            return uris
        held = user.playlists[match["id"]]["uris"]
        position = request.param("position")
        at = int(position) if position.isdigit() else len(held)
        held[at:at] = uris
        return Reply(status=201, body=snapshot(match["id"]))

    def retired(request: RecordedRequest, match) -> Reply:
        return fake.fixture_reply("spotify/error_403_forbidden.json", status=403)

    fake.route("spotify", "GET", r"/authorize", authorize)
    fake.route("spotify", "POST", r"/api/token", token_endpoint)
    fake.route("spotify", "GET", r"/v1/search",
               authorized(search, tokens=lambda: (token, user.access_token)))
    fake.route("spotify", "GET", r"/v1/artists/?", authorized(batch("spotify/artists.json", "artists")))
    fake.route("spotify", "GET", r"/v1/albums/?", authorized(batch("spotify/albums.json", "albums")))
    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[^/]+)", authorized(artist))
    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[^/]+)/albums", authorized(artist_albums))
    fake.route("spotify", "GET", r"/v1/me/?", as_user(lambda r, m: fake.fixture_reply("spotify/me.json")))
    fake.route("spotify", "POST", r"/v1/me/playlists", as_user(playlist_create))
    fake.route("spotify", "GET", r"/v1/playlists/(?P<id>[^/]+)", as_user(playlist))
    fake.route("spotify", "PUT", r"/v1/playlists/(?P<id>[^/]+)", as_user(playlist_details))
    fake.route("spotify", "PUT", r"/v1/playlists/(?P<id>[^/]+)/items", as_user(items_replace))
    fake.route("spotify", "POST", r"/v1/playlists/(?P<id>[^/]+)/items", as_user(items_add))
    # Retired for Development-Mode apps since March 2026.
    fake.route("spotify", "POST", r"/v1/users/(?P<user>[^/]+)/playlists", as_user(retired))
    fake.route("spotify", "*", r"/v1/playlists/(?P<id>[^/]+)/tracks", as_user(retired))


# --- Discogs ------------------------------------------------------------------------------
def _discogs(fake: FakeServices) -> None:
    def authorized(handler):
        def guarded(request: RecordedRequest, match) -> Reply:
            if fake.is_rejected("discogs") or request.param("token") != fake.credentials["discogs_token"]:
                return fake.fixture_reply("discogs/error_401.json", status=401)
            return handler(request, match)
        return guarded

    def user_only(fixture: str):
        def answer(request: RecordedRequest, match) -> Reply:
            if match["user"].casefold() != fake.credentials["discogs_username"].casefold():
                return fake.fixture_reply("discogs/error_404.json", status=404)
            return fake.fixture_reply(fixture)
        return answer

    def releases(request: RecordedRequest, match) -> Reply:
        if match["user"].casefold() != fake.credentials["discogs_username"].casefold():
            return fake.fixture_reply("discogs/error_404.json", status=404)
        page = request.param("page", "1")
        if page in ("1", "2"):
            return fake.fixture_reply(f"discogs/collection_releases.page{page}.json")
        return fake.fixture_reply("discogs/collection_releases.empty.json")

    def release(request: RecordedRequest, match) -> Reply:
        if match["id"] != "11793225":
            return fake.fixture_reply("discogs/error_404.json", status=404)
        return fake.fixture_reply("discogs/release.json")

    fake.route("discogs", "GET", r"/oauth/identity",
               authorized(lambda r, m: fake.fixture_reply("discogs/identity.json")))
    fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)", authorized(user_only("discogs/user.json")))
    fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)/collection/folders",
               authorized(user_only("discogs/collection_folders.json")))
    fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)/collection/fields",
               authorized(user_only("discogs/collection_fields.json")))
    fake.route("discogs", "GET", r"/users/(?P<user>[^/]+)/collection/folders/(?P<folder>\d+)/releases",
               authorized(releases))
    fake.route("discogs", "GET", r"/releases/(?P<id>\d+)", authorized(release))


# --- Wikidata -----------------------------------------------------------------------------
def _wikidata(fake: FakeServices) -> None:
    def sparql(request: RecordedRequest, match) -> Reply:
        if fake.is_rejected("wikidata"):
            return Reply(status=403, body="Forbidden: please set a descriptive User-Agent", content_type="text/plain")
        query = request.param("query")
        if query.lstrip().upper().startswith("ASK"):
            return fake.fixture_reply("wikidata/sparql_ask_true.json")
        results = fake.fixture_json("wikidata/sparql_artists_by_spotify_id.json")
        bindings = [row for row in results["results"]["bindings"] if f'"{row["spotifyId"]["value"]}"' in query]
        if not bindings:
            return fake.fixture_reply("wikidata/sparql_empty.json", content_type="application/sparql-results+json")
        results["results"]["bindings"] = bindings
        return Reply(body=results, content_type="application/sparql-results+json")

    fake.route("wikidata", "*", r"/sparql", sparql)


# --- Apify --------------------------------------------------------------------------------
def _apify(fake: FakeServices) -> None:
    def authorized(handler):
        def guarded(request: RecordedRequest, match) -> Reply:
            given = request.param("token") or request.headers.get("Authorization", "").removeprefix("Bearer ")
            if fake.is_rejected("apify") or given != fake.credentials["apify_token"]:
                return fake.fixture_reply("apify/error_401_token.json", status=401)
            return handler(request, match)
        return guarded

    def run(request: RecordedRequest, match) -> Reply:
        try:
            urls = [entry["url"] for entry in json.loads(request.body or b"{}").get("startUrls", [])]
        except (ValueError, TypeError, KeyError):
            return Reply(status=400, body={"error": {"type": "invalid-input", "message": "startUrls is required"}})
        wanted = {url.rstrip("/").rsplit("/", 1)[-1] for url in urls}
        items = [item for item in fake.fixture_json("apify/spotify_monthly_listeners.json")
                 if item["artist_id"] in wanted]
        return Reply(status=201, body=items)

    fake.route("apify", "GET", r"/v2/users/me", authorized(lambda r, m: fake.fixture_reply("apify/users_me.json")))
    fake.route("apify", "POST", r"/v2/acts/(?P<actor>[^/]+)/run-sync-get-dataset-items", authorized(run))


# --- AI (OpenAI-compatible) -------------------------------------------------------------------
def _ai(fake: FakeServices) -> None:
    def authorized(fixture: str):
        def answer(request: RecordedRequest, match) -> Reply:
            if (fake.is_rejected("ai")
                    or request.headers.get("Authorization") != f"Bearer {fake.credentials['ai_api_key']}"):
                return fake.fixture_reply("openai/error_401.json", status=401)
            return fake.fixture_reply(fixture)
        return answer

    fake.route("ai", "GET", r"/v1/models", authorized("openai/models.json"))
    fake.route("ai", "POST", r"/v1/chat/completions", authorized("openai/chat_completion.json"))
