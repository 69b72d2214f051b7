"""Whether a connected account of an outside service can be used, and as whom: the Spotify
playlist export and Last.fm scrobbling, for the settings page, the buttons and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from core.clients import lastfm_user, spotify_user
from core.models import ServiceAccount
from core.resilience import NotConfigured
from core.services.service_accounts import service_account_token_of


@dataclass(frozen=True)
class AccountState:
    service: str
    use: str  # what the account is for, as a sentence starts: "Export to Spotify"
    missing: list[str] = field(default_factory=list)  # settings still to set, by name
    source: str = ""  # "environment" (a setting holds the credential), "stored" (connected here), "" (none)
    account_name: str = ""
    connected_at: datetime | None = None
    unreadable: bool = False  # a stored credential that SECRET_KEY no longer opens

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
        """One line saying what stands in the way; empty when nothing does."""
        label = {"spotify": "Spotify", "lastfm": "Last.fm"}.get(self.service, self.service)
        if self.missing:
            return f"{NotConfigured(self.service, self.missing, label=self.use)}."
        if self.unreadable:
            return f"The saved {label} connection no longer opens (SECRET_KEY changed): connect the account again."
        if not self.connected:
            return f"{self.use} needs your {label} account: connect it on the settings page."
        return ""


def _account_state(*, service: str, use: str, missing: list[str], environment_credential: str) -> AccountState:
    if environment_credential:
        return AccountState(service, use, missing, source="environment")
    account = ServiceAccount.objects.filter(service=service).first()
    if account is None:
        return AccountState(service, use, missing)
    if service_account_token_of(account) is None:
        return AccountState(service, use, missing, account_name=account.account_name, unreadable=True)
    return AccountState(service, use, missing, source="stored", account_name=account.account_name,
                        connected_at=account.connected_at)


def spotify_account_state() -> AccountState:
    return _account_state(service=spotify_user.SERVICE, use="Export to Spotify",
                          missing=spotify_user.spotify_user_missing_settings(),
                          environment_credential=settings.SPOTIFY_REFRESH_TOKEN)


def lastfm_account_state() -> AccountState:
    return _account_state(service=lastfm_user.SERVICE, use="Scrobbling to Last.fm",
                          missing=lastfm_user.lastfm_writer_missing_settings(),
                          environment_credential=settings.LASTFM_SESSION_KEY)
