"""The Last.fm account for writing: connect through Last.fm's web auth page, its callback, disconnect.

Only the owner (staff) acts here: the account is theirs. Last.fm's web auth knows no `state`, so
ours rides in the callback URL it sends the user back to, and the callback takes the token only when
that state is the one this session sent (a connection nobody started here is refused).
"""

from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.clients.lastfm import SERVICE
from core.clients.lastfm_user import lastfm_auth_url, lastfm_session_from_token
from core.resilience import ServiceError
from core.selectors.service_accounts import lastfm_account_state
from core.services.service_accounts import service_account_connect, service_account_disconnect
from web.account_views import back_to_settings, owner_only, state_issue, state_matches

SESSION_STATE = "lastfm_auth_state"


def _back_to_settings(request: HttpRequest, **message):
    return back_to_settings(request, anchor="lastfm-account", **message)


@require_GET
def lastfm_connect(request: HttpRequest):
    """Send the owner to Last.fm's web auth page, with a fresh state in the callback and the session.

    A link, not a form: the page's CSP (`form-action 'self'`) stops a form whose answer redirects to
    another site. Nothing is changed here; only the callback with this state connects.
    """
    owner_only(request)
    state = state_issue(request, key=SESSION_STATE)
    callback = request.build_absolute_uri(f"{reverse('lastfm_callback')}?state={state}")
    try:
        url = lastfm_auth_url(callback=callback)
    except ServiceError as unconfigured:
        return _back_to_settings(request, error=f"{unconfigured.message}.")
    return redirect(url)


@require_GET
def lastfm_callback(request: HttpRequest):
    """Where Last.fm sends the owner back: check the state, trade the token for a session key, store it."""
    owner_only(request)
    if not state_matches(request, key=SESSION_STATE):
        return _back_to_settings(request, error="Last.fm's answer does not belong to a connection started here: "
                                                "nothing was changed. Press “Connect Last.fm” again.")
    token = request.GET.get("token", "")
    if not token:
        return _back_to_settings(request, error="Last.fm was not connected: its answer held no token.")
    try:
        connection = lastfm_session_from_token(token=token)
    except ServiceError as failure:
        return _back_to_settings(request, error=f"Last.fm was not connected: {failure.message}.")
    service_account_connect(service=SERVICE, account_name=connection.account_name,
                            refresh_token=connection.session_key)
    return _back_to_settings(request, notice=f"Last.fm connected as {connection.account_name or 'your account'}: "
                                             "the records you log as played are scrobbled there too.")


@require_POST
def lastfm_disconnect(request: HttpRequest):
    """Forget the stored session key (LASTFM_SESSION_KEY, when set, stays in force)."""
    owner_only(request)
    removed = service_account_disconnect(service=SERVICE)
    notice = "Last.fm disconnected for scrobbling." if removed else "No Last.fm account was connected here."
    if lastfm_account_state().source == "environment":
        notice += " LASTFM_SESSION_KEY is still set: logged plays keep going to that account."
    return _back_to_settings(request, notice=notice)
