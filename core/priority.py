"""Background work yields the CPU to the pages: workers and long commands lower their own priority."""

import logging
import os

from django.conf import settings

logger = logging.getLogger(__name__)
_lowered = False


def background_priority() -> None:
    """Lower this process's CPU priority by BACKGROUND_NICENESS, once (a process cannot raise it again)."""
    global _lowered
    if _lowered or settings.BACKGROUND_NICENESS <= 0 or not hasattr(os, "nice"):
        return
    _lowered = True
    try:
        os.nice(settings.BACKGROUND_NICENESS)
    except OSError as exc:  # a sandbox may refuse; the work still runs
        logger.info("could not lower the process priority: %s", exc)
