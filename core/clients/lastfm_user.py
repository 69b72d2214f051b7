"""Last.fm as the user who connected their account for writing: web auth, session key, scrobbles.

Connecting goes through Last.fm's web auth: the user's browser opens LASTFM_AUTH_URL with our
API key and a callback (`lastfm_auth_url`), Last.fm sends it back to the callback with a `token`,
and `auth.getSession` (pylast's `SessionKeyGenerator`) trades the token for a session key that
never expires unless the user revokes it. The key is stored encrypted as the "lastfm"
`core.ServiceAccount`, or given as LASTFM_SESSION_KEY (which wins).

Scrobbles are sent `track.scrobble` by `track.scrobble`, at most 50 a request, through the same
network as the reads (core/clients/lastfm.py: our transport, `LASTFM_API_URL`, no pylast retry
loop) with the session key set, so pylast signs each request (`api_sig`) and adds `sk`. The
request is pylast's `_Request`, as `network.scrobble_many` builds it, because `scrobble_many`
throws Last.fm's answer away — and that answer says which scrobbles were ignored (too old,
too new, an artist Last.fm refuses) under an "ok" status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlencode

from django.conf import settings

from core.clients.lastfm import SERVICE, lastfm_network_new
from core.resilience import BadResponse, NotConfigured, ServiceError, resilient_call
from core.services.service_accounts import service_account_token

if TYPE_CHECKING:
    import pylast

T = TypeVar("T")
REQUIRED_SETTINGS = ("LASTFM_API_KEY", "LASTFM_API_SECRET")
SCROBBLES_PER_REQUEST = 50  # Last.fm takes at most 50 scrobbles in one track.scrobble


class NotConnected(ServiceError):
    """No Last.fm account to scrobble as: none connected on the settings page, no LASTFM_SESSION_KEY."""


@dataclass(frozen=True)
class LastfmConnection:
    """What connecting an account yields: its session key, and the account's name."""

    session_key: str
    account_name: str


@dataclass(frozen=True)
class LastfmScrobble:
    """One play to scrobble; `timestamp` is its start, in Unix seconds (UTC)."""

    artist: str
    title: str
    timestamp: int
    album: str = ""
    duration_s: int | None = None
    track_number: int | None = None


@dataclass(frozen=True)
class ScrobbleOutcome:
    """What Last.fm said of one scrobble: accepted, or ignored with its code and message."""

    accepted: bool
    ignored_code: str = ""
    ignored_message: str = ""


# Last.fm's ignoredMessage codes (track.scrobble documentation).
IGNORED_REASONS = {
    "1": "artist ignored", "2": "track ignored", "3": "timestamp too old", "4": "timestamp too new",
    "5": "daily scrobble limit exceeded",
}


def lastfm_writer_missing_settings() -> list[str]:
    """Names (never values) of the settings scrobbling to Last.fm still needs."""
    return [name for name in REQUIRED_SETTINGS if not getattr(settings, name, "")]


def lastfm_writer_require_configured() -> None:
    if missing := lastfm_writer_missing_settings():
        raise NotConfigured(SERVICE, missing, label="Scrobbling to Last.fm")


def lastfm_auth_url(*, callback: str) -> str:
    """Last.fm's page where the user lets this app scrobble for them; it sends them to `callback`
    with `token` added to its query."""
    lastfm_writer_require_configured()
    return f"{settings.LASTFM_AUTH_URL}?{urlencode({'api_key': settings.LASTFM_API_KEY, 'cb': callback})}"


def lastfm_session_from_token(*, token: str) -> LastfmConnection:
    """auth.getSession: trade the token Last.fm sent back for a session key and the account's name."""
    import pylast

    lastfm_writer_require_configured()
    network = _network(session_key="")
    generator = pylast.SessionKeyGenerator(network)

    def exchange() -> LastfmConnection:
        key, name = generator.get_web_auth_session_key_username(None, token)
        return LastfmConnection(session_key=key, account_name=name)

    # A token is good for one session: trying it again after a failure could only be refused.
    connection = resilient_call(SERVICE, _read_guarded(exchange, network), what="the web auth token", retries=0)
    if not connection.session_key:
        raise BadResponse(SERVICE, "Last.fm sent no session key")
    return connection


