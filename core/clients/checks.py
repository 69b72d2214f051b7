"""The settings page's "test connection": one cheap call per service, answered in plain words.

Messages name the variable to check and never contain a secret's value.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.module_loading import import_string

from core.resilience import (
    AuthFailed,
    BadResponse,
    Busy,
    CircuitOpen,
    Forbidden,
    NotConfigured,
    NotFound,
    RateLimited,
    ServiceError,
    redact,
)
from core.resilience.services import service_get

logger = logging.getLogger("core.clients")

WIKIDATA_ASK = "ASK { wd:Q44190 wdt:P31 wd:Q215380 }"  # is Radiohead a musical group?


@dataclass(frozen=True)
class ConnectionCheck:
    service: str
    ok: bool
    message: str


def connection_check(*, service: str) -> ConnectionCheck:
    """Make one cheap call to `service`; never raises."""
    spec = service_get(service=service)
    label = spec.label
    try:
        return ConnectionCheck(service, True, f"{label}: {import_string(spec.check)()}")
    except ServiceError as error:
        return ConnectionCheck(service, False, f"{label}: {_explain(service, error)}")
    except Exception as exc:  # a connection test must answer, whatever broke
        logger.error("%s: connection test failed unexpectedly: %s", label, redact(f"{exc.__class__.__name__}: {exc}"))
        return ConnectionCheck(service, False, f"{label}: unexpected error ({exc.__class__.__name__}); see the logs")


def lastfm_check() -> str:
    from core.clients.lastfm import lastfm_user_info

    info = lastfm_user_info(retries=0)
    return f"user `{info['name'] or settings.LASTFM_USERNAME}` found, {intcomma(info['playcount'])} scrobbles"


def spotify_check() -> str:
    from core.clients.spotify import spotify_search, spotify_token_check

    spotify_token_check()
    items = spotify_search(query="Radiohead", kind="artist", limit=1, retries=0, force_refresh=True)
    found = f" (found “{items[0]['name']}”)" if items else ""
    return f"token granted, search works{found}"


def discogs_check() -> str:
    from core.clients.discogs import discogs_identity, discogs_user

    identity = discogs_identity(retries=0)
    user = discogs_user(retries=0)
    owner = f"token works for `{identity['username']}`"
    if identity["username"].casefold() != user["username"].casefold():
        owner += f" (collection read from `{user['username']}`)"
    return f"{owner}, {intcomma(user['num_collection'] or 0)} records in the collection"


def wikidata_check() -> str:
    from core.clients.wikidata import wikidata_ask

    wikidata_ask(query=WIKIDATA_ASK, retries=0)
    return "SPARQL endpoint answered"


def apify_check() -> str:
    from core.clients.apify import apify_me

    account = apify_me(retries=0)
    plan = f" (plan {account['plan']})" if account["plan"] else ""
    return f"token works for account `{account['username']}`{plan}"


def ai_check() -> str:
    from core.clients.ai import ai_models

    models = ai_models(retries=0)
    if settings.AI_MODEL in models:
        return f"endpoint answered, model `{settings.AI_MODEL}` is available"
    return (f"endpoint answered, but model `{settings.AI_MODEL}` is not among its {len(models)} models "
            "— check AI_MODEL")



def _explain(service: str, error: ServiceError) -> str:
    spec = service_get(service=service)
    what, variables, url_setting = spec.credential, spec.credential_settings, spec.base_url_setting
    if isinstance(error, NotConfigured):
        return f"not configured — set {', '.join(error.missing)}"
    if isinstance(error, AuthFailed):
        return f"{what} rejected — check {variables}"
    if isinstance(error, Forbidden):
        return f"access refused (HTTP 403) — the {what} works but lacks permission"
    if isinstance(error, NotFound):
        if spec.user_setting:
            return f"user `{getattr(settings, spec.user_setting)}` not found — check {spec.user_setting}"
        return f"nothing answers at that address — check {url_setting}"
    if isinstance(error, CircuitOpen):
        if error.retry_after:
            return f"paused after repeated failures; next try in {error.retry_after:.0f}s"
        return "paused after repeated failures; a trial call is under way"
    if isinstance(error, RateLimited):
        wait = f" for {error.retry_after:.0f}s" if error.retry_after else ""
        return f"the service asks us to slow down{wait}; try again later"
    if isinstance(error, Busy):
        return "busy with other calls right now; try again in a moment"
    if isinstance(error, BadResponse):
        return f"the answer could not be read — check {url_setting}"
    return f"service unreachable or failing ({error.message}) — check {url_setting} or try later"
