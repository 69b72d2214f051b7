"""`{% lastfm_account_state as lastfm_account %}`: whether logged plays are scrobbled to Last.fm, and as whom.

The settings page includes `core/partials/lastfm_account.html`, which asks here, so the settings view
passes nothing for it.
"""

from django import template

from core.selectors import lastfm_account

register = template.Library()


@register.simple_tag
def lastfm_account_state() -> lastfm_account.LastfmAccountState:
    return lastfm_account.lastfm_account_state()
