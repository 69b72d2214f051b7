"""`{% spotify_export_state as spotify %}`: whether this page may show the "Export to Spotify" button.

The playlist pages include `playlists/partials/spotify_export.html` with only the playlist and the
request in their context; the partial asks here, so no view has to pass anything for it.
"""

from dataclasses import dataclass

from django import template

from core.selectors.service_accounts import spotify_account_state

register = template.Library()


@dataclass(frozen=True)
class SpotifyExportState:
    ready: bool
    explanation: str  # one line when not ready: what to set or do first


@register.simple_tag(takes_context=True)
def spotify_export_state(context) -> SpotifyExportState:
    account = spotify_account_state()
    if not account.ready:
        return SpotifyExportState(ready=False, explanation=account.explanation)
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_staff:
        return SpotifyExportState(ready=False, explanation="Only the owner exports playlists to Spotify.")
    return SpotifyExportState(ready=True, explanation="")
