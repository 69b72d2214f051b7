"""Keep secrets out of messages and log lines.

`redact` masks every configured secret value, and whatever looks like a credential whatever its
value (`Bearer <token>`, `"access_token": "…"`, `?token=…`: core/log_redaction.py), such as
the Spotify access token spotipy obtains and logs at DEBUG.

Every handler of `LOGGING` carries `core.log_redaction.RedactingLogFilter`, which applies it to
the records of every logger. Library loggers (urllib3 logs Discogs URLs with `?token=`, spotipy
logs request headers at DEBUG) also get a filter of their own, so handlers that are not ours
(pytest's log capture, a library's own handler) see clean records too. A filter on a logger only
sees records created on that very logger, hence the explicit list.
"""

import base64
import logging

from django.conf import settings

from core.log_redaction import MASK, redact_record, redact_tokens
from core.resilience.services import SECRET_SETTINGS

__all__ = ["MASK", "LOGGER_NAMES", "RedactSecretsFilter", "install_log_redaction", "redact", "secret_values"]

_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words

LOGGER_NAMES = (
    "core.resilience", "core.clients", "core.clients.lastfm", "core.clients.spotify", "core.clients.discogs",
    "core.clients.wikidata", "core.clients.apify", "core.clients.ai",
    "pylast", "spotipy", "spotipy.client", "spotipy.oauth2", "spotipy.cache_handler", "spotipy.util",
    "urllib3", "urllib3.connectionpool", "requests", "httpx2", "httpcore2.connection", "httpcore2.http11",
    "httpcore2.proxy", "openai", "openai._base_client", "django.request",
)


def secret_values() -> list[str]:
    """Every configured secret, plus the encodings libraries put on the wire (Basic auth)."""
    values = [str(getattr(settings, name, "") or "") for name in SECRET_SETTINGS]
    client_id = str(getattr(settings, "SPOTIFY_CLIENT_ID", "") or "")
    client_secret = str(getattr(settings, "SPOTIFY_CLIENT_SECRET", "") or "")
    if client_id and client_secret:
        values.append(base64.b64encode(f"{client_id}:{client_secret}".encode()).decode())
    return sorted({v for v in values if len(v) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` without any configured secret, bearer token, access token or URL password."""
    for value in secret_values():
        if value in text:
            text = text.replace(value, MASK)
    return redact_tokens(text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, redact)
        return True


_FILTER = RedactSecretsFilter()


def install_log_redaction() -> None:
    """Attach the filter to our loggers and the client libraries' loggers (idempotent)."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
