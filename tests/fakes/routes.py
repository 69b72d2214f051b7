"""The fake services' default routes, built from the fixture payloads.

Each service checks credentials the way the real one does (Last.fm `api_key` in the
form, Spotify Basic auth then a Bearer token, Discogs `?token=`, Apify and the AI
endpoint a Bearer header) and refuses them when they differ or `reject_auth` was set.
"""

import base64
import json
import re

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
def _lastfm(fake: FakeServices) -> None:
    def error(request: RecordedRequest, name: str, status: int = 200) -> Reply:
        if request.param("format") == "json":
            return fake.fixture_reply(f"lastfm/{name}.json", status=status)
        return fake.fixture_reply(f"lastfm/xml/{name}.xml", status=status)

    def answer(request: RecordedRequest, match) -> Reply:
        if fake.is_rejected("lastfm") or request.param("api_key") != fake.credentials["lastfm_api_key"]:
            return error(request, "error.invalid_api_key", status=403)
        method = request.param("method").lower()
        as_json = request.param("format") == "json"
        if method == "user.getinfo":
            if request.param("user").casefold() != fake.credentials["lastfm_username"].casefold():
                return error(request, "error.not_found")
            return fake.fixture_reply("lastfm/xml/user.getInfo.xml")
        if method == "user.getrecenttracks":
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

    fake.route("lastfm", "*", r"/2\.0/?", answer)


# --- Spotify ------------------------------------------------------------------------------
def _spotify(fake: FakeServices) -> None:
    token = fake.fixture_json("spotify/token.json")["access_token"]

    def token_endpoint(request: RecordedRequest, match) -> Reply:
        expected = base64.b64encode(
            f"{fake.credentials['spotify_client_id']}:{fake.credentials['spotify_client_secret']}".encode()).decode()
        if fake.is_rejected("spotify") or request.headers.get("Authorization") != f"Basic {expected}":
            return fake.fixture_reply("spotify/token_error_invalid_client.json", status=400)
        return fake.fixture_reply("spotify/token.json")

    def authorized(handler):
        def guarded(request: RecordedRequest, match) -> Reply:
            if fake.is_rejected("spotify") or request.headers.get("Authorization") != f"Bearer {token}":
                return fake.fixture_reply("spotify/error_401_expired.json", status=401)
            return handler(request, match)
        return guarded

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
            return Reply(status=404, body={"error": {"status": 404, "message": "Resource not found"}})
        return Reply(body=found)

    def artist_albums(request: RecordedRequest, match) -> Reply:
        last = request.param("offset", "0") not in ("", "0")
        return fake.fixture_reply("spotify/artist_albums.last_page.json" if last else "spotify/artist_albums.json")

    def search(request: RecordedRequest, match) -> Reply:
        kind = request.param("type")
        if kind == "album":
            return fake.fixture_reply("spotify/search_album.json")
        return fake.fixture_reply("spotify/search_artist.json")

    fake.route("spotify", "POST", r"/api/token", token_endpoint)
    fake.route("spotify", "GET", r"/v1/search", authorized(search))
    fake.route("spotify", "GET", r"/v1/artists/?", authorized(batch("spotify/artists.json", "artists")))
    fake.route("spotify", "GET", r"/v1/albums/?", authorized(batch("spotify/albums.json", "albums")))
    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[^/]+)", authorized(artist))
    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[^/]+)/albums", authorized(artist_albums))


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
