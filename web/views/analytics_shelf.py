"""Analytics, "Shelf & sound": tags, labels, years and eras of a period's plays, and the collection
against them; `?csv=<table>` downloads one view's table."""

import csv
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.exports import spreadsheet_cell
from tracker.selectors import analytics as analytics_selectors
from tracker.selectors import shelf as shelf_selectors
from web.analytics_period import period_context


def analytics_shelf(request: HttpRequest) -> HttpResponse:
    context = period_context(request)
    period = context["period"]
    view = shelf_selectors.shelf_view(period=period)
    table = request.GET.get("csv", "")
    if table in shelf_selectors.TABLES:
        return _csv(view.tables[table].csv_rows(), f"shelf-{table}-{period.key}.csv")
    tables = {key: _Rendered(table.heads, table.rows, _body(table)) for key, table in view.tables.items()}
    stacks = [(stack, _rects(stack)) for stack in view.years]
    context.update(shelf=view, has_history=analytics_selectors.has_history(), tables=tables, stacks=stacks)
    return render(request, "tracker/analytics_shelf.html", context)


@dataclass(frozen=True)
class _Rendered:
    """A table as the page draws it: its heads, its rows (to test for none) and its body's HTML."""

    heads: list[tuple[str, bool]]
    rows: list
    body: SafeString


def _body(table: shelf_selectors.Table) -> SafeString:
    """The <tr> rows of a table, built here rather than cell by cell in the template: a page of
    nine tables holds some 600 cells, and each costs the template language a dozen lookups."""
    album_url = reverse("album_detail", args=[0])[:-2]  # "/albums/0/" less "0/": each id goes in its place
    parts = []
    for row in table.rows:
        parts.append("<tr>")
        for cell in row:
            text = escape(cell.text)
            if cell.album_id:
                text = f'<a href="{album_url}{int(cell.album_id)}/">{text}</a>'
            elif cell.url:
                text = f'<a href="{escape(cell.url)}" rel="external noopener noreferrer">{text}</a>'
            parts.append(f'<td class="num">{text}</td>' if cell.numeric else f"<td>{text}</td>")
        parts.append("</tr>\n")
    return mark_safe("".join(parts))  # every piece of data in it is escaped above


def _csv(rows: list[list[str]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response


def _rects(stack: shelf_selectors.YearStack) -> SafeString:
    """The segments of one year's column (up to nine <rect>s, a year of them per period's year)."""
    return mark_safe("".join(  # the tag names, the only data that is text, are escaped
        f'<rect class="shelf-seg shelf-seg-{int(s.color)}" x="0" y="{s.start}" width="10" height="{s.share}">'
        f"<title>{stack.year} · {escape(s.name)}: {s.share:.1f} % ({s.plays} plays)</title></rect>"
        for s in stack.segments))
