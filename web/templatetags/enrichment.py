"""`{% enrichment_panel %}`: the settings page's enrichment section (coverage, staleness, providers, last run)."""

from django import template

from enrichment.providers import providers_get
from enrichment.services.runs import enrich_last_run, enrichment_coverage

register = template.Library()


def _share(part, whole) -> int:
    return round(100 * (part or 0) / whole) if whole else 0


@register.inclusion_tag("enrichment/partials/enrichment_panel.html")
def enrichment_panel():
    coverage = enrichment_coverage()
    artists, albums = coverage["artists"], coverage["albums"]
    rows = [
        {"what": "Artists enriched", "count": artists["enriched"], "of": artists["total"]},
        {"what": "Artists with genres", "count": artists["with_genres"], "of": artists["total"]},
        {"what": "Artists with a picture", "count": artists["with_images"], "of": artists["total"]},
        {"what": "Albums enriched", "count": albums["enriched"], "of": albums["total"]},
        {"what": "Albums with a cover", "count": albums["with_images"], "of": albums["total"]},
        {"what": "Albums with AI notes", "count": albums["with_notes"], "of": albums["total"]},
    ]
    for row in rows:
        row["percent"] = _share(row["count"], row["of"])
    providers = []
    for provider in providers_get():
        available, reason = provider.is_available()
        providers.append({"id": provider.id, "available": available, "reason": reason})
    return {
        "rows": rows, "providers": providers, "last_run": enrich_last_run(),
        "stale_count": coverage["stale_count"], "stale_oldest": coverage["stale_oldest"],
        "average_popularity": artists["average_popularity"], "average_followers": artists["average_followers"],
    }
