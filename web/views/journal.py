"""The journal: every play, newest first, by day, filtered, with an infinite scroll."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from tracker.models import Scrobble
from tracker.selectors import journal as journal_selectors


def _journal_url(params: dict) -> str:
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{reverse('journal')}?{query}" if query else reverse("journal")


def journal(request):
    """Plays by day. Full page; `#results` for filter changes; `#rows` for the next chunk of
    the infinite scroll, whose response also replaces the address with one that shows the
    same rows on reload (`until=`)."""
    filters = journal_selectors.filters_from_query(request.GET)
    base = filters.as_params()
    start = request.GET.get("before", "")
    if journal_selectors.decode_cursor(start) is None:
        start = ""
    more = request.GET.get("more", "")
    htmx = request.htmx and not request.htmx.history_restore_request
    if more and not htmx:  # a fragment URL opened as a page: show that chunk as a page
        start, more = more, ""
    page = journal_selectors.journal_page(
        filters=filters, cursor=more or start, until="" if more else request.GET.get("until", "")
    )
    last = page.plays[-1] if page.plays else None
    next_day = last.local_date.isoformat() if last else ""
    context = {
        "filters": filters,
        "page": page,
        "chips": [
            {"chip": chip, "remove": _journal_url({k: v for k, v in base.items() if k != chip.param})}
            for chip in journal_selectors.filter_chips(filters=filters)
        ],
        "sources": Scrobble.Source.choices,
        "start": start,
        "newest_url": _journal_url(base),
        "more_url": _journal_url({**base, "before": start, "more": page.next_cursor, "day": next_day}),
        "older_url": _journal_url({**base, "before": page.next_cursor}),
        "continued_day": request.GET.get("day", "") if more else "",
    }
    if htmx and more:
        response = render(request, "tracker/journal.html#rows", context)
        if last:
            response["HX-Replace-Url"] = _journal_url(
                {**base, "before": start, "until": journal_selectors.encode_cursor(last)}
            )
        return response
    context["has_history"] = bool(page.plays) or Scrobble.objects.exists()
    if htmx and request.htmx.target == "journal-results":
        response = render(request, "tracker/journal.html#results", context)
        response["HX-Push-Url"] = _journal_url({**base, "before": start})  # the tidy form of the form's query
        return response
    return render(request, "tracker/journal.html", context)
