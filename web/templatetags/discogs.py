"""`{% discogs_sync_panel %}`: the "Sync Discogs" button with its progress and last-sync summary.

One panel for the collection page and the settings page, so both behave the same.
"""

from django import template
from django.conf import settings

from catalog.services.discogs_sync import discogs_last_sync
from core.resilience.services import service_configured

register = template.Library()


@register.inclusion_tag("catalog/partials/discogs_sync.html", takes_context=True)
def discogs_sync_panel(context, job=None, started=None):
    return {**discogs_sync_panel_context(job=job, started=started), "csrf_token": context.get("csrf_token")}


def discogs_sync_panel_context(*, job=None, started=None) -> dict:
    last = job or discogs_last_sync()
    return {
        "discogs_configured": service_configured(service="discogs"),
        "discogs_username": settings.DISCOGS_USERNAME,
        "job": last,
        "started": started,
    }
