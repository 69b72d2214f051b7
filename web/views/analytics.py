"""Analytics: top charts of a period, plays per month, the listening clock."""

from django.shortcuts import render

from tracker.selectors import analytics as analytics_selectors
from web import charts


def analytics(request):
    period = analytics_selectors.parse_period(request.GET.get("period"))
    has_history = analytics_selectors.has_history()
    context = {"has_history": has_history, "period": period}
    if has_history:
        context.update(analytics_selectors.analytics_overview(period=period))
        hours = charts.hour_bars(context["hours"])
        context.update(months=charts.month_bars(context["months"]), hours=hours,
                       clock=charts.listening_clock(hours=hours), clock_labels=charts.clock_labels())
    if request.htmx and has_history and not request.htmx.history_restore_request:
        return render(request, "tracker/analytics.html#period", context)
    return render(request, "tracker/analytics.html", context)
