"""'I'm playing this': a record (or one side of it) played on the turntable, logged as plays.

`turntable_log` plans the side's tracks back to back from the start (now, or a chosen time), each
as long as the tracklist says (AVERAGE_TRACK_MS when it says nothing), and stores through the one
ingest path (source `manual`, under the listening history's album title) the plays that have
started. A play still to come is stored when it starts, by `turntable_advance` — a django-q2 task
that reschedules itself for the session's next event — since the ingest refuses plays in the future
and a record lifted off after two tracks was not played to its end. Putting another record on cuts
the plays of the previous one that had not started yet.

When Last.fm is connected for writing, each stored play is scrobbled there by the same task once
it has played half its length or four minutes (Last.fm's rule), so a Last.fm outage never blocks
or fails the log: the plays stay in the journal and the session says what failed. The poller later
reads them back with the same timestamps, and the ingest's same-play rule (another source within
60 s) keeps one play each.

`turntable_undo` removes exactly the plays the session stored (those another source already had are
not its own), whatever was played meanwhile, and stops the plays still to come; Last.fm has no way
to unscrobble, so what was already sent there stays there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Album
from core.clients.lastfm_user import LastfmScrobble, NotConnected, lastfm_scrobble_batch, lastfm_session_key
from core.resilience.errors import AuthFailed, CircuitOpen, NotConfigured, ServiceError
from core.resilience.services import service_configured
from core.selectors.service_accounts import lastfm_account_state
from tracker.models import Scrobble, TurntablePlay, TurntableSession
from tracker.selectors.turntable import (
    UNDO_WITHIN,
    TurntableSide,
    turntable_record,
    turntable_session_get,
    turntable_side_key,
)
from tracker.services.album_plays import album_play_stats_refresh
from tracker.services.habit_days import habit_days_refresh_soon
from tracker.services.ingest import EARLIEST_PLAY, FUTURE_LEEWAY, Play, scrobble_ingest

SAME_LOG_WITHIN = timedelta(seconds=60)  # the same record and side logged again this close is one press twice
LASTFM_OLDEST = timedelta(days=14)  # Last.fm takes no scrobble older than this
LASTFM_PLAYED_AT_MOST = timedelta(minutes=4)  # scrobbled after half its length or this, whichever comes first
LASTFM_RETRY_AFTER = timedelta(minutes=10)
LASTFM_MAX_FAILURES = 5
SCROBBLES_PER_REQUEST = 50
TASK = "tracker.tasks.turntable_advance_task"


class TurntableRefused(Exception):
    """What cannot be logged or undone, in words for the user; `status` is the HTTP status it maps to."""

    def __init__(self, message: str, *, status: int, session: TurntableSession | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.session = session  # the session already logged, when that is the reason


@dataclass(frozen=True)
class TurntableUndone:
    removed: int  # plays taken out of the journal
    stopped: int  # plays still to come that will not be stored
    on_lastfm: int  # plays already scrobbled to Last.fm (they stay there)


def turntable_start(*, value: datetime | None, now: datetime | None = None) -> datetime:
    """The start of a session: `value` (a naive time is in TIME_ZONE), else now; whole seconds."""
    if value is None:
        value = now or timezone.now()
    elif timezone.is_naive(value):
        value = timezone.make_aware(value, ZoneInfo(settings.TIME_ZONE))
    return value.replace(microsecond=0)


def turntable_log(*, album_id: int, side: str = "", started_at: datetime | None = None,
                  now: datetime | None = None) -> TurntableSession:
    """Log `side` ("A", "b", "2", "" or "whole" for the whole record) of an owned record as
    played from `started_at` (now when None); store the plays already started. Raises TurntableRefused."""
    now = now or timezone.now()
    album = Album.objects.select_related("listened_album").filter(pk=album_id).first()
    if album is None:
        raise TurntableRefused(f"No album with id {album_id}.", status=404)
    record = turntable_record(album=album)
    if not record.owned:
        raise TurntableRefused(f"“{album.title}” is not in your collection: only a record you own can be logged "
                               "as played on the turntable.", status=409)
    if not record.sides:
        fetching = _tracklist_request(album=album)
        raise TurntableRefused(f"The tracklist of “{album.title}” is not known yet"
                               + (": it is being fetched from Discogs, try again in a minute." if fetching else "."),
                               status=409)
    chosen = record.side(turntable_side_key(side))
    if chosen is None:
        offered = ", ".join(f"“{s.key}” ({s.label})" for s in record.sides if s.key) or "none"
        raise TurntableRefused(f"“{album.title}” has no side “{side}”: sides {offered}, or “whole”.", status=422)
    start = turntable_start(value=started_at, now=now)
    if start > now + FUTURE_LEEWAY:
        raise TurntableRefused("The start is in the future: log a record when it goes on, or after.", status=422)
    if start < EARLIEST_PLAY:
        raise TurntableRefused("The start is before 2002: no play that old is stored.", status=422)
    scrobbling = lastfm_account_state().ready
    with transaction.atomic():
        again = TurntableSession.objects.filter(album=album, side=chosen.key, undone_at__isnull=True,
                                                started_at__range=(start - SAME_LOG_WITHIN, start + SAME_LOG_WITHIN))
        if (already := again.order_by("-created_at").first()) is not None:
            raise TurntableRefused(f"{chosen.label} of “{album.title}” is already logged from "
                                   f"{timezone.localtime(already.started_at):%H:%M}.", status=409, session=already)
        session = _session_create(album=album, side=chosen, listened_title=record.listened_title, start=start,
                                  scrobbling=scrobbling, now=now)
        if session.ends_at > now:  # it plays now: the previous record's tracks still to come were not played
            TurntablePlay.objects.filter(state=TurntablePlay.State.PENDING, played_at__gte=start,
                                         session__undone_at__isnull=True).exclude(session=session).update(
                state=TurntablePlay.State.CUT, lastfm=TurntablePlay.Lastfm.SKIPPED)
    _store_started(session=session, now=now)
    _advance_later(session=session)
    return turntable_session_get(session_id=session.pk)


def _session_create(*, album: Album, side: TurntableSide, listened_title: str, start: datetime, scrobbling: bool,
                    now: datetime) -> TurntableSession:
    plays, at = [], start
    for order, planned in enumerate(side.tracks):
        plays.append(TurntablePlay(order=order, position=planned.position[:10], artist=planned.track.artist.name,
                                   title=planned.track.title, album=listened_title, played_at=at,
                                   duration_ms=planned.duration_ms, estimated=planned.estimated,
                                   lastfm=TurntablePlay.Lastfm.DUE if scrobbling else TurntablePlay.Lastfm.OFF))
        at = (at + timedelta(milliseconds=planned.duration_ms)).replace(microsecond=0)
    session = TurntableSession.objects.create(album=album, side=side.key, side_label=side.label, started_at=start,
                                              ends_at=at, created_at=now)
    for play in plays:
        play.session = session
    TurntablePlay.objects.bulk_create(plays)
    return session


def _tracklist_request(*, album: Album) -> bool:
    """Ask the worker for a missing Discogs tracklist, as the album page does (the same hourly guard)."""
    if not album.discogs_release_id or not service_configured(service="discogs"):
        return False
    if caches["pages"].add(f"mj:tracklist-wanted:{album.pk}", 1, 3600):
        from django_q.tasks import async_task

        transaction.on_commit(lambda: async_task("catalog.tasks.discogs_tracklists_task", album_ids=[album.pk],
                                                 limit=1, task_name=f"tracklist of album {album.pk}"))
    return True


def _store_started(*, session: TurntableSession, now: datetime) -> int:
    """Store the session's plays that have started; returns how many it added to the journal.

    A play the journal already had (another source, or the same start logged before) is marked
    known: it is not this session's to undo nor to scrobble. Each play's state changes only from
    pending, so two runs at once cannot undo each other's marks.
    """
    due = list(session.plays.filter(state=TurntablePlay.State.PENDING, played_at__lte=now).order_by("order"))
    if not due:
        return 0
    times = [play.played_at for play in due]
    before = set(Scrobble.objects.filter(played_at__in=times).values_list("pk", flat=True))
    scrobble_ingest(plays=[Play(artist=play.artist, title=play.title, played_at=play.played_at, album=play.album,
                                duration_ms=None if play.estimated else play.duration_ms) for play in due],
                    source=Scrobble.Source.MANUAL)
    added: dict[datetime, int] = {}
    for pk, played_at in (Scrobble.objects.filter(played_at__in=times, source=Scrobble.Source.MANUAL)
                          .exclude(pk__in=before).values_list("pk", "played_at")):
        added[played_at] = pk  # a session's plays never share a start: each is one track's length after the last
    stored = 0
    for play in due:
        scrobble_id = added.get(play.played_at)
        fields = ({"state": TurntablePlay.State.STORED, "scrobble_id": scrobble_id} if scrobble_id else
                  {"state": TurntablePlay.State.KNOWN, "lastfm": TurntablePlay.Lastfm.SKIPPED,
                   "lastfm_note": "already in the journal: not sent again"})
        changed = TurntablePlay.objects.filter(pk=play.pk, state=TurntablePlay.State.PENDING).update(**fields)
        stored += 1 if changed and scrobble_id else 0
    return stored


def turntable_advance(*, session_id: int, now: datetime | None = None) -> str:
    """What the task does at each of a session's events: store the plays that have started, scrobble
    those played long enough, and schedule the next event."""
    now = now or timezone.now()
    session = TurntableSession.objects.filter(pk=session_id).first()
    if session is None:
        return f"no turntable session {session_id}"
    if session.undone_at is not None:
        return f"session {session_id} was undone"
    stored = _store_started(session=session, now=now)
    sent = _scrobble_played(session=session, now=now)
    next_at = _schedule_next(session=session, now=now)
    return (f"{stored} play(s) stored, {sent} scrobbled to Last.fm"
            + (f", next at {timezone.localtime(next_at):%H:%M:%S}" if next_at else ", done"))


def _lastfm_point(play: TurntablePlay) -> datetime:
    """When a play counts as played for Last.fm: half its length, or four minutes, after its start."""
    return play.played_at + min(timedelta(milliseconds=play.duration_ms) / 2, LASTFM_PLAYED_AT_MOST)


def _scrobble_played(*, session: TurntableSession, now: datetime) -> int:
    """Scrobble the session's stored plays that have played long enough; returns how many Last.fm took.

    A failure is kept on the session (the plays stay in the journal): one that may pass is tried
    again LASTFM_RETRY_AFTER later, up to LASTFM_MAX_FAILURES times; a refusal of the account is not.
    """
    candidates = session.plays.filter(state=TurntablePlay.State.STORED, lastfm=TurntablePlay.Lastfm.DUE)
    due = [play for play in candidates.order_by("order") if _lastfm_point(play) <= now]
    if not due:
        return 0
    too_old = [play for play in due if play.played_at < now - LASTFM_OLDEST]
    if too_old:
        _lastfm_mark(too_old, TurntablePlay.Lastfm.SKIPPED, "older than 14 days: Last.fm takes no scrobble that old")
        due = [play for play in due if play not in too_old]
    key = lastfm_session_key()
    sent = 0
    for start in range(0, len(due), SCROBBLES_PER_REQUEST):
        batch = due[start:start + SCROBBLES_PER_REQUEST]
        try:
            outcomes = lastfm_scrobble_batch(session_key=key, scrobbles=[LastfmScrobble(
                artist=play.artist, title=play.title, album=play.album, timestamp=int(play.played_at.timestamp()),
                duration_s=None if play.estimated else play.duration_ms // 1000) for play in batch])
        except (NotConfigured, NotConnected) as gone:
            _lastfm_mark(due[start:], TurntablePlay.Lastfm.SKIPPED, gone.message[:200])
            _lastfm_failed(session, f"Not scrobbled to Last.fm: {gone.message}", give_up=True)
            break
        except ServiceError as failure:
            if isinstance(failure, AuthFailed):
                message = f"Last.fm refused the saved connection ({failure.message}): connect the account again"
            else:
                message = f"Last.fm failed: {failure.message}"
            may_pass = (failure.retryable or isinstance(failure, CircuitOpen)) and not isinstance(failure, AuthFailed)
            give_up = not may_pass or session.lastfm_failures + 1 >= LASTFM_MAX_FAILURES
            if give_up:
                _lastfm_mark(due[start:], TurntablePlay.Lastfm.FAILED, message[:200])
            _lastfm_failed(session, message, give_up=give_up)
            break
        for play, outcome in zip(batch, outcomes, strict=True):
            if outcome.accepted:
                _lastfm_mark([play], TurntablePlay.Lastfm.SENT, "")
                sent += 1
            else:
                _lastfm_mark([play], TurntablePlay.Lastfm.IGNORED, outcome.ignored_message[:200])
        if session.lastfm_error:
            session.lastfm_error = ""
            TurntableSession.objects.filter(pk=session.pk).update(lastfm_error="")
    return sent


def _lastfm_mark(plays: list[TurntablePlay], state: str, note: str) -> None:
    TurntablePlay.objects.filter(pk__in=[play.pk for play in plays]).update(lastfm=state, lastfm_note=note)


def _lastfm_failed(session: TurntableSession, message: str, *, give_up: bool) -> None:
    session.lastfm_failures += 1
    session.lastfm_error = (message if give_up else f"{message}; trying again in a few minutes")[:300]
    TurntableSession.objects.filter(pk=session.pk).update(lastfm_failures=session.lastfm_failures,
                                                         lastfm_error=session.lastfm_error)


def _schedule_next(*, session: TurntableSession, now: datetime) -> datetime | None:
    """Schedule the task at the session's next event (a play starting, one to scrobble, a retry);
    None when none is left."""
    events = []
    pending = session.plays.filter(state=TurntablePlay.State.PENDING).order_by("played_at").first()
    if pending is not None:
        events.append(pending.played_at)
    for play in session.plays.filter(state=TurntablePlay.State.STORED, lastfm=TurntablePlay.Lastfm.DUE):
        point = _lastfm_point(play)
        events.append(point if point > now else now + LASTFM_RETRY_AFTER)
    if not events:
        return None
    next_at = max(min(events), now + timedelta(seconds=1))
    from django_q.models import Schedule

    # A new row each time, named by its time: django-q2 deletes a one-off schedule by id after queueing it,
    # which could otherwise be the very row this run is updating.
    name = f"turntable session {session.pk} at {next_at:%Y-%m-%d %H:%M:%S}"
    Schedule.objects.update_or_create(name=name, defaults={
        "func": TASK, "args": repr((session.pk,)), "schedule_type": Schedule.ONCE, "repeats": -1,
        "next_run": next_at})
    return next_at


def _advance_later(*, session: TurntableSession) -> None:
    """Hand the session to a worker once the log is committed: Last.fm is never called in the request."""
    has_work = session.plays.filter(Q(state=TurntablePlay.State.PENDING) | Q(
        state=TurntablePlay.State.STORED, lastfm=TurntablePlay.Lastfm.DUE)).exists()
    if has_work:
        from django_q.tasks import async_task

        session_id = session.pk
        transaction.on_commit(lambda: async_task(TASK, session_id, task_name=f"turntable session {session_id}"))


def turntable_undo(*, session_id: int, now: datetime | None = None) -> TurntableUndone:
    """Take the session's own plays out of the journal and stop those still to come. Raises TurntableRefused."""
    now = now or timezone.now()
    session = TurntableSession.objects.filter(pk=session_id).first()
    if session is None:
        raise TurntableRefused(f"No logged session with id {session_id}.", status=404)
    if now - session.created_at > UNDO_WITHIN:
        raise TurntableRefused("This session was logged more than a day ago: remove its plays in the admin.",
                               status=409)
    with transaction.atomic():
        if not TurntableSession.objects.filter(pk=session.pk, undone_at__isnull=True).update(undone_at=now):
            raise TurntableRefused("This session was already undone.", status=409)
        plays = TurntablePlay.objects.filter(session=session)
        ids = list(plays.filter(state=TurntablePlay.State.STORED).values_list("scrobble_id", flat=True))
        ours = Scrobble.objects.filter(pk__in=ids, source=Scrobble.Source.MANUAL)
        album_ids = set(ours.values_list("album_id", flat=True))
        removed = ours.delete()[0]
        stopped = plays.filter(state=TurntablePlay.State.PENDING).update(state=TurntablePlay.State.CUT,
                                                                         lastfm=TurntablePlay.Lastfm.SKIPPED)
        plays.filter(lastfm=TurntablePlay.Lastfm.DUE).update(lastfm=TurntablePlay.Lastfm.SKIPPED,
                                                             lastfm_note="undone before it was sent")
        on_lastfm = plays.filter(lastfm=TurntablePlay.Lastfm.SENT).count()
    album_play_stats_refresh(album_ids=album_ids)
    habit_days_refresh_soon()
    return TurntableUndone(removed=removed, stopped=stopped, on_lastfm=on_lastfm)
