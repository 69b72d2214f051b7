"""`/healthz`: public JSON for load balancers and people."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.selectors.health import health_report


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """Liveness: database reachable, worker heartbeat age."""
    report = health_report()
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)
