"""Pages of the listening history: dashboard, journal, timeline, analytics."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from catalog.models import Artist
from tracker.models import Scrobble
from tracker.selectors import analytics as analytics_selectors
from tracker.selectors import dashboard as dashboard_selectors
from tracker.selectors import journal as journal_selectors
from tracker.selectors import timeline as timeline_selectors


def dashboard(request):
    today = timezone.localdate()
    context = {
        "now_playing": dashboard_selectors.now_playing(),
        "today": dashboard_selectors.day_totals(day=today),
        "recent": dashboard_selectors.recent_plays(limit=20),
        "week": dashboard_selectors.week_bars(today=today),
        "week_artists": dashboard_selectors.week_top_artists(today=today),
    }
    context["has_history"] = bool(context["recent"])
    context["week_total"] = sum(bar["value"] for bar in context["week"])
    return render(request, "tracker/dashboard.html", context)


def journal(request):
    filters = journal_selectors.parse_filters(
        artist=request.GET.get("artist", ""),
        source=request.GET.get("source", ""),
        loved=request.GET.get("loved", ""),
        q=request.GET.get("q", ""),
    )
    page = journal_selectors.journal_page(filters=filters, cursor=request.GET.get("before", ""))
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("day", None)
    context = {
        "filters": filters,
        "page": page,
        "sources": Scrobble.Source.choices,
        "filter_artist": Artist.objects.filter(pk=filters.artist_id).first() if filters.artist_id else None,
        "base_query": query.urlencode(),
        # The day heading already shown above the rows this fragment continues.
        "continued_day": request.GET.get("day", "") if request.htmx else "",
        "has_history": bool(page.plays) or Scrobble.objects.exists(),
    }
    if request.htmx and request.GET.get("before"):
        return render(request, "tracker/journal.html#rows", context)
    return render(request, "tracker/journal.html", context)


def timeline(request):
    day = timeline_selectors.parse_day(request.GET.get("date"))
    plays = timeline_selectors.day_plays(day=day)
    today = timezone.localdate()
    context = {
        "day": day,
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None,
        "plays": plays,
        "max_plays": timeline_selectors.MAX_PLAYS_PER_DAY,
        "blocks": timeline_selectors.hour_blocks(plays=plays),
        "bars": timeline_selectors.hour_bars(plays=plays),
        "heatmap": timeline_selectors.year_heatmap(end=today),
        "has_history": bool(plays) or Scrobble.objects.exists(),
        "total_ms": sum((p.ms_played or p.track.duration_ms or 0) for p in plays),
    }
    if request.htmx:
        return render(request, "tracker/timeline.html#day", context)
    return render(request, "tracker/timeline.html", context)


def analytics(request):
    period = analytics_selectors.parse_period(request.GET.get("period"))
    has_history = analytics_selectors.has_history()
    context = {"has_history": has_history, "period": period}
    if has_history:
        context.update(analytics_selectors.analytics_overview(period=period))
        context["clock_labels"] = analytics_selectors.clock_labels()
    if request.htmx and has_history:
        return render(request, "tracker/analytics.html#period", context)
    return render(request, "tracker/analytics.html", context)
