"""Whether plays logged here can be scrobbled to Last.fm, and as whom: for the settings page and the album page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from core.clients.lastfm import SERVICE
from core.clients.lastfm_user import lastfm_writer_missing_settings
from core.models import ServiceAccount
from core.resilience import NotConfigured
from core.services.service_accounts import service_account_token_of


@dataclass(frozen=True)
class LastfmAccountState:
    missing: list[str] = field(default_factory=list)  # settings still to set, by name
    source: str = ""  # "environment" (LASTFM_SESSION_KEY), "stored" (connected here), "" (none)
    account_name: str = ""
    connected_at: datetime | None = None
    unreadable: bool = False  # a stored session key that SECRET_KEY no longer opens

    @property
    def configured(self) -> bool:
        return not self.missing

    @property
    def ready(self) -> bool:
        """Logged plays will be scrobbled."""
        return self.configured and bool(self.source)

    @property
    def explanation(self) -> str:
        """One line saying what stands in the way of scrobbling; empty when nothing does."""
        if self.missing:
            return f"{NotConfigured(SERVICE, self.missing, label='Scrobbling to Last.fm')}."
        if self.unreadable:
            return "The saved Last.fm connection no longer opens (SECRET_KEY changed): connect the account again."
        if not self.source:
            return "Scrobbling to Last.fm needs your Last.fm account: connect it on the settings page."
        return ""


def lastfm_account_state() -> LastfmAccountState:
    missing = lastfm_writer_missing_settings()
    if settings.LASTFM_SESSION_KEY:
        return LastfmAccountState(missing=missing, source="environment")
    account = ServiceAccount.objects.filter(service=SERVICE).first()
    if account is None:
        return LastfmAccountState(missing=missing)
    if service_account_token_of(account) is None:
        return LastfmAccountState(missing=missing, account_name=account.account_name, unreadable=True)
    return LastfmAccountState(missing=missing, source="stored", account_name=account.account_name,
                              connected_at=account.connected_at)
