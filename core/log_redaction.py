"""Mask credentials in log records, whatever logger they come from.

`LOGGING` (config/settings.py) puts `RedactingLogFilter` on every handler, so a record of any
logger is cleaned before it is written. It masks what looks like a credential whatever its value
(`Authorization` header values, `Bearer <token>`, `"access_token": "…"`, `?token=…`, the password
of a URL) and, once the apps are loaded, every configured secret (core/resilience/redact.py).

This module imports nothing of the project at import time: logging is configured before the
apps are ready.
"""

import logging
import re

MASK = "[redacted]"

_TOKEN_KEYS = r"access_token|refresh_token|id_token|client_secret|api_key|apikey|api_secret|token|secret|password"
TOKEN_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    # An Authorization header, as text or in a dict's repr: keep the scheme, mask the credentials.
    (re.compile(r"""(\bauthorization["']?\s*[:=]\s*["']?)((?:bearer|basic|token|discogs)\s+)?[^\s"',}]+""", re.I),
     rf"\g<1>\g<2>{MASK}"),
    # `Bearer <token>` (or `Basic <base64>`) anywhere else; 8 characters at least: "Bearer tokens" is prose.
    (re.compile(r"(\b(?:(?i:bearer)|Basic)\s+)[A-Za-z0-9\-._~+/]{8,}=*"), rf"\g<1>{MASK}"),
    # "access_token": "…" (JSON), 'access_token': '…' (repr), access_token=… (query string, form body).
    (re.compile(rf"""(["']?\b(?:{_TOKEN_KEYS})["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"'&,;}}\]]+""", re.I),
     rf"\g<1>{MASK}"),
    # Last.fm's XML answers: the session key of auth.getSession (<key>…</key>), sk=… in a signed request.
    (re.compile(r"(<key>)[^<]+(</key>)"), rf"\g<1>{MASK}\g<2>"),
    (re.compile(r"(\bsk=)[^\s&]+"), rf"\g<1>{MASK}"),
    # The password of a URL: scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:)[^\s@/]+@", re.I), rf"\g<1>{MASK}@"),
)


def redact_tokens(text: str) -> str:
    """`text` with every credential-looking value masked, configured or not."""
    for pattern, replacement in TOKEN_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord, redact) -> None:
    """Clean one record in place with `redact` (text -> text): its message, and its exception when that leaks."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is not ours to fix here
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        # Tracebacks carry exception messages (URLs with tokens); keep only a redacted summary.
        exc = record.exc_info[1]
        summary = f"{exc.__class__.__name__}: {exc}"
        if redact(summary) != summary:
            record.msg, record.args = f"{record.getMessage()} ({redact(summary)})", None
            record.exc_info, record.exc_text = None, None


def _full_redact():
    """The redaction with configured secrets once the apps are loaded; credential patterns only before."""
    from django.apps import apps

    if not apps.ready:
        return redact_tokens
    from core.resilience.redact import redact

    return redact


class RedactingLogFilter(logging.Filter):
    """For handlers: cleans every record that reaches the handler, from any logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, _full_redact())
        return True
