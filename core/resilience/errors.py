"""What can go wrong with an outside call, in words a caller (and a user) can act on.

`classify()` turns whatever the client library raised into one `ServiceError` subclass
with a status, a Retry-After and whether trying again could help; each service's
`ServiceSpec` names the classifiers of its library. Libraries are only inspected when
already imported, so this module costs nothing at import time.
"""

import json
import socket
import sys
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


class ServiceError(Exception):
    """An outside service did not give us an answer; `message` is safe to show."""

    retryable = False
    trips_breaker = False

    def __init__(self, service: str, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.service = service
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message


class NotConfigured(ServiceError):
    """A required setting is empty; `missing` names it (never its value)."""

    def __init__(self, service: str, missing: list[str], *, label: str = ""):
        names = ", ".join(missing[:-1]) + f" and {missing[-1]}" if len(missing) > 1 else "".join(missing)
        super().__init__(service, f"{label or service} is not configured: set {names}")
        self.missing = missing


class CircuitOpen(ServiceError):
    """The breaker is open: we fail fast instead of waiting on a service that is down."""


class Busy(ServiceError):
    """Every politeness slot stayed taken for longer than the call may wait."""


class AuthFailed(ServiceError):
    """The service rejected our credentials (401, Last.fm 10, Spotify invalid_client)."""


class Forbidden(ServiceError):
    """Authenticated but not allowed (403), e.g. Spotify batch endpoints in Development Mode."""


class NotFound(ServiceError):
    """The thing asked for does not exist (404, Last.fm error 6)."""


class BadRequest(ServiceError):
    """The service refused the request as malformed; trying again cannot help."""


class RateLimited(ServiceError):
    retryable = True
    trips_breaker = True


class Unavailable(ServiceError):
    """5xx, a timeout or a connection failure."""

    retryable = True
    trips_breaker = True


class BadResponse(ServiceError):
    """The answer could not be parsed (HTML error page, cut-off JSON, broken XML)."""

    retryable = True
    trips_breaker = True


# Last.fm answers errors in the body, often with HTTP 200.
_LASTFM_CODES: dict[str, type[ServiceError]] = {
    "6": NotFound, "7": NotFound,
    "4": AuthFailed, "9": AuthFailed, "10": AuthFailed, "14": AuthFailed, "15": AuthFailed,
    "17": AuthFailed, "26": AuthFailed,
    "29": RateLimited,
    "8": Unavailable, "11": Unavailable, "16": Unavailable,
    "500": Unavailable, "502": Unavailable, "503": Unavailable, "504": Unavailable,
}
_OAUTH_AUTH_ERRORS = {"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"}


class HttpStatusError(Exception):
    """Raised by our own transports/sessions when a status must not be swallowed by a library."""

    def __init__(self, status: int, *, retry_after: float | None = None, detail: str = ""):
        super().__init__(f"HTTP {status}{': ' + detail if detail else ''}")
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value) -> float | None:
    """Seconds to wait from a Retry-After header: a number, or an HTTP date."""
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        pass
    try:
        when = parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def error_for_status(*, service: str, status: int, detail: str, retry_after: float | None = None) -> ServiceError:
    if status == 401:
        cls = AuthFailed
    elif status == 403:
        cls = Forbidden
    elif status == 404:
        cls = NotFound
    elif status == 429:
        cls = RateLimited
    elif status == 408 or status >= 500:
        cls = Unavailable
    elif 400 <= status < 500:
        cls = BadRequest
    else:
        cls = BadResponse
    return cls(service, detail or f"HTTP {status}", status=status, retry_after=retry_after)


def classify(*, service: str, exc: BaseException, classifiers: tuple = ()) -> ServiceError | None:
    """The `ServiceError` for what a library raised, or None when it is not an outside failure.

    `classifiers` are the service's own library's (its `ServiceSpec`); HTTP and network errors
    of requests and httpx2, which every client uses underneath, are always understood.
    """
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, HttpStatusError):
        return error_for_status(service=service, status=exc.status, detail=str(exc), retry_after=exc.retry_after)
    for classifier in (*classifiers, from_requests, from_httpx):
        found = classifier(service, exc)
        if found is not None:
            return found
    if isinstance(exc, (socket.timeout, TimeoutError, ConnectionError)):
        return Unavailable(service, f"network error: {exc.__class__.__name__}")
    if isinstance(exc, (json.JSONDecodeError, UnicodeDecodeError)):
        return BadResponse(service, f"unreadable answer: {exc.__class__.__name__}")
    return None


