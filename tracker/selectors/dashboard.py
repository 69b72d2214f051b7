"""What the dashboard shows: now playing, today, the last plays and this week."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from catalog.models import Artist, Track
from tracker.models import Scrobble, TrackerState
from tracker.selectors.journal import PLAY_NAMES, newest_first
from tracker.selectors.stats import Ranked, plays_between, plays_per_day, ranked, top_counts

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
    """Plays and listening time of one local day (ms_played when known, else track length).

    The day's plays first, then the lengths of their tracks: joined, a planner with statistics
    may walk every track and look up its plays instead."""
    plays = list(plays_between(since=day, until=day).values_list("track_id", "ms_played"))
    unknown = {track_id for track_id, ms in plays if ms is None}
    lengths = dict(Track.objects.filter(pk__in=unknown).values_list("pk", "duration_ms")) if unknown else {}
    return DayTotals(plays=len(plays), ms=sum(ms if ms is not None else lengths.get(t) or 0 for t, ms in plays))


def recent_plays(*, limit: int = 20) -> list[Scrobble]:
    """The newest plays, then their names (see journal.PLAY_NAMES: a join flips the plan at scale)."""
    return list(newest_first(Scrobble.objects.prefetch_related(*PLAY_NAMES))[:limit])


def week_days(*, today: date | None = None) -> list[dict]:
    """Plays per local day over the last seven days, oldest first: `{"day", "value"}`."""
    today = today or timezone.localdate()
    start = today - timedelta(days=6)
    counts = plays_per_day(since=start, until=today)
    return [{"day": day, "value": counts.get(day, 0)} for day in (start + timedelta(days=n) for n in range(7))]


def week_top_artists(*, today: date | None = None, limit: int = 6) -> list[Ranked]:
    """Most played artists of the last seven local days."""
    today = today or timezone.localdate()
    return ranked(top_counts(field="artist_id", since=today - timedelta(days=6), until=today, limit=limit), Artist)
