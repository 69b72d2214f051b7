"""Keep secrets out of messages and log lines.

Library loggers (urllib3 logs Discogs URLs with `?token=`, spotipy logs request headers
at DEBUG) get a filter that replaces every configured secret value before the record
reaches any handler. A filter on a logger only sees records created on that very
logger, hence the explicit list.
"""

import base64
import logging

from django.conf import settings

from core.resilience.services import SECRET_SETTINGS

MASK = "[redacted]"
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
    for value in secret_values():
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Tracebacks carry exception messages (URLs with tokens); keep only a redacted summary.
            exc = record.exc_info[1]
            summary = redact(f"{exc.__class__.__name__}: {exc}")
            if summary != f"{exc.__class__.__name__}: {exc}":
                record.msg, record.args = f"{record.getMessage()} ({summary})", None
                record.exc_info, record.exc_text = None, None
        return True


_FILTER = RedactSecretsFilter()


def install_log_redaction() -> None:
    """Attach the filter to our loggers and the client libraries' loggers (idempotent)."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
