"""What every client module shares: the User-Agent, settings checks, lazily built clients.

requests is imported where a session is built, as each client module imports its library:
a process that calls no outside service (the web server, mostly) does not carry them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings

from core.resilience.redact import install_log_redaction
from core.resilience.services import service_not_configured, service_timeout

if TYPE_CHECKING:
    import requests

T = TypeVar("T")
_clients: dict[tuple[str, str], object] = {}
_lock = threading.Lock()

APP_VERSION = "1.0"


def user_agent() -> str:
    """A descriptive User-Agent with a contact URL, as Wikidata and Discogs ask."""
    return f"MusicJournal/{APP_VERSION} (+{settings.JOURNAL_CONTACT_URL})"


def require_configured(*, service: str) -> None:
    error = service_not_configured(service=service)
    if error is not None:
        raise error


def client_cached(*, service: str, settings_used: tuple[str, ...], build: Callable[[], T]) -> T:
    """Build a client once per distinct configuration; a changed setting builds a new one.

    The key is a digest, so secrets never sit in a dict key that a debugger might print.
    """
    require_configured(service=service)
    values = "\x00".join(str(getattr(settings, name, "")) for name in settings_used)
    values += f"\x00{service_timeout(service=service)}\x00{user_agent()}"
    key = (service, hashlib.sha256(values.encode()).hexdigest())
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                install_log_redaction()
                client = build()
                for stale in [k for k in _clients if k[0] == service]:
                    del _clients[stale]
                _clients[key] = client
    return client


def clients_forget() -> None:
    """Drop every built client (and what it holds, such as an access token): the next call builds anew."""
    with _lock:
        _clients.clear()


def http_session() -> requests.Session:
    """A requests session with our User-Agent and no hidden retry loop (urllib3 retries off)."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent()
    return session


def timeout_pair(*, service: str) -> tuple[float, float]:
    """(connect, read) seconds for requests-based clients."""
    timeout = service_timeout(service=service)
    return (min(5.0, timeout), timeout)
