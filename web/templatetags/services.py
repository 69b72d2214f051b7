"""`{% services_panel %}`: every outside service's configuration, health and figures on the settings page."""

import logging

from django import template

from core.resilience.metrics import ServiceOverview, service_overview_list
from core.resilience.services import SERVICES, service_missing_settings

register = template.Library()
logger = logging.getLogger("core.resilience")


def _fallback_overviews() -> list[ServiceOverview]:
    """Only configuration, when figures cannot be read (the page must render regardless)."""
    rows = []
    for service in SERVICES.values():
        missing = service_missing_settings(service=service.id)
        rows.append(ServiceOverview(service=service.id, label=service.label, configured=not missing, missing=missing,
                                    breaker={"state": "unknown", "failures": 0, "retry_in_seconds": None}))
    return rows


@register.inclusion_tag("core/partials/services_panel.html", takes_context=True)
def services_panel(context):
    try:
        services = service_overview_list()
    except Exception as exc:  # an odd cache or database must not take the settings page down
        logger.warning("services panel shows configuration only: %s", exc.__class__.__name__)
        services = _fallback_overviews()
    # The plain (no-JavaScript) form posts too, so it needs the page's CSRF token.
    return {"services": services, "csrf_token": context.get("csrf_token")}


@register.filter
def percent(value) -> str:
    """0.953 → "95%"; None → "—"."""
    if value is None:
        return "—"
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"
