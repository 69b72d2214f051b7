"""Admin for the shared kernel: job progress (read-only), API tokens (never their hash), service metrics."""

import json

from django.contrib import admin
from django.utils.html import format_html

from core.models import ApiToken, Job, ServiceMetric


def pretty_json(value) -> str:
    """JSON as an escaped, indented <pre> block."""
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, default=str))


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by the tasks that run them; here they are watched and cleaned up."""

    list_display = ["__str__", "kind", "status", "progress", "message", "created_at", "started_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "message", "error"]
    date_hierarchy = "created_at"
    fields = [
        "kind", "status", "progress", "message", "created_at", "started_at", "finished_at",
        "error", "params_display", "checkpoint_display",
    ]
    readonly_fields = fields

    @admin.display(description="progress")
    def progress(self, obj):
        if obj.total:
            return format_html(
                '<progress max="100" value="{}"></progress> {}/{} ({}%)', obj.percent, obj.done, obj.total, obj.percent
            )
        return f"{obj.done} done" if obj.done else "—"

    @admin.display(description="params")
    def params_display(self, obj):
        return pretty_json(obj.params)

    @admin.display(description="checkpoint")
    def checkpoint_display(self, obj):
        return pretty_json(obj.checkpoint)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the settings page or by `manage.py create_api_token USERNAME [--read-only]`,
    which show the token once. The admin lists, renames, rescopes and revokes (deletes) them; the
    stored hash is never shown.
    """

    list_display = ["name", "user", "prefix", "scope", "created_at", "last_used_at"]
    list_select_related = ["user"]
    list_filter = ["user", "scope"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "prefix", "scope", "created_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ServiceMetric)
class ServiceMetricAdmin(admin.ModelAdmin):
    """Counters written by the resilience layer; read-only, deletable to reset a service's figures."""

    list_display = [
        "service", "requests", "successes", "failures", "retries", "short_circuits",
        "success_rate_display", "cache_hit_rate_display", "latency_display", "last_success_at", "last_error_at",
    ]
    search_fields = ["service"]

    @admin.display(description="success rate")
    def success_rate_display(self, obj):
        return "—" if obj.success_rate is None else f"{obj.success_rate:.0%}"

    @admin.display(description="cache hits")
    def cache_hit_rate_display(self, obj):
        return "—" if obj.cache_hit_rate is None else f"{obj.cache_hit_rate:.0%}"

    @admin.display(description="avg latency")
    def latency_display(self, obj):
        return "—" if obj.average_latency_ms is None else f"{obj.average_latency_ms:.0f} ms"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
