"""Finding the personal API token a request carries, for every API that takes one."""

from __future__ import annotations

from django.utils import timezone

from core.models import ApiToken
from core.services.throttle import api_token_failure_record

LAST_USED_EVERY = 60  # seconds: a client's every request need not write its token's row
READ_ONLY_REFUSAL = "This token is read-only."


def api_token_find(*, raw_token: str, address: str) -> ApiToken | None:
    """The active user's personal token `raw_token` (its user loaded), or None, counted as a wrong
    token from `address`. The caller checks `api_token_throttle_wait` first: a blocked address
    learns nothing more about any token."""
    api_token = ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash(raw_token)).first()
    if api_token is None or not api_token.user.is_active:
        api_token_failure_record(address=address)
        return None
    now = timezone.now()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token


def api_token_refusal(*, api_token: ApiToken, method: str) -> str | None:
    """Why `api_token` may not make a `method` request (a read-only token writing), or None."""
    return None if api_token.allows(method) else READ_ONLY_REFUSAL
