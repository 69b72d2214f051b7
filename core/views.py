from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.models import ApiToken, Job
from core.resilience.services import service_configured
from core.selectors.health import health_report


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """Liveness for load balancers and people: database reachable, worker heartbeat age."""
    report = health_report()
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)


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
            name = request.POST.get("name", "").strip()[:100] or "default"
            token, new_token = ApiToken.issue(user=request.user, name=name)
        elif action == "revoke_token":
            token_id = request.POST.get("token_id", "")
            deleted = ApiToken.objects.filter(user=request.user, pk=token_id).delete()[0] if token_id.isdigit() else 0
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
    }
    return render(request, "core/settings.html", context)


@require_GET
def job_progress(request, job_id: int):
    """A job's progress bar; htmx polls it while the job runs."""
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "core/partials/job_progress.html", {"job": job})
