"""One local HTTP server that answers as Last.fm, Spotify, Discogs, Wikidata, Apify and the AI endpoint.

Each service lives under its own prefix (`/lastfm/2.0/`, `/spotify/v1/...`, `/discogs/...`,
`/wikidata/sparql`, `/apify/v2/...`, `/ai/v1/...`). Routes answer with the payload files
of `tests/fixtures/apis/`, with the real hosts' absolute URLs rewritten to this server.
Every request is recorded; knobs make a service fail, stall, talk nonsense or refuse
credentials. Later tests register their own routes with `route()` (the newest wins).
"""

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "apis"
SERVICES = ("lastfm", "spotify", "discogs", "wikidata", "apify", "ai")


@dataclass
class RecordedRequest:
    service: str
    method: str
    path: str  # after the service prefix, e.g. "/v1/artists/"
    query: dict[str, list[str]]
    headers: CaseInsensitiveDict
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)

    def param(self, name: str, default: str = "") -> str:
        """A parameter from the query string or the form body (first value)."""
        values = self.query.get(name) or self.form.get(name)
        return values[0] if values else default

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


Handler = Callable[[RecordedRequest, re.Match], Reply]


@dataclass
class _Route:
    service: str
    method: str
    pattern: re.Pattern
    handler: Handler


@dataclass
class _Failure:
    status: int
    times: int | None
    retry_after: float | None
    body: bytes | str | dict | None
    path: str | None


