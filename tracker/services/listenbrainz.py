"""ListenBrainz-compatible submission: who calls, how often, and where their listens go.

- `listenbrainz_rate_take`: one request counted in the caller's window (`LISTENBRAINZ_RATE_LIMIT`,
  "N/s", "N/10s", "N/m" or "N/h"; empty lifts it), kept in the Django cache so every process shares
  it; its figures become the `X-RateLimit-*` headers ListenBrainz clients read.
- `listens_submit`: the listens of one request, already validated, stored through the one ingest
  path with source `listenbrainz` (all or nothing), or a `playing_now` shown on the dashboard.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from tracker.models import Scrobble, TrackerState
from tracker.services.ingest import IngestResult, Play, scrobble_ingest, track_resolve

LISTEN_TYPES = ("single", "playing_now", "import")
DEFAULT_RATE_LIMIT = "1000/10s"  # a request a 10 ms on average: an import of 1,000 listens a request never waits
_RATE_SPEC = re.compile(r"\s*(?P<count>\d+)\s*/\s*(?P<length>\d*)\s*(?P<unit>[smh]?)[a-z]*\s*", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class RateWindow:
    """One caller's request window after counting this request."""

    limit: int
    used: int
    reset_at: float  # epoch seconds when the window ends

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    @property
    def reset_in(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.used)),
            "X-RateLimit-Reset-In": str(self.reset_in),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def listenbrainz_rate_limit() -> tuple[int, int] | None:
    """(requests, window seconds) from `LISTENBRAINZ_RATE_LIMIT`; None when it is empty or 0 (no limit)."""
    spec = str(getattr(settings, "LISTENBRAINZ_RATE_LIMIT", DEFAULT_RATE_LIMIT) or "").strip()
    if not spec or spec == "0":
        return None
    match = _RATE_SPEC.fullmatch(spec)
    length = int(match["length"] or 1) if match else 0
    if not match or length <= 0:
        raise ImproperlyConfigured(f"LISTENBRAINZ_RATE_LIMIT={spec!r}: expected N/s, N/10s, N/m or N/h")
    count = int(match["count"])
    return (count, length * _UNIT_SECONDS[match["unit"].lower()]) if count else None


def listenbrainz_rate_take(*, key: str) -> RateWindow | None:
    """Count one request of `key` (a token, or an address without one) in its current window;
    None when no limit is set. A fixed window: it starts on a multiple of its length."""
    limit = listenbrainz_rate_limit()
    if limit is None:
        return None
    count, seconds = limit
    now = time.time()
    window = int(now // seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"mj:listenbrainz-rate:{digest}:{seconds}:{window}"
    try:  # one write a request: the window exists but for its first request
        used = cache.incr(cache_key)
    except ValueError:
        if cache.add(cache_key, 1, seconds + 1):
            used = 1
        else:  # another process opened the window meanwhile
            try:
                used = cache.incr(cache_key)
            except ValueError:
                used = 1
    return RateWindow(limit=count, used=used, reset_at=(window + 1) * seconds)


def listens_submit(*, listen_type: str, plays: list[Play]) -> IngestResult | None:
    """Store validated listens: `single` and `import` as plays (one transaction: all or none),
    `playing_now` (one listen, its time the moment it was reported) as the dashboard's now playing."""
    if listen_type == "playing_now":
        [play] = plays
        now_playing_set(artist=play.artist, title=play.title, album=play.album)
        return None
    with transaction.atomic():
        return scrobble_ingest(plays=plays, source=Scrobble.Source.LISTENBRAINZ)


def now_playing_set(*, artist: str, title: str, album: str = "") -> TrackerState:
    """Show the track as playing now, as the Last.fm poller does with the one Last.fm reports:
    `now_playing_since` moves only when the track changes, `now_playing_seen_at` every time."""
    now = timezone.now()
    track = track_resolve(artist=artist, title=title, album=album)
    state = TrackerState.load()
    if track.pk != state.now_playing_track_id:
        state.now_playing_since = now
    state.now_playing_track, state.now_playing_seen_at = track, now
    # Only the now-playing fields: the poller's switch, interval and results stay as they are.
    state.save(update_fields=["now_playing_track", "now_playing_since", "now_playing_seen_at"])
    return state
