"""Conditional GETs for the JSON API: `ETag` / `Last-Modified`, and 304 Not Modified when nothing changed.

An automation polling every minute sends back the `ETag` it was given (`If-None-Match`) or the
`Last-Modified` date (`If-Modified-Since`); while the data's version is the same, it gets a 304
with no body, for the price of the version's few cheap queries instead of the endpoint's work.

The version is the caller's: a function of the endpoint's arguments returning a `DataVersion`
(each app knows what its data depends on: the history's newest play, the collection's copies…),
so this module needs no app. The ETag is weak (the same data, not the same bytes) and mixes in
the user id and the full path with its query: it never matches another user's or another page's.
Responses say `Cache-Control: private, no-cache` and `Vary: Authorization, Cookie`, so no shared
cache keeps them and every reuse is revalidated.

    @router.get("/history/tracks", response=...)
    @conditional_read(history_data_version)      # below the route, above @paginate
    def history_tracks(request, ...): ...
"""

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

_REQUEST_ATTR = "_api_conditional"
_HEADER = {"schema": {"type": "string"}}
# What every conditional read adds to its operation in /api/v1/openapi.json.
OPENAPI_EXTRA = {
    "parameters": [
        {"name": "If-None-Match", "in": "header", "required": False, **_HEADER,
         "description": "the `ETag` of an earlier answer: 304 and no body while the data is the same",
         "example": 'W/"5d41402abc4b2a76b9719d911017c592"'},
        {"name": "If-Modified-Since", "in": "header", "required": False, **_HEADER,
         "description": "the `Last-Modified` of an earlier answer (used when no If-None-Match is sent)",
         "example": "Tue, 01 Dec 2026 09:00:00 GMT"},
    ],
    "responses": {
        200: {"headers": {
            "ETag": {**_HEADER, "description": "weak validator of this answer: send it back as If-None-Match"},
            "Last-Modified": {**_HEADER, "description": "when the data last changed, where known"},
        }},
        304: {"description": "Not Modified: the data is still the version of the ETag or date sent; no body",
              "headers": {"ETag": {**_HEADER, "description": "the same ETag"}}},
    },
}


@dataclass(frozen=True)
class DataVersion:
    """What an answer depends on: `tag` changes whenever the data may have; `modified` (optional)
    is when it last did, for Last-Modified."""

    tag: str
    modified: datetime | None = None


def versions_combined(*versions: DataVersion) -> DataVersion:
    """One version of data that depends on several: the tags joined, the latest modification."""
    moments = [v.modified for v in versions if v.modified is not None]
    return DataVersion("|".join(v.tag for v in versions), max(moments) if len(moments) == len(versions) else None)


def _user_key(request: HttpRequest) -> str:
    user = getattr(request, "auth", None)
    pk = getattr(user, "pk", None)
    if pk is None:
        pk = getattr(getattr(request, "user", None), "pk", None)
    return str(pk)


def etag_for(request: HttpRequest, version: DataVersion) -> str:
    """The weak ETag of this user's answer at this path and query, for this version of the data."""
    digest = hashlib.sha256(f"{_user_key(request)}\0{request.get_full_path()}\0{version.tag}".encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _not_modified(request: HttpRequest, etag: str, modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        given = [_opaque(tag) for tag in if_none_match.split(",")]
        return "*" in given or _opaque(etag) in given
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and modified is not None and int(modified.timestamp()) <= since


def _with_headers(response: HttpResponseBase, etag: str, modified: datetime | None) -> HttpResponseBase:
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def _headers_on_success(run: Callable) -> Callable:
    """ninja's operation runner, wrapped: a 200 answer gets the ETag computed for its request."""

    @wraps(run)
    def run_with_headers(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        response = run(request, *args, **kwargs)
        conditional = getattr(request, _REQUEST_ATTR, None)
        if conditional is not None and response.status_code == 200:
            _with_headers(response, *conditional)
        return response

    return run_with_headers


def conditional_read(version: Callable[..., DataVersion]) -> Callable:
    """Answer 304 when the client already has this version of the data; ETag on every 200.

    `version(**arguments)` gets the endpoint's own arguments (path and query values) and runs
    after authentication, so the ETag can name the user.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def conditional_view(request: HttpRequest, **kwargs: Any) -> Any:
            current = version(**kwargs)
            etag = etag_for(request, current)
            if _not_modified(request, etag, current.modified):
                return _with_headers(HttpResponse(status=304), etag, current.modified)
            setattr(request, _REQUEST_ATTR, (etag, current.modified))
            return view(request, **kwargs)

        contribute_operation_callback(conditional_view, _documented)
        return decorate_view(_headers_on_success)(conditional_view)

    return decorate


def _documented(operation) -> None:
    """The 304, the validator headers and the If-* parameters in the operation's OpenAPI entry."""
    extra = copy.deepcopy(operation.openapi_extra or {})
    extra.setdefault("parameters", []).extend(copy.deepcopy(OPENAPI_EXTRA["parameters"]))
    for status, entry in OPENAPI_EXTRA["responses"].items():
        extra.setdefault("responses", {}).setdefault(status, {}).update(copy.deepcopy(entry))
    operation.openapi_extra = extra
