"""`{% services_panel %}`: the outside services' status block on the settings page.

Placeholder until the outside-world layer lands: it only says which services are configured.
"""

from django import template
from django.conf import settings

register = template.Library()

SERVICES = [
    ("lastfm", "Last.fm", ["LASTFM_API_KEY", "LASTFM_USERNAME"]),
    ("spotify", "Spotify", ["SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"]),
    ("discogs", "Discogs", ["DISCOGS_TOKEN", "DISCOGS_USERNAME"]),
    ("wikidata", "Wikidata", []),
    ("apify", "Apify (monthly listeners)", ["APIFY_TOKEN"]),
    ("ai", "AI notes", ["AI_API_KEY"]),
]


@register.inclusion_tag("core/partials/services_panel.html")
def services_panel():
    rows = []
    for service_id, label, variables in SERVICES:
        missing = [name for name in variables if not getattr(settings, name, "")]
        rows.append({"id": service_id, "label": label, "configured": not missing, "missing": missing})
    return {"services": rows}
