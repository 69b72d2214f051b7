"""The journal export download of the settings page: streamed, never built in memory."""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker.selectors.stats import day_in_range
from web.journal_export import FORMATS, journal_export


@require_GET
@never_cache
def journal_export_download(request: HttpRequest) -> HttpResponse:
    """`?format=csv|json|listenbrainz&since=YYYY-MM-DD` as a file; a bad value goes back to the form."""
    format = request.GET.get("format", "csv")
    since_text = request.GET.get("since", "").strip()
    since = _day(since_text)
    if format not in FORMATS:
        return _back_to_form(request, f"Unknown export format {format!r}.")
    if since_text and since is None:
        return _back_to_form(request, f"{since_text!r} is not a date like 2024-01-31.")
    export = journal_export(format=format, since=since, username=request.user.get_username())
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    return response


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if day_in_range(day) else None


def _back_to_form(request: HttpRequest, error: str) -> HttpResponse:
    messages.error(request, error)
    return redirect(f"{reverse('settings')}#export")
