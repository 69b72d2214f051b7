"""What the views that connect an outside account share: only the owner acts, a one-time `state`
proves the answer belongs to a connection started here, and the way back to the settings page."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse


def owner_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


def state_issue(request: HttpRequest, *, key: str) -> str:
    """A fresh state, kept in the session under `key` until the callback."""
    state = secrets.token_urlsafe(32)
    request.session[key] = state
    return state


def state_matches(request: HttpRequest, *, key: str) -> bool:
    """Whether the callback's `state` is the one this session sent (used once, then forgotten)."""
    expected = request.session.pop(key, "")
    return bool(expected) and secrets.compare_digest(expected, request.GET.get("state", ""))


def back_to_settings(request: HttpRequest, *, anchor: str, notice: str = "", error: str = ""):
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(f"{reverse('settings')}#{anchor}")
