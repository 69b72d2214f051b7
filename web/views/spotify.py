"""The Spotify account (connect through Spotify's login page, its callback, disconnect) and a playlist's export.

Only the owner (staff) acts here: the account is theirs. The callback takes the code only when the
`state` it carries is the one this session sent (a connection nobody started here is refused).
"""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.clients.spotify_user import SERVICE, spotify_authorize_url, spotify_code_exchange
from core.normalize import clean_text
from core.resilience import AuthFailed, ServiceError
from core.selectors.service_accounts import spotify_account_state
from core.services.service_accounts import service_account_connect, service_account_disconnect
from playlists.models import Playlist
from playlists.services.spotify_export import SpotifyExportRefused, playlist_spotify_export
from web.account_views import back_to_settings, owner_only, state_issue, state_matches

SESSION_STATE = "spotify_oauth_state"


def _back_to_settings(request: HttpRequest, **message):
    return back_to_settings(request, anchor="spotify", **message)


@require_GET
def spotify_connect(request: HttpRequest):
    """Send the owner to Spotify's login page, with a fresh `state` kept in the session.

    A link, not a form: the page's CSP (`form-action 'self'`) stops a form whose answer redirects
    to another site. Nothing is changed here; only the callback with this state connects.
    """
    owner_only(request)
    try:
        url = spotify_authorize_url(state=state_issue(request, key=SESSION_STATE))
    except ServiceError as unconfigured:
        return _back_to_settings(request, error=f"{unconfigured.message}.")
    return redirect(url)


@require_GET
def spotify_callback(request: HttpRequest):
    """Where Spotify sends the owner back: check the state, trade the code for tokens, store the token."""
    owner_only(request)
    if not state_matches(request, key=SESSION_STATE):
        return _back_to_settings(request, error="Spotify's answer does not belong to a connection started here: "
                                                "nothing was changed. Press “Connect Spotify” again.")
    if error := request.GET.get("error"):
        reason = "access was not granted" if error == "access_denied" else f"Spotify answered “{clean_text(error, 80)}”"
        return _back_to_settings(request, error=f"Spotify was not connected: {reason}.")
    code = request.GET.get("code", "")
    if not code:
        return _back_to_settings(request, error="Spotify was not connected: its answer held no authorization code.")
    try:
        connection = spotify_code_exchange(code=code)
    except ServiceError as failure:
        return _back_to_settings(request, error=f"Spotify was not connected: {failure.message}.")
    service_account_connect(service=SERVICE, account_name=connection.account_name,
                            refresh_token=connection.refresh_token)
    return _back_to_settings(request, notice=f"Spotify connected as {connection.account_name or 'your account'}: "
                                             "playlists can be exported to it.")


@require_POST
def spotify_disconnect(request: HttpRequest):
    """Forget the stored account (SPOTIFY_REFRESH_TOKEN, when set, stays in force)."""
    owner_only(request)
    removed = service_account_disconnect(service=SERVICE)
    notice = "Spotify disconnected." if removed else "No Spotify account was connected here."
    if spotify_account_state().source == "environment":
        notice += " SPOTIFY_REFRESH_TOKEN is still set: exports keep going to that account."
    return _back_to_settings(request, notice=notice)


@require_POST
def spotify_export(request: HttpRequest, playlist_id: int):
    """Export the playlist and answer what came of it (htmx swaps it in under the button)."""
    owner_only(request)
    playlist = get_object_or_404(Playlist, pk=playlist_id)
    result, error = None, ""
    try:
        result = playlist_spotify_export(playlist=playlist)
    except AuthFailed as refused:
        error = f"Spotify refused the saved connection ({refused.message}): connect the account again in Settings."
    except ServiceError as failure:
        error = f"Not exported: {failure.message}."
    except SpotifyExportRefused as refused:
        error = str(refused)
    if request.htmx:  # htmx swaps only 2xx answers: a failure is shown with 200 and an alert inside
        return render(request, "playlists/partials/spotify_export.html#result",
                      {"playlist": playlist, "result": result, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Exported to Spotify ({result.url}): {result.matched} of {result.total} tracks "
                                  f"matched{f', {len(result.unmatched)} not found' if result.unmatched else ''}.")
    return redirect(playlist.get_absolute_url())
