"""The analytics page: top charts for a period, plays per month, the listening clock."""

import math

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from tracker.models import Scrobble
from tracker.selectors.stats import (
    DEFAULT_PERIOD,
    PERIODS,
    period_start,
    plays_per_hour,
    plays_per_month,
    scrobbles_since,
    top_albums,
    top_artists,
    top_tracks,
)

MONTHS_SHOWN = 48
CACHE_SECONDS = 300


def parse_period(value: str | None) -> str:
    return value if value in PERIODS else DEFAULT_PERIOD


def analytics_overview(*, period: str, limit: int = 10) -> dict:
    """Everything the analytics page shows for one period, cached until a play arrives
    (the key holds the newest scrobble id) or for CACHE_SECONDS at most."""
    latest = Scrobble.objects.aggregate(latest=Max("id"))["latest"]
    key = f"analytics:v1:{period}:{latest}:{timezone.localdate().isoformat()}"
    overview = cache.get(key)
    if overview is None:
        overview = _analytics_overview(period=period, limit=limit)
        cache.set(key, overview, CACHE_SECONDS)
    return overview


def _analytics_overview(*, period: str, limit: int) -> dict:
    since = period_start(period=period)
    in_period = scrobbles_since(since=since)
    hours = plays_per_hour(qs=in_period)
    return {
        "period": period,
        "period_label": PERIODS[period][0],
        "periods": [{"key": key, "label": label} for key, (label, _days) in PERIODS.items()],
        "total": sum(bar["value"] for bar in hours),
        "top_artists": top_artists(since=since, limit=limit),
        "top_albums": top_albums(since=since, limit=limit),
        "top_tracks": top_tracks(since=since, limit=limit),
        "months": plays_per_month(months=MONTHS_SHOWN),
        "hours": hours,
        "clock": listening_clock(hours=hours),
    }


def has_history() -> bool:
    return Scrobble.objects.exists()


def listening_clock(*, hours: list[dict], radius: float = 100.0, inner: float = 28.0) -> list[dict]:
    """Wedges of a 24-hour radial chart (SVG paths in a 240x240 box centred on 120,120)."""
    peak = max((bar["value"] for bar in hours), default=0)
    wedges = []
    for hour, bar in enumerate(hours):
        outer = inner + (radius - inner) * (bar["value"] / peak if peak else 0)
        start = math.radians(hour * 15 - 90 + 1)
        end = math.radians((hour + 1) * 15 - 90 - 1)

        def point(r, angle):
            return f"{120 + r * math.cos(angle):.2f} {120 + r * math.sin(angle):.2f}"

        path = (
            f"M {point(inner, start)} L {point(outer, start)} "
            f"A {outer:.2f} {outer:.2f} 0 0 1 {point(outer, end)} "
            f"L {point(inner, end)} A {inner:.2f} {inner:.2f} 0 0 0 {point(inner, start)} Z"
        )
        wedges.append({"hour": hour, "plays": bar["value"], "d": path, "label": bar["label"]})
    return wedges


def clock_labels() -> list[dict]:
    """Hour marks around the clock: 00, 06, 12, 18."""
    marks = []
    for hour in (0, 6, 12, 18):
        angle = math.radians(hour * 15 - 90)
        marks.append({"text": f"{hour:02d}", "x": round(120 + 112 * math.cos(angle), 2), "y": round(120 + 112 * math.sin(angle), 2)})
    return marks
