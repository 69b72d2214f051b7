"""What the dashboard shows: now playing, today, the last plays and this week."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Artist
from tracker.models import Scrobble, TrackerState
from tracker.selectors.journal import PLAY_NAMES
from tracker.selectors.stats import Ranked, plays_per_day, ranked, top_counts

# The poller refreshes now-playing every couple of minutes; older than this means stopped
NOW_PLAYING_FRESH_SECONDS = 600


@dataclass(frozen=True)
class DayTotals:
    plays: int
    ms: int


def tracker_state() -> TrackerState | None:
    """The poller's row with its now-playing track, artist and album, in one query."""
    return (TrackerState.objects.select_related("now_playing_track__artist", "now_playing_track__album")
            .filter(pk=1).first())


def now_playing(*, state: TrackerState | None = None):
    """The track the Last.fm poller saw playing in the last ten minutes, or None."""
    state = state if state is not None else tracker_state()
    if not state or not state.now_playing_track or not state.now_playing_seen_at:
        return None
    if timezone.now() - state.now_playing_seen_at > timedelta(seconds=NOW_PLAYING_FRESH_SECONDS):
        return None
    return state.now_playing_track


def day_totals(*, day: date) -> DayTotals:
    """Plays and listening time of one local day (ms_played when known, else track length)."""
    totals = Scrobble.objects.filter(local_date=day).aggregate(
        plays=Count("*"), ms=Sum(Coalesce("ms_played", "track__duration_ms"))
    )
    return DayTotals(plays=totals["plays"] or 0, ms=totals["ms"] or 0)


def recent_plays(*, limit: int = 20) -> list[Scrobble]:
    """The newest plays, then their names (see journal.PLAY_NAMES: a join flips the plan at scale)."""
    return list(Scrobble.objects.prefetch_related(*PLAY_NAMES).order_by("-played_at", "-id")[:limit])


def week_days(*, today: date | None = None) -> list[dict]:
    """Plays per local day over the last seven days, oldest first: `{"day", "value"}`."""
    today = today or timezone.localdate()
    start = today - timedelta(days=6)
    counts = plays_per_day(since=start, until=today)
    return [{"day": day, "value": counts.get(day, 0)} for day in (start + timedelta(days=n) for n in range(7))]


def week_top_artists(*, today: date | None = None, limit: int = 6) -> list[Ranked]:
    """Most played artists of the last seven local days. A week is a few thousand plays at
    most, so they are found through the local_date index; filtering on played_at instead
    makes SQLite scan the whole (artist, played_at) index (~60 ms at a million plays)."""
    today = today or timezone.localdate()
    week = Scrobble.objects.filter(local_date__gte=today - timedelta(days=6), local_date__lte=today)
    return ranked(top_counts(week, "artist_id", limit), Artist)
