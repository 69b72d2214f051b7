"""The settings page and its forms: outside services, API tokens, the Last.fm tracker, history imports.

The Discogs section is the collection's sync panel (web.views.collection answers its button).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.clients.checks import connection_check
from core.models import ApiToken, Job
from core.params import parse_id
from core.resilience.services import SERVICES, service_configured, service_not_configured
from core.selectors.backups import backup_overview
from core.selectors.service_accounts import spotify_account_state
from tracker.selectors.tracker_status import tracker_status
from tracker.services.import_upload import IMPORT_KIND, UploadRejected, import_upload_start, upload_max_bytes
from tracker.services.lastfm import lastfm_backfill_start, tracker_set


@require_http_methods(["GET", "POST"])
@never_cache
def settings_page(request):
    """Settings: outside services, personal API tokens, and how to configure the rest.

    A new token is rendered in the POST response itself (never stored, never redirected
    through the session), so it is shown exactly once.
    """
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create_token":
            scope = ApiToken.READ if request.POST.get("scope") == ApiToken.READ else ApiToken.WRITE
            token, new_token = ApiToken.issue(user=request.user, name=request.POST.get("name", ""), scope=scope)
        elif action == "revoke_token":
            token_id = parse_id(request.POST.get("token_id", ""))
            deleted = ApiToken.objects.filter(user=request.user, pk=token_id).delete()[0] if token_id else 0
            messages.success(request, "Token revoked.") if deleted else messages.error(request, "No such token.")
            return redirect("settings")
        else:
            messages.error(request, "Unknown action.")
            return redirect("settings")
    context = {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created_at"),
        "new_token": new_token,
        "discogs_configured": service_configured(service="discogs"),
        "discogs_username": settings.DISCOGS_USERNAME,
        "spotify_account": spotify_account_state(),
        "backups": backup_overview(),
    }
    return render(request, "core/settings.html", context)


@require_POST
def service_test(request, service: str):
    """htmx swaps the answer into the service's row; without JavaScript it is a small page.

    Only staff (the owner) may spend the services' quota and learn how they are set up.
    """
    if not request.user.is_staff:
        raise PermissionDenied
    if service not in SERVICES:
        raise Http404("unknown service")
    check = connection_check(service=service)
    template = "core/partials/service_test_result.html" if request.htmx else "core/service_test.html"
    return render(request, template, {"check": check, "label": SERVICES[service].label})


# --- tracker ------------------------------------------------------------------------------
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
    if (unconfigured := service_not_configured(service="lastfm")) is not None:
        error = f"{unconfigured} first."
        return (_tracker_panel(request, error=error) if request.htmx
                else _back_to_settings(request, "tracker", error=error))
    interval = request.POST.get("interval_seconds", "").strip()
    if interval and not interval.isdigit():
        error = "The interval is a number of seconds."
        return (_tracker_panel(request, error=error) if request.htmx
                else _back_to_settings(request, "tracker", error=error))
    state = tracker_set(enabled=request.POST.get("enabled") in ("1", "on", "true"),
                        interval_seconds=int(interval) if interval else None)
    notice = f"Polling {'on' if state.enabled else 'off'}, every {state.interval_seconds} s."
    return (_tracker_panel(request, notice=notice) if request.htmx
            else _back_to_settings(request, "tracker", notice=notice))


@require_POST
def tracker_backfill(request):
    """Start (or show the running) full-history backfill; answers its progress bar."""
    if (unconfigured := service_not_configured(service="lastfm")) is not None:
        error = f"{unconfigured} first."
        if request.htmx:
            return render(request, "tracker/partials/form_error.html", {"error": error})
        return _back_to_settings(request, "tracker", error=error)
    job = lastfm_backfill_start()
    if request.htmx:
        return render(request, "core/partials/job_progress.html", {"job": job})
    return _back_to_settings(request, "tracker", notice="Backfill started: the whole Last.fm history is on its way.")


@require_POST
def import_upload(request):
    """Store uploaded history files and queue their import; answers the import's status."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > upload_max_bytes():  # refuse before reading the body
        error = (f"The upload is larger than {upload_max_bytes() // (1024 * 1024):,} MB (IMPORT_MAX_UPLOAD_MB); "
                 "nothing was imported.")
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
