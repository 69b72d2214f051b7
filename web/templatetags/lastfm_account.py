"""`{% lastfm_account_state as lastfm_account %}`: whether logged plays are scrobbled to Last.fm, and as whom.

The settings page includes `core/partials/lastfm_account.html`, which asks here, so the settings view
passes nothing for it.
"""

from django import template

from core.selectors import service_accounts

register = template.Library()


@register.simple_tag
def lastfm_account_state() -> service_accounts.AccountState:
    return service_accounts.lastfm_account_state()
