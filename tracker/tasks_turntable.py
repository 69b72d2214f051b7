"""django-q2 task of "I'm playing this": a thin caller of the turntable service."""

from tracker.services.turntable import turntable_advance


def turntable_advance_task(session_id: int) -> str:
    return turntable_advance(session_id=session_id)
