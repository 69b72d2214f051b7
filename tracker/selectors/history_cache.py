""""Cached until the history changes": aggregates over many plays, recomputed only after a play arrives.

The version is the newest scrobble id and the local date, so a new play (or a new day, which
moves every "last N days" window) gives a new key; `seconds` bounds how long a key lives. The
"pages" cache is the process's own (or Redis): a page read never writes to the database.
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.db.models import Max
from django.utils import timezone

from tracker.models import Scrobble

T = TypeVar("T")
CACHE_SECONDS = 300


def history_version() -> str:
    latest = Scrobble.objects.aggregate(latest=Max("id"))["latest"]
    return f"{latest}:{timezone.localdate().isoformat()}"


def cached_until_history_changes(name: str, compute: Callable[[], T], *, version: str | None = None,
                                 seconds: int = CACHE_SECONDS) -> T:
    """`compute()`, served from the shared cache under `name` and the history's version."""
    key = f"history:{name}:{version or history_version()}"
    pages = caches["pages"]
    value = pages.get(key)
    if value is None:
        value = compute()
        pages.set(key, value, seconds)
    return value
