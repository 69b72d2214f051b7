"""The timeline: one day hour by hour, and the last twelve months as a heatmap."""

from datetime import timedelta
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from tracker.models import Scrobble
from tracker.selectors import dashboard as dashboard_selectors
from tracker.selectors import timeline as timeline_selectors
from web import charts


def timeline(request):
    """One day: hour chart and clock of every play, then its plays in pages of
    DAY_PAGE_SIZE; `after=` continues the day (the fragment when htmx asks for it)."""
    day = timeline_selectors.parse_day(request.GET.get("date"))
    after = request.GET.get("after", "")
    if timeline_selectors.decode_cursor(after) is None:
        after = ""
    page = timeline_selectors.day_page(day=day, after=after)
    htmx = request.htmx and not request.htmx.history_restore_request
    last = page.plays[-1] if page.plays else None
    counts = timeline_selectors.day_hour_counts(day=day)
    more_params = {"date": day.isoformat(), "after": page.next_cursor, "hour": last.local_hour if last else ""}
    context = {
        "day": day,
        "page": page,
        "after": after,
        "blocks": timeline_selectors.hour_blocks(plays=page.plays, counts=counts),
        "continued_hour": request.GET.get("hour", "") if after else "",
        "more_url": f"{reverse('timeline')}?{urlencode(more_params)}",
        "later_url": f"{reverse('timeline')}?{urlencode({'date': day.isoformat(), 'after': page.next_cursor})}",
    }
    if htmx and after and request.htmx.target == "day-more":
        return render(request, "tracker/timeline.html#hours", context)
    today = timezone.localdate()
    bars = charts.hour_bars(counts, anchors=True)
    context.update({
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None,
        "day_total": sum(counts),
        "day_ms": dashboard_selectors.day_totals(day=day).ms if page.plays else 0,
        "bars": bars,
        "clock": charts.listening_clock(hours=bars),
        "clock_labels": charts.clock_labels(),
    })
    if htmx:
        return render(request, "tracker/timeline.html#day", context)
    context["heatmap"] = charts.year_heatmap(**timeline_selectors.heatmap_counts(end=today))
    context["has_history"] = bool(page.plays) or Scrobble.objects.exists()
    return render(request, "tracker/timeline.html", context)
