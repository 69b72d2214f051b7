"""The settings page's "test connection" button: one cheap call, answered in plain words."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from core.clients.checks import connection_check
from core.resilience.services import SERVICES


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
