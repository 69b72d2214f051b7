""""Cached until the history changes": aggregates over many plays, recomputed only after a play arrives.

The version is the newest scrobble id and the local date, so a new play (or a new day, which
moves every "last N days" window) gives a new key; `seconds` bounds how long a key lives. The
"pages" cache is the process's own (or Redis): a page read never writes to the database. While
an import or a backfill stores batch after batch, pages show figures at most a minute old.
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.db.models import Max
from django.utils import timezone

from tracker.models import Scrobble

T = TypeVar("T")
CACHE_SECONDS = 300


# While a bulk ingest runs (an import, a backfill), the version moves at most this often: each
# committed batch would otherwise make every page recount a growing history from scratch.
BULK_SETTLE_SECONDS = 60
BULK_INGEST_KEY = "history:bulk-ingest-until"  # shared: set by ingest, read by every web process
_PINNED_KEY = "history:pinned-version"


def history_version() -> str:
    """The newest play and the local date; during a bulk ingest, the one seen at most a minute ago."""
    if (caches["default"].get(BULK_INGEST_KEY) or 0) > time.time():
        pinned = caches["pages"].get(_PINNED_KEY)
        if pinned is None:
            pinned = _newest_version()
            caches["pages"].set(_PINNED_KEY, pinned, BULK_SETTLE_SECONDS)
        return pinned
    return _newest_version()


def _newest_version() -> str:
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