def _loaded(module: str):
    return sys.modules.get(module)


def from_pylast(service: str, exc: BaseException) -> ServiceError | None:
    pylast = _loaded("pylast")
    if pylast is None or not isinstance(exc, pylast.PyLastError):
        return None
    if isinstance(exc, pylast.WSError):
        status = str(exc.status)
        cls = _LASTFM_CODES.get(status, BadRequest)
        http_status = int(status) if status.isdigit() and int(status) >= 100 else None
        return cls(service, f"Last.fm error {status}: {exc.details}", status=http_status)
    if isinstance(exc, pylast.MalformedResponseError):
        return BadResponse(service, "Last.fm sent an unreadable answer")
    if isinstance(exc, pylast.NetworkError):
        inner = exc.underlying_error
        if isinstance(inner, (HttpStatusError, ServiceError)):
            return classify(service=service, exc=inner)
        return Unavailable(service, f"network error: {inner.__class__.__name__}")
    return BadResponse(service, f"Last.fm client error: {exc.__class__.__name__}")


def from_spotipy(service: str, exc: BaseException) -> ServiceError | None:
    spotipy_exceptions = _loaded("spotipy.exceptions")
    if spotipy_exceptions is None:
        return None
    if isinstance(exc, spotipy_exceptions.SpotifyOauthError):
        error = getattr(exc, "error", None)
        if isinstance(error, str) and error in _OAUTH_AUTH_ERRORS:  # the body's `error` may be any JSON
            return AuthFailed(service, f"token request refused ({exc.error})", status=400)
        return Unavailable(service, "token request failed")
    if isinstance(exc, spotipy_exceptions.SpotifyException):
        headers = getattr(exc, "headers", None) or {}
        detail = (exc.msg or "").split("\n")[-1].strip()
        return error_for_status(service=service, status=exc.http_status, detail=f"HTTP {exc.http_status}: {detail}",
                                retry_after=parse_retry_after(headers.get("Retry-After")))
    return None


def from_discogs(service: str, exc: BaseException) -> ServiceError | None:
    discogs_exceptions = _loaded("discogs_client.exceptions")
    if discogs_exceptions is None:
        return None
    if isinstance(exc, discogs_exceptions.MalformedResponseError):
        return BadResponse(service, f"Discogs sent an unreadable answer (HTTP {exc.status_code})",
                           status=exc.status_code)
    if isinstance(exc, discogs_exceptions.HTTPError):
        return error_for_status(service=service, status=exc.status_code, detail=exc.msg)
    if isinstance(exc, discogs_exceptions.TooManyAttemptsError):
        return RateLimited(service, "Discogs kept answering 429", status=429)
    return None


def from_openai(service: str, exc: BaseException) -> ServiceError | None:
    openai = _loaded("openai")
    if openai is None or not isinstance(exc, openai.OpenAIError):
        return None
    if isinstance(exc, openai.APIStatusError):
        return error_for_status(service=service, status=exc.status_code,
                                detail=f"HTTP {exc.status_code}: {exc.message}",
                                retry_after=parse_retry_after(exc.response.headers.get("retry-after")))
    if isinstance(exc, openai.APIConnectionError):
        return Unavailable(service, exc.message)
    if isinstance(exc, openai.APIResponseValidationError):
        return BadResponse(service, "the AI endpoint sent an unexpected answer")
    return None


def from_requests(service: str, exc: BaseException) -> ServiceError | None:
    requests = _loaded("requests")
    if requests is None or not isinstance(exc, requests.RequestException):
        return None
    response = getattr(exc, "response", None)
    if isinstance(exc, requests.HTTPError) and response is not None:
        return error_for_status(service=service, status=response.status_code, detail=f"HTTP {response.status_code}",
                                retry_after=parse_retry_after(response.headers.get("Retry-After")))
    if isinstance(exc, requests.JSONDecodeError):
        return BadResponse(service, "unreadable JSON answer")
    if isinstance(exc, requests.Timeout):
        return Unavailable(service, "timed out")
    return Unavailable(service, f"network error: {exc.__class__.__name__}")


def from_httpx(service: str, exc: BaseException) -> ServiceError | None:
    httpx2 = _loaded("httpx2")
    if httpx2 is None or not isinstance(exc, httpx2.HTTPError):
        return None
    if isinstance(exc, httpx2.TimeoutException):
        return Unavailable(service, "timed out")
    return Unavailable(service, f"network error: {exc.__class__.__name__}")
