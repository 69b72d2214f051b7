"""Connected outside accounts (core.ServiceAccount): store, read and forget their refresh tokens.

The token is kept encrypted (Fernet) with a key derived from SECRET_KEY by HKDF, so the database
alone does not give the account away. Changing SECRET_KEY makes a stored token unreadable: the
account must then be connected again (the settings page says so). cryptography is imported where a
token is encrypted or read, so a process that never does carries none of it.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from core.models import ServiceAccount
from core.normalize import clean_text

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

logger = logging.getLogger(__name__)
_KEY_PURPOSE = b"music-journal core.ServiceAccount refresh token"


@lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> Fernet:
    return _fernet_for(settings.SECRET_KEY)


def service_account_connect(*, service: str, account_name: str, refresh_token: str) -> ServiceAccount:
    """Store (or replace) the account connected for `service`."""
    name = clean_text(account_name, ServiceAccount._meta.get_field("account_name").max_length)
    account, _ = ServiceAccount.objects.update_or_create(
        service=service,
        defaults={"account_name": name, "token_encrypted": _fernet().encrypt(refresh_token.encode()).decode(),
                  "connected_at": timezone.now()},
    )
    return account


def service_account_token_replace(*, service: str, refresh_token: str) -> None:
    """Keep a refresh token the service handed out in place of the stored one (the account stays)."""
    ServiceAccount.objects.filter(service=service).update(
        token_encrypted=_fernet().encrypt(refresh_token.encode()).decode())


def service_account_disconnect(*, service: str) -> bool:
    """Forget the account connected for `service`; False when there was none."""
    return ServiceAccount.objects.filter(service=service).delete()[0] > 0


def service_account_token(*, service: str) -> str | None:
    """The stored refresh token of `service`, or None when no account is connected or its token
    can no longer be read (SECRET_KEY changed since it was stored)."""
    account = ServiceAccount.objects.filter(service=service).first()
    return service_account_token_of(account) if account is not None else None


def service_account_token_of(account: ServiceAccount) -> str | None:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(account.token_encrypted.encode()).decode()
    except InvalidToken:
        logger.warning("the stored %s token cannot be read (SECRET_KEY changed?): connect the account again",
                       account.service)
        return None