def lastfm_session_key() -> str | None:
    """The session key to scrobble with: LASTFM_SESSION_KEY, else the connected account's, else None."""
    return settings.LASTFM_SESSION_KEY or service_account_token(service=SERVICE)


def lastfm_scrobble_batch(*, scrobbles: list[LastfmScrobble], session_key: str | None = None) -> list[ScrobbleOutcome]:
    """Send up to 50 scrobbles in one signed track.scrobble; one outcome per scrobble, in order."""
    import pylast

    if not 1 <= len(scrobbles) <= SCROBBLES_PER_REQUEST:
        raise ValueError(f"one track.scrobble carries 1 to {SCROBBLES_PER_REQUEST} scrobbles, not {len(scrobbles)}")
    lastfm_writer_require_configured()
    key = session_key or lastfm_session_key()
    if not key:
        raise NotConnected(SERVICE, "No Last.fm account is connected for scrobbling (or its saved session key no "
                                    "longer opens since SECRET_KEY changed): connect it on the settings page")
    network = _network(session_key=key)
    params = _scrobble_params(scrobbles)

    def send() -> list[ScrobbleOutcome]:
        doc = pylast._Request(network, "track.scrobble", params).execute()
        root = doc.getElementsByTagName("scrobbles")[0]
        outcomes = [_outcome(node) for node in root.getElementsByTagName("scrobble")]
        if len(outcomes) != len(scrobbles):  # one <scrobble> each, in order: anything else is not Last.fm's answer
            raise pylast.MalformedResponseError(network, ValueError(f"{len(outcomes)} answers to {len(scrobbles)}"))
        return outcomes

    return resilient_call(SERVICE, _read_guarded(send, network), what=f"{len(scrobbles)} scrobble(s)")


def _scrobble_params(scrobbles: list[LastfmScrobble]) -> dict[str, str | int]:
    """track.scrobble's array parameters, named as `network.scrobble_many` names them."""
    params: dict[str, str | int] = {}
    for index, scrobble in enumerate(scrobbles):
        params[f"artist[{index}]"] = scrobble.artist
        params[f"track[{index}]"] = scrobble.title
        params[f"timestamp[{index}]"] = scrobble.timestamp
        params[f"chosenByUser[{index}]"] = 1
        if scrobble.album:
            params[f"album[{index}]"] = scrobble.album
        if scrobble.duration_s:
            params[f"duration[{index}]"] = scrobble.duration_s
        if scrobble.track_number:
            params[f"trackNumber[{index}]"] = scrobble.track_number
    return params


def _outcome(node) -> ScrobbleOutcome:
    ignored = node.getElementsByTagName("ignoredMessage")
    code = ignored[0].getAttribute("code") if ignored else "0"
    if code in ("", "0"):
        return ScrobbleOutcome(accepted=True)
    text = "".join(child.data for child in ignored[0].childNodes if child.nodeType == child.TEXT_NODE).strip()
    return ScrobbleOutcome(accepted=False, ignored_code=code,
                           ignored_message=text or IGNORED_REASONS.get(code, f"code {code}"))


def _read_guarded(call: Callable[[], T], network: pylast.LastFMNetwork) -> Callable[[], T]:
    """`call`, with an answer that lacks Last.fm's elements raised as a malformed answer (pylast
    then indexes an element that is not there)."""
    def guarded() -> T:
        try:
            return call()
        except (IndexError, AttributeError) as exc:
            import pylast

            raise pylast.MalformedResponseError(network, exc) from exc
    return guarded


def _network(*, session_key: str) -> pylast.LastFMNetwork:
    """A network like the reads' (same transport and server), acting as the account of `session_key`.

    Built per call, not cached: the reads' cached network must stay unsigned, and writes are rare.
    """
    network = lastfm_network_new()
    network.session_key = session_key or None
    return network
