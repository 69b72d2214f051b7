"""Analytics overview: tops by plays or time, plays over time, the week's hours, the calendar;
each view's table also as CSV (`?csv=top-artists`)."""

import csv
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.exports import spreadsheet_cell
from tracker.selectors import analytics as analytics_selectors
from web import charts
from web.analytics_period import period_context


@dataclass(frozen=True)
class _PeriodLink:
    """A preset of the period picker whose link also keeps this page's `by=`."""

    key: str
    label: str
    query: str


def analytics(request: HttpRequest) -> HttpResponse:
    context = period_context(request)
    period, by = context["period"], analytics_selectors.parse_by(request.GET.get("by"))
    overview = analytics_selectors.analytics_overview(period=period, by=by)
    if "csv" in request.GET:
        return _csv(overview, request.GET["csv"])
    hour_bars = charts.hour_bars(overview.week_hours.hours)
    context.update(
        overview=overview, by=by, has_history=analytics_selectors.has_history(),
        period_choices=[_PeriodLink(p.key, p.label, f"{p.query}&by={by}") for p in context["period_choices"]],
        tops=[(kind, overview.tops[kind]) for kind in analytics_selectors.KINDS],
        over_time_bars=charts.over_time_bars(overview.over_time.buckets, step=overview.over_time.step),
        week_heatmap=charts.week_hour_heatmap(overview.week_hours.grid),
        clock=charts.listening_clock(hours=hour_bars), clock_labels=charts.clock_labels(),
        calendar=None if overview.calendar is None else charts.year_heatmap(
            counts=overview.calendar, start=charts.calendar_start(period.start), end=period.end,
            version=f"{period.start}:{period.end}"),
    )
    return render(request, "tracker/analytics.html", context)


def _csv(overview, name: str) -> HttpResponse:
    table = overview.tables.get(name)
    if table is None:
        choices = ", ".join(analytics_selectors.CSV_VIEWS)
        return HttpResponse(f"Unknown table {name[:40]!r}: ask for one of {choices}.\n", status=400,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = overview.period
    slug = f"{period.start}-to-{period.end}" if period.key == "custom" else period.key
    response["Content-Disposition"] = f'attachment; filename="{name}-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.header)
    writer.writerows([[spreadsheet_cell(value) for value in row] for row in table.rows])
    return response

