"""'I'm playing this' on an owned record's album page: log a side (or the whole record) as played, and undo it.

Only the owner (staff) logs: the plays go into their journal and, when connected, to their Last.fm
account. With htmx each answer is the panel itself; without, a redirect back to the album page.
"""

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.models import Album
from core.selectors.service_accounts import lastfm_account_state
from tracker.models import TurntableSession
from tracker.selectors.turntable import AVERAGE_TRACK_MS, turntable_record, turntable_session_latest
from tracker.services.turntable import TurntableRefused, turntable_log, turntable_undo

PANEL = "catalog/partials/turntable.html"


def _owner_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied


def turntable_panel(*, album: Album, session: TurntableSession | None = None, error: str = "",
                    notice: str = "") -> dict:
    """What the album page's turntable card shows: the sides to pick, and the latest session with its undo."""
    record = turntable_record(album=album)
    if session is None:
        session = turntable_session_latest(album_id=album.pk)
    plays = list(session.plays.all()) if session is not None else []
    return {
        "album": album, "record": record, "session": session, "plays": plays,
        "sent_to_lastfm": sum(1 for play in plays if play.lastfm == "sent"),
        "scrobbling": any(play.lastfm != "off" for play in plays),
        "lastfm": lastfm_account_state(), "average_minutes": AVERAGE_TRACK_MS // 60_000,
        "time_zone": settings.TIME_ZONE, "error": error, "notice": notice,
        "default_side": _side_to_play(record=record, session=session),
    }


def _side_to_play(*, record, session: TurntableSession | None) -> str:
    """The side the form offers first: the one after the side just logged, else the first (else the whole)."""
    sides = [side.key for side in record.sides if side.key]
    if session is not None and not session.undone_at and session.side in sides[:-1]:
        return sides[sides.index(session.side) + 1]
    return sides[0] if sides else ""


def _answer(request: HttpRequest, album: Album, *, session=None, error: str = "", notice: str = ""):
    if request.htmx:  # htmx swaps only 2xx answers: a refusal is shown with 200 and an alert inside
        return render(request, PANEL, {"turntable": turntable_panel(album=album, session=session, error=error,
                                                                   notice=notice)})
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return redirect(f"{reverse('album_detail', args=[album.pk])}#turntable")


def _start(text: str) -> datetime | None:
    """The datetime-local field's value (in TIME_ZONE: the service makes it aware), or None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise ValueError(f"“{text[:40]}” is not a date and time: pick one, or leave it empty for now.") from None


def _album(album_id: int) -> Album:
    album = Album.objects.filter(pk=album_id).first()
    if album is None:
        raise Http404("No such album.")
    return album


@require_POST
def turntable_log_view(request: HttpRequest, album_id: int):
    """Log the chosen side from the chosen start (or now), then show what was stored and the undo."""
    _owner_only(request)
    album = _album(album_id)
    try:
        started_at = _start(request.POST.get("started_at", ""))
    except ValueError as bad:
        return _answer(request, album, error=str(bad))
    try:
        session = turntable_log(album_id=album.pk, side=request.POST.get("side", ""), started_at=started_at)
    except TurntableRefused as refused:
        return _answer(request, album, session=refused.session, error=refused.message)
    stored = sum(1 for play in session.plays.all() if play.state == "stored")
    to_come = sum(1 for play in session.plays.all() if play.state == "pending")
    label = session.side_label[:1].lower() + session.side_label[1:]
    notice = f"Logged {label} of “{album.title}”: {stored} play{'s' if stored != 1 else ''} stored"
    notice += f", {to_come} more as each starts." if to_come else "."
    return _answer(request, album, session=session, notice=notice)


@require_POST
def turntable_undo_view(request: HttpRequest, album_id: int, session_id: int):
    """Take the session's own plays out of the journal and stop those still to come."""
    _owner_only(request)
    album = _album(album_id)
    if not TurntableSession.objects.filter(pk=session_id, album=album).exists():
        raise Http404("No such session of this record.")
    try:
        undone = turntable_undo(session_id=session_id)
    except TurntableRefused as refused:
        return _answer(request, album, error=refused.message)
    notice = f"Undone: {undone.removed} play{'s' if undone.removed != 1 else ''} taken out of the journal"
    if undone.stopped:
        notice += f", {undone.stopped} still to come will not be stored"
    notice += "."
    if undone.on_lastfm:
        notice += (f" {undone.on_lastfm} already scrobbled stay on Last.fm, which has no way to unscrobble: "
                   "delete them from your Last.fm library if you wish.")
    return _answer(request, album, notice=notice)
