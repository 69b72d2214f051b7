"""Analytics, "Shelf & sound": tags, labels, years and eras of a period's plays, and the collection
against them; `?csv=<table>` downloads one view's table."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tracker.selectors import analytics as analytics_selectors
from tracker.selectors import shelf as shelf_selectors
from web.analytics_period import period_context

# A spreadsheet runs a cell that starts so as a formula: such names (data from outside) get a quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def analytics_shelf(request: HttpRequest) -> HttpResponse:
    context = period_context(request)
    period = context["period"]
    view = shelf_selectors.shelf_view(period=period)
    table = request.GET.get("csv", "")
    if table in shelf_selectors.TABLES:
        return _csv(view.tables[table].csv_rows(), f"shelf-{table}-{period.key}.csv")
    context.update(shelf=view, has_history=analytics_selectors.has_history(), tables=view.tables)
    return render(request, "tracker/analytics_shelf.html", context)


def _csv(rows: list[list[str]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell for cell in row])
    return response
