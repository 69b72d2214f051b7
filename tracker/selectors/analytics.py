"""The analytics page: top charts for a period, plays per month and per hour."""

from tracker.models import Scrobble
from tracker.selectors.history_cache import cached_until_history_changes
from tracker.selectors.stats import (
    DEFAULT_PERIOD,
    PERIODS,
    period_start,
    plays_per_hour,
    plays_per_month,
    top_albums,
    top_artists,
    top_tracks,
)

MONTHS_SHOWN = 48


def parse_period(value: str | None) -> str:
    return value if value in PERIODS else DEFAULT_PERIOD


def analytics_overview(*, period: str, limit: int = 10) -> dict:
    """Everything the analytics page shows for one period (from the rollups; cached until a play arrives)."""
    return cached_until_history_changes(f"analytics:v2:{period}:{limit}",
                                        lambda: _analytics_overview(period=period, limit=limit))


def _analytics_overview(*, period: str, limit: int) -> dict:
    since = period_start(period=period)
    hours = plays_per_hour(since=since)
    return {
        "period": period,
        "period_label": PERIODS[period][0],
        "periods": [{"key": key, "label": label} for key, (label, _days) in PERIODS.items()],
        "total": sum(hours),
        "top_artists": top_artists(since=since, limit=limit),
        "top_albums": top_albums(since=since, limit=limit),
        "top_tracks": top_tracks(since=since, limit=limit),
        "months": plays_per_month(months=MONTHS_SHOWN),
        "hours": hours,
    }


def has_history() -> bool:
    return Scrobble.objects.exists()
