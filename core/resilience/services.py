"""The outside services we talk to (one `ServiceSpec` each) and the policy each one gets.

Everything here is read from settings at call time (never at import), so tests and a
changed `.env` take effect without a restart of the module.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from core.resilience import errors
from core.resilience.errors import NotConfigured, ServiceError


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the app knows about one outside service; add a service here and nowhere else."""

    id: str
    label: str
    required: tuple[str, ...]  # settings that must be non-empty for the service to work
    secrets: tuple[str, ...]  # settings whose values must never be shown or logged
    base_url_setting: str
    credential: str  # what its credential is called in a message ("API key", "token")
    credential_settings: str  # where that credential is set
    check: str  # dotted path of its "test connection" call: returns a plain-words success
    classifiers: tuple[Callable[[str, BaseException], ServiceError | None], ...] = ()  # its library's errors
    cache_kinds: tuple[str, ...] = ()  # kinds of its answers the read-through cache keeps (TTL_DEFAULTS)
    user_setting: str = ""  # the account whose data is read, named when the service does not know it
    default_rate: str = ""  # "5/s", "60/m": politeness, shared by every process
    default_concurrency: int = 0  # 0 = no limit


SERVICES: dict[str, ServiceSpec] = {
    s.id: s
    for s in (
        ServiceSpec("lastfm", "Last.fm", ("LASTFM_API_KEY", "LASTFM_USERNAME"),
                    ("LASTFM_API_KEY", "LASTFM_API_SECRET", "LASTFM_SESSION_KEY"),
                    "LASTFM_API_URL", "API key", "LASTFM_API_KEY", "core.clients.checks.lastfm_check",
                    classifiers=(errors.from_pylast,), cache_kinds=("artist", "album", "similar", "tags"),
                    user_setting="LASTFM_USERNAME", default_rate="5/s"),
        ServiceSpec("spotify", "Spotify", ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"),
                    ("SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN"),
                    "SPOTIFY_API_URL", "client credentials", "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET",
                    "core.clients.checks.spotify_check", classifiers=(errors.from_spotipy,),
                    cache_kinds=("search", "artist", "album")),
        ServiceSpec("discogs", "Discogs", ("DISCOGS_TOKEN", "DISCOGS_USERNAME"), ("DISCOGS_TOKEN",),
                    "DISCOGS_API_URL", "token", "DISCOGS_TOKEN", "core.clients.checks.discogs_check",
                    classifiers=(errors.from_discogs,), cache_kinds=("album", "labels"),
                    user_setting="DISCOGS_USERNAME", default_rate="60/m"),
        ServiceSpec("wikidata", "Wikidata", (), (), "WIKIDATA_SPARQL_URL", "request", "WIKIDATA_SPARQL_URL",
                    "core.clients.checks.wikidata_check", cache_kinds=("management", "labels"),
                    default_concurrency=1),
        ServiceSpec("apify", "Apify (monthly listeners)", ("APIFY_TOKEN",), ("APIFY_TOKEN",), "APIFY_API_URL",
                    "token", "APIFY_TOKEN", "core.clients.checks.apify_check", cache_kinds=("monthly_listeners",),
                    default_concurrency=5),
        ServiceSpec("ai", "AI notes", ("AI_API_KEY", "AI_BASE_URL", "AI_MODEL"), ("AI_API_KEY",), "AI_BASE_URL",
                    "API key", "AI_API_KEY", "core.clients.checks.ai_check", classifiers=(errors.from_openai,),
                    cache_kinds=("ai",)),
    )
}

SECRET_SETTINGS: tuple[str, ...] = tuple(name for s in SERVICES.values() for name in s.secrets)

# Kinds of cached data and their default lifetimes; ENRICHMENT_CACHE_TTL_<KIND> overrides.
TTL_DEFAULTS: dict[str, int] = {
    "default": 24 * 3600,
    "monthly_listeners": 3600,
    "labels": 24 * 3600,
    "management": 7 * 24 * 3600,
    "artist": 7 * 24 * 3600,
    "album": 7 * 24 * 3600,
    "similar": 7 * 24 * 3600,
    "tags": 7 * 24 * 3600,
    "search": 24 * 3600,
    "ai": 30 * 24 * 3600,
}


def service_get(*, service: str) -> ServiceSpec:
    try:
        return SERVICES[service]
    except KeyError:
        raise ValueError(f"unknown outside service {service!r}; known: {', '.join(SERVICES)}") from None


def service_missing_settings(*, service: str) -> list[str]:
    """Names (never values) of the settings this service still needs."""
    return [name for name in service_get(service=service).required if not getattr(settings, name, "")]


def service_configured(*, service: str) -> bool:
    return not service_missing_settings(service=service)


def service_not_configured(*, service: str) -> NotConfigured | None:
    """The error to raise or show ("Last.fm is not configured: set LASTFM_API_KEY") while settings
    are missing; None once the service is configured."""
    missing = service_missing_settings(service=service)
    return NotConfigured(service, missing, label=service_get(service=service).label) if missing else None


def classify(*, service: str, exc: BaseException) -> ServiceError | None:
    """The `ServiceError` for what this service's client raised, or None when it is not an outside
    failure: its own library's errors first, then those of HTTP and the network."""
    return errors.classify(exc=exc, service=service, classifiers=service_get(service=service).classifiers)


def service_timeout(*, service: str) -> float:
    return float(getattr(settings, f"ENRICHMENT_TIMEOUT_{service.upper()}", 10.0))


def cache_ttl(*, kind: str) -> int:
    default = TTL_DEFAULTS.get(kind, getattr(settings, "ENRICHMENT_CACHE_TTL_DEFAULT", TTL_DEFAULTS["default"]))
    return int(getattr(settings, f"ENRICHMENT_CACHE_TTL_{kind.upper()}", default))


def max_retries() -> int:
    return max(0, int(getattr(settings, "ENRICHMENT_MAX_RETRIES", 3)))


def backoff_factor() -> float:
    return max(0.0, float(getattr(settings, "ENRICHMENT_RETRY_BACKOFF_FACTOR", 1.0)))


def breaker_threshold() -> int:
    return max(1, int(getattr(settings, "ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD", 5)))


def breaker_timeout() -> int:
    return max(1, int(getattr(settings, "ENRICHMENT_CIRCUIT_BREAKER_TIMEOUT", 60)))


def rate_interval(*, service: str) -> float:
    """Seconds between two requests to this service (0: no limit).

    `ENRICHMENT_RATE_LIMIT_<SERVICE>` takes "N/s", "N/m" or "N/h"; an empty value lifts it.
    """
    spec = getattr(settings, f"ENRICHMENT_RATE_LIMIT_{service.upper()}", service_get(service=service).default_rate)
    if not spec:
        return 0.0
    count, _, unit = str(spec).partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600}.get(unit.strip()[:1].lower() or "s")
    if seconds is None or not count.strip().isdigit() or int(count) <= 0:
        raise ValueError(f"ENRICHMENT_RATE_LIMIT_{service.upper()}={spec!r}: expected N/s, N/m or N/h")
    return seconds / int(count)


def concurrency_limit(*, service: str) -> int:
    default = service_get(service=service).default_concurrency
    return max(0, int(getattr(settings, f"ENRICHMENT_CONCURRENCY_{service.upper()}", default)))


def lease_seconds(*, service: str) -> int:
    """How long a concurrency slot is held at most, so a crashed worker cannot hold it forever."""
    return math.ceil(service_timeout(service=service)) + 30
