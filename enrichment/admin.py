"""Admin for the evidence trail: facts are written by providers, shown here with their evidence."""

import json

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from enrichment.models import Fact


@admin.register(Fact)
class FactAdmin(admin.ModelAdmin):
    """Value, provider and evidence are read-only; confidence and expiry may be corrected by hand."""

    list_display = ["entity", "field", "short_value", "provider", "confidence", "retrieved_at", "expires_at"]
    list_filter = ["entity_type", "provider", "field"]
    search_fields = ["field", "provider", "entity_id__exact"]
    date_hierarchy = "retrieved_at"
    fields = [
        "entity", "field", "value_display", "provider", "retrieved_at", "evidence_list", "confidence", "expires_at",
    ]
    readonly_fields = ["entity", "field", "value_display", "provider", "retrieved_at", "evidence_list"]

    @admin.display(description="entity", ordering="entity_id")
    def entity(self, obj):
        try:
            url = reverse(f"admin:catalog_{obj.entity_type}_change", args=[obj.entity_id])
        except NoReverseMatch:
            return f"{obj.entity_type} #{obj.entity_id}"
        return format_html('<a href="{}">{} #{}</a>', url, obj.get_entity_type_display(), obj.entity_id)

    @admin.display(description="value")
    def short_value(self, obj):
        return Truncator(json.dumps(obj.value, ensure_ascii=False, default=str)).chars(60)

    @admin.display(description="value")
    def value_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.value, indent=2, ensure_ascii=False, default=str))

    @admin.display(description="evidence")
    def evidence_list(self, obj):
        items = obj.evidence if isinstance(obj.evidence, list) else [obj.evidence]
        if not items:
            return "—"
        rows = format_html_join("", "<li>{}</li>", ((_evidence_item(item),) for item in items))
        return format_html("<ul>{}</ul>", rows)

    def has_add_permission(self, request):
        return False


def _evidence_item(item) -> str:
    """A URL becomes a link (http and https only); anything else is shown as escaped text."""
    text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str)
    if text.startswith(("https://", "http://")):
        return format_html('<a href="{}" rel="noreferrer noopener" target="_blank">{}</a>', text, text)
    return text
