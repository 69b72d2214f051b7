"""A ListenBrainz-compatible API under `/apis/listenbrainz/1/`, so any ListenBrainz scrobbler can send plays here.

`POST submit-listens` and `GET validate-token`, as ListenBrainz documents them
(https://listenbrainz.readthedocs.io/en/latest/users/api/core.html and …/users/json.html): a
personal API token as `Authorization: Token <token>`; `single` and `playing_now` carry exactly one
listen, `import` up to 1,000; a listen over 10,240 bytes or a request over 10,240,000 is refused.
Answers are ListenBrainz's: `{"status": "ok"}`, or `{"code": 4xx, "error": "..."}`, and every one
carries the `X-RateLimit-*` headers. The whole request is checked before anything is stored, so a
bad listen among good ones stores none of them.

`submission_parse` is pure (bytes in, plays out, or `ListenRejected` with a one-line reason); the
views only authenticate, count, parse and call tracker.services.listenbrainz.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import orjson
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.normalize import clean_text
from core.services.api_tokens import api_token_find, api_token_refusal
from core.services.throttle import api_token_throttle_wait, client_address, wait_text
from tracker.services.ingest import (
    ALBUM_TITLE_LENGTH,
    ARTIST_NAME_LENGTH,
    TRACK_TITLE_LENGTH,
    Play,
    play_time_rejection,
)
from tracker.services.listenbrainz import (
    LISTEN_TYPES,
    RateWindow,
    listenbrainz_rate_take,
    listens_submit,
)

MAX_LISTEN_SIZE = 10_240  # bytes of one listen, as ListenBrainz counts it (the listen's JSON)
MAX_LISTENS_PER_REQUEST = 1_000
MAX_LISTEN_PAYLOAD_SIZE = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST  # bytes of the whole request body
MAX_DURATION_S = 24 * 24 * 3600  # ListenBrainz's ceiling on `duration` (24 days); the ingest keeps up to 24 h
LATEST_TIMESTAMP = 253_402_300_799  # 9999-12-31 23:59:59 UTC: later cannot even be a date
_INTEGER = re.compile(r"\s*[+-]?\d{1,20}\s*")
_TOO_LARGE = f"JSON document is too large: a request may not be larger than {MAX_LISTEN_PAYLOAD_SIZE:,} bytes."


class ListenRejected(ValueError):
    """The request is not a valid submission; the message says why in one line."""


# --- parsing (pure) -----------------------------------------------------------------------------
def submission_parse(body: bytes, *, now: datetime) -> tuple[str, list[Play]]:
    """`(listen_type, plays)` of a submit-listens body, every listen checked; ListenRejected otherwise.

    A `playing_now` listen has no time: its play carries `now`, the moment it was reported.
    """
    if len(body) > MAX_LISTEN_PAYLOAD_SIZE:
        raise ListenRejected(_TOO_LARGE)
    try:
        document = orjson.loads(body)  # refuses bytes that are not UTF-8, NaN, and nesting past 1,024
    except orjson.JSONDecodeError as error:
        raise ListenRejected(f"Cannot parse JSON document: {str(error)[:200]}") from None
    if not isinstance(document, dict):
        raise ListenRejected("Invalid JSON document submitted: expected an object with listen_type and payload.")
    listen_type = document.get("listen_type")
    if not isinstance(listen_type, str) or listen_type not in LISTEN_TYPES:
        raise ListenRejected("JSON document requires a valid listen_type key: single, playing_now or import.")
    payload = document.get("payload")
    if not isinstance(payload, list):
        raise ListenRejected("JSON document requires a payload key holding a list of listens.")
    if not payload:
        raise ListenRejected("JSON document does not contain any listens.")
    if listen_type != "import" and len(payload) > 1:
        raise ListenRejected(f"JSON document contains more than one listen for a {listen_type}. "
                             "It should contain only one.")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise ListenRejected(f"Too many listens: an import may hold at most {MAX_LISTENS_PER_REQUEST:,}, "
                             f"not {len(payload):,}.")
    plays = []
    for number, listen in enumerate(payload, start=1):
        try:
            plays.append(_listen_play(listen, listen_type, now))
        except ListenRejected as error:
            raise ListenRejected(f"listen {number}: {error}" if len(payload) > 1 else str(error)) from None
    return listen_type, plays


def _listen_play(listen, listen_type: str, now: datetime) -> Play:
    if not isinstance(listen, dict):
        raise ListenRejected("a listen must be a JSON object.")
    try:
        size = len(orjson.dumps(listen))
    except orjson.JSONEncodeError:  # nested past what orjson writes (254): far from a listen
        raise ListenRejected("the listen is nested too deeply.") from None
    if size > MAX_LISTEN_SIZE:
        raise ListenRejected(f"JSON document is too large. In aggregate, listens may not be larger than "
                             f"{MAX_LISTEN_SIZE:,} characters.")
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise ListenRejected("JSON document must not contain listened_at while submitting playing_now.")
        if set(listen) != {"track_metadata"}:
            raise ListenRejected("JSON document may only contain track_metadata as top level key "
                                 "when submitting playing_now.")
        played_at = now
    else:
        if "listened_at" not in listen:
            raise ListenRejected("JSON document must contain the key listened_at at the top level.")
        if not set(listen) <= {"listened_at", "track_metadata"}:
            raise ListenRejected("JSON document may only contain listened_at and track_metadata top level keys.")
        played_at = _listened_at(listen["listened_at"], now)
    meta = listen.get("track_metadata")
    if not isinstance(meta, dict):
        raise ListenRejected("JSON document must contain the key track_metadata at the top level, an object.")
    info = meta.get("additional_info")
    if info is not None and not isinstance(info, dict):
        raise ListenRejected("track_metadata.additional_info must be an object.")
    return Play(
        artist=_name(meta, "artist_name", ARTIST_NAME_LENGTH, required=True),
        title=_name(meta, "track_name", TRACK_TITLE_LENGTH, required=True),
        album=_name(meta, "release_name", ALBUM_TITLE_LENGTH, required=False),
        played_at=played_at,
        duration_ms=_duration_ms(info or {}),
    )


def _listened_at(value, now: datetime) -> datetime:
    """The play's start from `listened_at`: an integer Unix time (ListenBrainz also takes a number
    written as a string, or with a fraction) that the ingest accepts (from 2002, not in the future)."""
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ListenRejected(f"listened_at must be an integer Unix time, not {_shown(value)}.")
    if value > LATEST_TIMESTAMP:
        raise ListenRejected(f"listened_at {value} is no time a play can have: played in the future.")
    moment = datetime.fromtimestamp(max(value, 0), tz=UTC)  # a negative time is before 2002 too
    if reason := play_time_rejection(moment, now=now):
        raise ListenRejected(f"listened_at {value} ({moment:%Y-%m-%d %H:%M:%S} UTC): {reason}.")
    return moment


def _name(meta: dict, key: str, length: int, *, required: bool) -> str:
    value = meta.get(key)
    if value is None and not required:
        return ""
    if value is None:
        raise ListenRejected(f"JSON document does not contain required field track_metadata.{key}.")
    if not isinstance(value, str):
        raise ListenRejected(f"track_metadata.{key} must be a single string.")
    if "\x00" in value:
        raise ListenRejected(f"track_metadata.{key} contains a unicode null.")
    cleaned = clean_text(value, length)  # what the ingest stores: checked here, so it never drops the play
    if not cleaned:
        raise ListenRejected(f"field track_metadata.{key} is empty.")
    return cleaned


def _duration_ms(info: dict) -> int | None:
    """The track's length from `duration_ms`, or `duration` in seconds (positive integers, as
    ListenBrainz takes them: numbers or numeric strings, at most 24 days); None when absent."""
    if "duration" in info and "duration_ms" in info:
        raise ListenRejected("JSON document should not contain both duration and duration_ms.")
    for key, scale in (("duration_ms", 1), ("duration", 1000)):
        if key not in info:
            continue
        value = info[key]
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            value = int(value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ListenRejected(f"Value for {key} is invalid, should be a positive integer.")
        if value * scale > MAX_DURATION_S * 1000:
            raise ListenRejected(f"Value for {key} is too large, max permitted value is "
                                 f"{MAX_DURATION_S * 1000 // scale}.")
        return value * scale  # a length past 24 h is dropped by the ingest, the play kept
    return None


def _shown(value) -> str:
    text = orjson.dumps(value).decode() if isinstance(value, (dict, list)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- views --------------------------------------------------------------------------------------
class _Caller:
    """Who sent the request: their token (or why not), and their request window."""

    def __init__(self, request: HttpRequest, *, raw_token: str | None, header_error: str = ""):
        self.token, self.status, self.error = None, 0, ""
        address = client_address(request)
        if wait := api_token_throttle_wait(address=address):
            # Before the lookup: a blocked address learns nothing more about any token.
            self.status, self.error = 429, f"Too many wrong tokens from this address, try again in {wait_text(wait)}."
        elif header_error:
            self.status, self.error = 401, header_error
        elif raw_token:
            self.token = api_token_find(raw_token=raw_token, address=address)
            if self.token is None:
                self.status, self.error = 401, "Invalid authorization token."
            elif refusal := api_token_refusal(api_token=self.token, method=request.method):
                self.status, self.error = 403, refusal  # a read-only token submitting listens
        self.window = listenbrainz_rate_take(key=f"token:{self.token.pk}" if self.token else f"address:{address}")


def _answer(status: int, body: dict, window: RateWindow | None, **headers) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in {**(window.headers() if window else {}), **headers}.items():
        response[name] = value
    return response


def _error(status: int, message: str, window: RateWindow | None, **headers) -> JsonResponse:
    return _answer(status, {"code": status, "error": message}, window, **headers)


def _too_many(window: RateWindow) -> JsonResponse:
    return _error(429, f"Too many requests: at most {window.limit:,} in this window, try again in "
                       f"{window.reset_in} s.", window, **{"Retry-After": str(window.reset_in)})


def _authorization_token(request: HttpRequest) -> tuple[str | None, str]:
    """(token, problem) from `Authorization: Token <token>` (or `Bearer <token>`)."""
    header = request.headers.get("Authorization", "")
    if not header.strip():
        return None, "You need to provide an Authorization header."
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not token.strip():
        return None, "Provided Authorization header is invalid: expected Token <your token>."
    return token.strip(), ""


def _body(request: HttpRequest) -> bytes:
    """The body, read to one byte past the limit at most (Django's own 2.5 MB ceiling is for forms)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_LISTEN_PAYLOAD_SIZE:
        raise ListenRejected(_TOO_LARGE)  # refused by its declared length, never read
    return request.read(MAX_LISTEN_PAYLOAD_SIZE + 1)


@csrf_exempt  # a token, never a cookie, authenticates: no other site can make a browser send it
@login_not_required
@never_cache
def submit_listens(request: HttpRequest) -> JsonResponse:
    """Store the listens of a ListenBrainz client: `{"status": "ok"}`, or the reason nothing was stored."""
    raw_token, header_error = _authorization_token(request)
    caller = _Caller(request, raw_token=raw_token, header_error=header_error)
    if caller.window and caller.window.exceeded:
        return _too_many(caller.window)
    if request.method != "POST":
        return _error(405, "Use POST to submit listens.", caller.window, Allow="POST")
    if caller.error:
        return _error(caller.status, caller.error, caller.window)
    try:
        listen_type, plays = submission_parse(_body(request), now=timezone.now())
    except ListenRejected as rejected:
        return _error(400, str(rejected), caller.window)
    listens_submit(listen_type=listen_type, plays=plays)
    return _answer(200, {"status": "ok"}, caller.window)


@csrf_exempt
@login_not_required
@never_cache
def validate_token(request: HttpRequest) -> JsonResponse:
    """Whether the token (the Authorization header, or `?token=` as ListenBrainz also reads) is valid."""
    raw_token, _ = _authorization_token(request)
    raw_token = raw_token or request.GET.get("token", "").strip() or None
    caller = _Caller(request, raw_token=raw_token)
    if caller.window and caller.window.exceeded:
        return _too_many(caller.window)
    if request.method != "GET":
        return _error(405, "Use GET to validate a token.", caller.window, Allow="GET")
    if caller.status == 429:
        return _error(429, caller.error, caller.window)
    if raw_token is None:
        return _error(400, "You need to provide an Authorization token.", caller.window)
    if caller.token is None:
        return _answer(200, {"code": 200, "message": "Token invalid.", "valid": False}, caller.window)
    return _answer(200, {"code": 200, "message": "Token valid.", "valid": True,
                         "user_name": caller.token.user.get_username()}, caller.window)