class FakeServices:
    """The fake server; `base_url` is where it listens. Start with `start()`, stop with `stop()`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._routes: list[_Route] = []
        self.recorded: list[RecordedRequest] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._malformed: dict[str, int | None] = {}
        self._rejected: set[str] = set()
        self.credentials = {
            "lastfm_api_key": "fake-lastfm-key-3b1f0c9a", "lastfm_api_secret": "fake-lastfm-secret-77d2e1",
            "lastfm_username": "rj_demo",
            "spotify_client_id": "fake-spotify-id-5e8a", "spotify_client_secret": "fake-spotify-secret-a91c4f",
            "discogs_token": "fake-discogs-token-c0ffee42", "discogs_username": "rj_demo",
            "apify_token": "fake-apify-token-beef1234", "ai_api_key": "fake-ai-key-d00d5678",
        }
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        from tests.fakes.routes import install_default_routes

        install_default_routes(self)

    # --- lifecycle ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, service: str) -> str:
        return f"{self.base_url}/{service}"

    def start(self) -> "FakeServices":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-services", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def settings(self) -> dict[str, object]:
        """Django settings that point every client at this server, with its credentials."""
        c = self.credentials
        return {
            "LASTFM_API_URL": f"{self.base_url}/lastfm/2.0/", "LASTFM_API_KEY": c["lastfm_api_key"],
            "LASTFM_API_SECRET": c["lastfm_api_secret"], "LASTFM_USERNAME": c["lastfm_username"],
            "SPOTIFY_API_URL": f"{self.base_url}/spotify/v1/", "SPOTIFY_AUTH_URL": f"{self.base_url}/spotify/api/token",
            "SPOTIFY_CLIENT_ID": c["spotify_client_id"], "SPOTIFY_CLIENT_SECRET": c["spotify_client_secret"],
            "DISCOGS_API_URL": f"{self.base_url}/discogs", "DISCOGS_TOKEN": c["discogs_token"],
            "DISCOGS_USERNAME": c["discogs_username"],
            "WIKIDATA_SPARQL_URL": f"{self.base_url}/wikidata/sparql",
            "APIFY_API_URL": f"{self.base_url}/apify/v2", "APIFY_TOKEN": c["apify_token"],
            "AI_BASE_URL": f"{self.base_url}/ai/v1", "AI_API_KEY": c["ai_api_key"], "AI_MODEL": "mistral24b",
        }

    # --- routes and payloads ----------------------------------------------------------
    def route(self, service: str, method: str, path: str, handler: Handler | None = None, *,
              fixture: str | None = None, status: int = 200, body=None, headers: dict | None = None,
              content_type: str | None = None) -> None:
        """Answer `method path` (a regex over the path after the service prefix); newest route wins.

        Give a `handler(request, match) -> Reply`, a `fixture` file name under tests/fixtures/apis,
        or a literal `body` (dict/list are sent as JSON).
        """
        if handler is None:
            def handler(request, match, fixture=fixture, body=body):
                if fixture is not None:
                    return self.fixture_reply(fixture, status=status, headers=headers, content_type=content_type)
                return Reply(status=status, body=body if body is not None else b"", headers=dict(headers or {}),
                             content_type=content_type or "application/json")
        with self._lock:
            self._routes.insert(0, _Route(service, method.upper(), re.compile(path), handler))

    def fixture_text(self, name: str) -> str:
        """A fixture file with the real hosts' absolute URLs pointing at this server."""
        text = (FIXTURES / name).read_text(encoding="utf-8")
        return (text.replace("https://api.spotify.com/v1", f"{self.base_url}/spotify/v1")
                .replace("https://api.discogs.com", f"{self.base_url}/discogs"))

    def fixture_json(self, name: str):
        return json.loads(self.fixture_text(name))

    def fixture_reply(self, name: str, *, status: int = 200, headers: dict | None = None,
                      content_type: str | None = None) -> Reply:
        if content_type is None:
            content_type = {"xml": "text/xml; charset=utf-8", "txt": "text/plain; charset=utf-8"}.get(
                name.rsplit(".", 1)[-1], "application/json")
        return Reply(status=status, body=self.fixture_text(name), headers=dict(headers or {}),
                     content_type=content_type)

    # --- knobs ------------------------------------------------------------------------
    def fail(self, service: str, *, status: int = 503, times: int | None = 1, retry_after: float | None = None,
             body=None, path: str | None = None) -> None:
        """The next `times` requests (None: all) to `service` (optionally paths containing `path`) fail."""
        with self._lock:
            self._failures.setdefault(service, []).append(_Failure(status, times, retry_after, body, path))

    def delay(self, service: str, seconds: float) -> None:
        """Every answer of `service` waits `seconds` first (to trigger client timeouts)."""
        self._delays[service] = seconds

    def malformed(self, service: str, *, times: int | None = None) -> None:
        """Answer 200 with an HTML page where JSON or XML is expected."""
        self._malformed[service] = times

    def reject_auth(self, service: str) -> None:
        """Refuse every credential of `service`, the way the real service does."""
        self._rejected.add(service)

    def reset(self) -> None:
        """Forget knobs, recorded requests and routes added by tests."""
        from tests.fakes.routes import install_default_routes

        with self._lock:
            self.recorded.clear()
            self._failures.clear()
            self._delays.clear()
            self._malformed.clear()
            self._rejected.clear()
            self._routes.clear()
        install_default_routes(self)

    def requests_to(self, service: str, path_contains: str = "") -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.recorded if r.service == service and path_contains in r.path]

    def is_rejected(self, service: str) -> bool:
        return service in self._rejected

    # --- dispatch -----------------------------------------------------------------------
    def _dispatch(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.recorded.append(request)
            delay = self._delays.get(request.service, 0)
            failure = self._take_failure(request)
            malformed = self._take_malformed(request.service)
            routes = list(self._routes)
        if delay:
            time.sleep(delay)
        if failure is not None:
            headers = {"Retry-After": f"{failure.retry_after:g}"} if failure.retry_after is not None else {}
            body = failure.body if failure.body is not None else {
                "error": {"status": failure.status, "message": f"fake {request.service} failure {failure.status}"}}
            return Reply(status=failure.status, body=body, headers=headers)
        if malformed:
            return Reply(status=200, body="<html><body><h1>502 Bad Gateway</h1></body></html>",
                         content_type="text/html")
        for route in routes:
            if route.service == request.service and route.method in (request.method, "*"):
                match = route.pattern.fullmatch(request.path)
                if match:
                    reply = route.handler(request, match)
                    if reply is not None:  # a handler may pass a request on to older routes
                        return reply
        return Reply(status=404, body={"error": {"status": 404, "message": f"no fake route for {request.path}"}})

    def _take_failure(self, request: RecordedRequest) -> _Failure | None:
        for failure in self._failures.get(request.service, []):
            if failure.path and failure.path not in request.path:
                continue
            if failure.times is None:
                return failure
            if failure.times > 0:
                failure.times -= 1
                return failure
        return None

    def _take_malformed(self, service: str) -> bool:
        if service not in self._malformed:
            return False
        times = self._malformed[service]
        if times is None:
            return True
        if times <= 0:
            return False
        self._malformed[service] = times - 1
        return True


def _make_handler(fake: FakeServices):
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes; no 40 ms delayed-ACK stall

        def _handle(self):
            parts = urlsplit(self.path)
            service, _, rest = parts.path.lstrip("/").partition("/")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = {}
            if "application/x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            request = RecordedRequest(service=service, method=self.command, path="/" + rest,
                                      query=parse_qs(parts.query, keep_blank_values=True),
                                      headers=CaseInsensitiveDict(self.headers.items()), body=body, form=form)
            if service not in SERVICES:
                reply = Reply(status=404, body={"error": f"unknown fake service {service!r}"})
            else:
                try:
                    reply = fake._dispatch(request)
                except Exception as exc:  # a broken fake route should show in the test, not hang it
                    reply = Reply(status=500, body=f"fake route crashed: {exc!r}", content_type="text/plain")
            payload = reply.encoded()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        def log_message(self, format, *args):  # keep test output clean
            pass

    return _Handler
