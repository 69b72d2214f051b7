"""Pages of the listening history: dashboard, journal, timeline, analytics, and the tracker
and import forms of the settings page. Each view parses input, calls selectors or one
service, and renders; htmx requests get the fragment they swap."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.models import Job
from tracker.models import Scrobble
from tracker.selectors import analytics as analytics_selectors
from tracker.selectors import dashboard as dashboard_selectors
from tracker.selectors import journal as journal_selectors
from tracker.selectors import timeline as timeline_selectors
from tracker.selectors.tracker_status import tracker_status
from tracker.services.import_upload import IMPORT_KIND, UploadRejected, import_upload_start, upload_max_bytes
from tracker.services.lastfm import lastfm_backfill_start, tracker_set
from core.resilience.services import service_configured


# --- dashboard ----------------------------------------------------------------------------
def _live_context() -> dict:
    """What the dashboard refreshes every 30 s: now playing, today, the last plays."""
    today = timezone.localdate()
    recent = dashboard_selectors.recent_plays(limit=20)
    week = dashboard_selectors.week_bars(today=today)
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
    return render(request, "tracker/dashboard.html", context)


@require_GET
def dashboard_live(request):
    """The now-playing card (polled by htmx); with `oob=1`, today's figures and the last
    plays ride along as out-of-band swaps."""
    context = {**_live_context(), "oob": request.GET.get("oob") == "1"}
    return render(request, "tracker/partials/dashboard_live.html", context)


# --- journal ------------------------------------------------------------------------------
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
            response["HX-Replace-Url"] = _journal_url({**base, "before": start, "until": journal_selectors.encode_cursor(last)})
        return response
    context["has_history"] = bool(page.plays) or Scrobble.objects.exists()
    if htmx and request.htmx.target == "journal-results":
        response = render(request, "tracker/journal.html#results", context)
        response["HX-Push-Url"] = _journal_url({**base, "before": start})  # the tidy form of the form's query
        return response
    return render(request, "tracker/journal.html", context)


# --- timeline -----------------------------------------------------------------------------
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
    context = {
        "day": day,
        "page": page,
        "after": after,
        "blocks": timeline_selectors.hour_blocks(plays=page.plays, counts=counts),
        "continued_hour": request.GET.get("hour", "") if after else "",
        "more_url": f"{reverse('timeline')}?{urlencode({'date': day.isoformat(), 'after': page.next_cursor, 'hour': last.local_hour if last else ''})}",
        "later_url": f"{reverse('timeline')}?{urlencode({'date': day.isoformat(), 'after': page.next_cursor})}",
    }
    if htmx and after and request.htmx.target == "day-more":
        return render(request, "tracker/timeline.html#hours", context)
    today = timezone.localdate()
    bars = timeline_selectors.hour_bars(counts=counts)
    context.update({
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today else None,
        "day_total": sum(counts),
        "day_ms": dashboard_selectors.day_totals(day=day).ms if page.plays else 0,
        "bars": bars,
        "clock": analytics_selectors.listening_clock(hours=bars),
        "clock_labels": analytics_selectors.clock_labels(),
    })
    if htmx:
        return render(request, "tracker/timeline.html#day", context)
    context["heatmap"] = timeline_selectors.year_heatmap(end=today)
    context["has_history"] = bool(page.plays) or Scrobble.objects.exists()
    return render(request, "tracker/timeline.html", context)


# --- analytics ----------------------------------------------------------------------------
def analytics(request):
    period = analytics_selectors.parse_period(request.GET.get("period"))
    has_history = analytics_selectors.has_history()
    context = {"has_history": has_history, "period": period}
    if has_history:
        context.update(analytics_selectors.analytics_overview(period=period))
        context["clock_labels"] = analytics_selectors.clock_labels()
    if request.htmx and has_history and not request.htmx.history_restore_request:
        return render(request, "tracker/analytics.html#period", context)
    return render(request, "tracker/analytics.html", context)


# --- settings: tracker --------------------------------------------------------------------
def _tracker_panel(request, *, notice: str = "", error: str = ""):
    # htmx swaps only 2xx answers, so a refusal is shown with 200 and an alert inside.
    context = {"status": tracker_status(), "notice": notice, "error": error}
    return render(request, "tracker/partials/tracker_panel.html", context)


def _back_to_settings(request, section: str, *, notice: str = "", error: str = ""):
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(f"{reverse('settings')}#{section}")


@require_POST
def tracker_update(request):
    """Switch Last.fm polling on or off and set its interval (tracker_set)."""
    if not tracker_status(with_backfill=False).configured:
        error = "Last.fm is not configured: set LASTFM_USERNAME and LASTFM_API_KEY first."
        return _tracker_panel(request, error=error) if request.htmx else _back_to_settings(request, "tracker", error=error)
    interval = request.POST.get("interval_seconds", "").strip()
    if interval and not interval.isdigit():
        error = "The interval is a number of seconds."
        return _tracker_panel(request, error=error) if request.htmx else _back_to_settings(request, "tracker", error=error)
    state = tracker_set(enabled=request.POST.get("enabled") in ("1", "on", "true"), interval_seconds=int(interval) if interval else None)
    notice = f"Polling {'on' if state.enabled else 'off'}, every {state.interval_seconds} s."
    return _tracker_panel(request, notice=notice) if request.htmx else _back_to_settings(request, "tracker", notice=notice)


@require_POST
def tracker_backfill(request):
    """Start (or show the running) full-history backfill; answers its progress bar."""
    if not tracker_status(with_backfill=False).configured:
        error = "Last.fm is not configured: set LASTFM_USERNAME and LASTFM_API_KEY first."
        if request.htmx:
            return render(request, "tracker/partials/form_error.html", {"error": error})
        return _back_to_settings(request, "tracker", error=error)
    job = lastfm_backfill_start()
    if request.htmx:
        return render(request, "core/partials/job_progress.html", {"job": job})
    return _back_to_settings(request, "tracker", notice="Backfill started: the whole Last.fm history is on its way.")


# --- settings: imports --------------------------------------------------------------------
@require_POST
def import_upload(request):
    """Store uploaded history files and queue their import; answers the import's status."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > upload_max_bytes():  # refuse before reading the body
        error = f"The upload is larger than {upload_max_bytes() // (1024 * 1024):,} MB (IMPORT_MAX_UPLOAD_MB); nothing was imported."
    else:
        try:
            job = import_upload_start(files=request.FILES.getlist("files"), format=request.POST.get("format", "auto"))
        except UploadRejected as rejected:
            error = str(rejected)
        else:
            if request.htmx:
                return render(request, "tracker/partials/import_status.html", {"job": job})
            return _back_to_settings(request, "imports", notice="Upload received: the import runs in the background.")
    if request.htmx:
        return render(request, "tracker/partials/form_error.html", {"error": error})
    return _back_to_settings(request, "imports", error=error)


@require_GET
def import_status(request, job_id: int):
    """An import's progress, then its per-file outcome (htmx polls it while it runs)."""
    job = get_object_or_404(Job, pk=job_id, kind=IMPORT_KIND)
    return render(request, "tracker/partials/import_status.html", {"job": job})

