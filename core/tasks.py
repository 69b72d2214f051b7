"""Tasks of the shared kernel."""

from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "worker:heartbeat"


def worker_heartbeat() -> str:
    """Record that a django-q2 worker is alive; /healthz reads it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=24 * 3600)
    return now
