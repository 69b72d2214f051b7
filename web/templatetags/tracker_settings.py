"""The tracker and imports sections of the settings page, as inclusion tags."""

from django import template
from django.conf import settings

from tracker.importers import FORMAT_CHOICES
from tracker.selectors.tracker_status import tracker_status
from tracker.services.import_upload import import_file_results, import_jobs_recent, upload_max_bytes

register = template.Library()


@register.inclusion_tag("tracker/partials/tracker_panel.html", takes_context=True)
def tracker_panel(context):
    """Polling switch and interval, last poll and error, now playing, backfill button."""
    return {"status": tracker_status(), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("tracker/partials/imports_panel.html", takes_context=True)
def imports_panel(context):
    """The upload form and the latest imports with their per-file outcome."""
    return {
        "formats": FORMAT_CHOICES,
        "max_mb": upload_max_bytes() // (1024 * 1024),
        "time_zone": settings.TIME_ZONE,
        "jobs": import_jobs_recent(limit=3),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def import_results(job):
    return import_file_results(job=job)
