"""The dashboard: now playing, today, the last plays, this week."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.resilience.services import service_configured
from enrichment.selectors import enrichment_paused
from tracker.selectors import dashboard as dashboard_selectors
from web import charts


def _live_context() -> dict:
    """What the dashboard refreshes every 30 s: now playing, today, the last plays."""
    today = timezone.localdate()
    recent = dashboard_selectors.recent_plays(limit=20)
    week = charts.week_bars(dashboard_selectors.week_days(today=today), today=today)
    return {
        "now_playing": dashboard_selectors.now_playing(),
        "today": dashboard_selectors.day_totals(day=today),
        "recent": recent,
        "has_history": bool(recent),
        "week": week,
        "week_total": sum(bar["value"] for bar in week),
    }


def dashboard(request):
    context = _live_context()
    context["week_artists"] = dashboard_selectors.week_top_artists(today=timezone.localdate())
    context["lastfm_configured"] = service_configured(service="lastfm")
    context["enrichment_paused"] = enrichment_paused()
    return render(request, "tracker/dashboard.html", context)


@require_GET
def dashboard_live(request):
    """The now-playing card (polled by htmx); with `oob=1`, today's figures and the last
    plays ride along as out-of-band swaps."""
    context = {**_live_context(), "oob": request.GET.get("oob") == "1"}
    return render(request, "tracker/partials/dashboard_live.html", context)
