"""What the settings page and the API say about the Last.fm tracker."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from catalog.models import Track
from core.models import Job
from core.resilience.services import service_configured, service_missing_settings
from core.services.jobs import job_current
from tracker.models import TrackerState
from tracker.selectors.dashboard import now_playing, tracker_state

BACKFILL_KIND = "lastfm_backfill"  # the core.Job kind of the Last.fm backfill


@dataclass(frozen=True)
class TrackerStatus:
    configured: bool
    username: str
    enabled: bool
    interval_seconds: int
    last_poll_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    now_playing: Track | None
    now_playing_since: datetime | None
    backfill_job: Job | None

    @property
    def missing_settings(self) -> list[str]:
        return service_missing_settings(service="lastfm")


def tracker_status(*, with_backfill: bool = True) -> TrackerStatus:
    """The poller's settings and last results, the fresh now-playing track and any running
    backfill (or the interrupted one to resume), in a few queries. A missing row reads as the defaults."""
    state = tracker_state() or TrackerState()
    playing = now_playing(state=state)
    return TrackerStatus(
        configured=service_configured(service="lastfm"),
        username=settings.LASTFM_USERNAME,
        enabled=state.enabled,
        interval_seconds=state.interval_seconds,
        last_poll_at=state.last_poll_at,
        last_success_at=state.last_success_at,
        last_error=state.last_error,
        now_playing=playing,
        now_playing_since=state.now_playing_since if playing else None,
        backfill_job=job_current(kind=BACKFILL_KIND) if with_backfill else None,
    )
