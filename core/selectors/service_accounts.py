"""Whether the Spotify playlist export can run, and as whom: for the settings page and the export button."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from core.clients.spotify_user import SERVICE, spotify_user_missing_settings
from core.models import ServiceAccount
from core.resilience import NotConfigured
from core.services.service_accounts import service_account_token_of


@dataclass(frozen=True)
class SpotifyAccountState:
    missing: list[str] = field(default_factory=list)  # settings still to set, by name
    source: str = ""  # "environment" (SPOTIFY_REFRESH_TOKEN), "stored" (connected here), "" (none)
    account_name: str = ""
    connected_at: datetime | None = None
    unreadable: bool = False  # a stored token that SECRET_KEY no longer opens

    @property
    def configured(self) -> bool:
        return not self.missing

    @property
    def connected(self) -> bool:
        return bool(self.source)

    @property
    def ready(self) -> bool:
        return self.configured and self.connected

    @property
    def explanation(self) -> str:
        """One line saying what stands in the export's way; empty when nothing does."""
        if self.missing:
            return f"{NotConfigured(SERVICE, self.missing, label='Export to Spotify')}."
        if self.unreadable:
            return "The saved Spotify connection no longer opens (SECRET_KEY changed): connect the account again."
        if not self.connected:
            return "Export to Spotify needs your Spotify account: connect it on the settings page."
        return ""


def spotify_account_state() -> SpotifyAccountState:
    missing = spotify_user_missing_settings()
    if settings.SPOTIFY_REFRESH_TOKEN:
        return SpotifyAccountState(missing=missing, source="environment")
    account = ServiceAccount.objects.filter(service=SERVICE).first()
    if account is None:
        return SpotifyAccountState(missing=missing)
    if service_account_token_of(account) is None:
        return SpotifyAccountState(missing=missing, account_name=account.account_name, unreadable=True)
    return SpotifyAccountState(missing=missing, source="stored", account_name=account.account_name,
                               connected_at=account.connected_at)
