"""A Stretch: what consecutive plays, in order, tell of listening days, sessions and runs of one
artist, in a summary two of which side by side merge into the summary of both, exactly.

Its runs of listening days, its sessions and its runs of one artist are each kept as the first,
the last (which plays just before or after may continue) and a tally of those in between (which
no other play can change). A day's stretch is made in one pass over its plays, in Python: window
functions (LAG over played_at, a running SUM to number the groups) were measured 10 times slower
on SQLite. tracker.selectors.habit_days stores them by day and month. Changing SESSION_GAP or
SESSION_BUCKETS changes stored tallies: run `rollups_rebuild` after.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import reduce

# A gap of more than this between the starts of two plays ends a session. Start to start, not
# end to start: most plays (Last.fm's) have no ms_played, and one rule must hold for all.
SESSION_GAP = timedelta(minutes=30)
# Session lengths of the histogram: each bucket holds lengths from its bound (included) to the next.
SESSION_BUCKETS = [
    ("< 15 min", timedelta(0)),
    ("15–30 min", timedelta(minutes=15)),
    ("30–60 min", timedelta(minutes=30)),
    ("1–2 h", timedelta(hours=1)),
    ("2–4 h", timedelta(hours=2)),
    ("> 4 h", timedelta(hours=4)),
]
_MS = timedelta(milliseconds=1)
_GAP_MS = SESSION_GAP // _MS
_BOUNDS_MS = [bound // _MS for _label, bound in SESSION_BUCKETS]
_EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)

# A play as tracker.selectors.habit_days reads them, in order: (start in epoch ms, artist id,
# length in ms or 0, id, track id, local_date as ISO text).
Play = tuple


def session_bucket(length: timedelta) -> int:
    """The index in SESSION_BUCKETS of a session of this length."""
    return bisect.bisect_right(_BOUNDS_MS, length // _MS) - 1


def epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MS


def instant(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)


def sittings(plays: Iterable[Play]) -> Iterator[list[int]]:
    """The sessions of `plays` (in order), each as [first start, last start, plays, last play's
    length], in ms. The last play's length is its ms_played, else its track's duration, else 0."""
    session = None
    for play in plays:
        at_ms, length_ms = play[0], play[2]
        if session is not None and at_ms - session[1] > _GAP_MS:
            yield session
            session = None
        session = [at_ms, at_ms, 1, length_ms] if session is None else [session[0], at_ms, session[2] + 1, length_ms]
    if session is not None:
        yield session


def artist_runs(plays: Iterable[Play]) -> Iterator[list[int]]:
    """The runs of one artist of `plays` (in order), each as [plays, artist id, first id, last id]."""
    run = None
    for play in plays:
        artist_id, play_id = play[1], play[3]
        if run is not None and run[1] != artist_id:
            yield run
            run = None
        run = [1, artist_id, play_id, play_id] if run is None else [run[0] + 1, artist_id, run[2], play_id]
    if run is not None:
        yield run


class _Chain:
    """Pieces of consecutive plays, in order: the first and the last (None when the first is the
    only one), which the plays around may continue, and the tally of the pieces in between."""

    __slots__ = ("first", "last", "between")

    def __init__(self, first: list, last: list | None, between):
        self.first, self.last, self.between = first, last, between

    @classmethod
    def of(cls, pieces: list[list]) -> _Chain:
        return cls(pieces[0], pieces[-1] if len(pieces) > 1 else None, cls.tally(pieces[1:-1]))

    def then(self, later: _Chain) -> _Chain:
        """The chain of these plays followed by `later`'s."""
        alone, later_alone = self.last is None, later.last is None
        joined = self.joined(self.first if alone else self.last, later.first)
        if joined is None:
            first, last = self.first, later.first if later_alone else later.last
            inside = ([] if alone else [self.last]) + ([] if later_alone else [later.first])
        else:
            first = joined if alone else self.first
            last = None if alone and later_alone else joined if later_alone else later.last
            inside = [] if alone or later_alone else [joined]
        return type(self)(first, last, self.add(self.add(self.between, self.tally(inside)), later.between))

    def total(self):
        """The tally of every piece."""
        return self.add(self.add(self.tally([self.first]), self.between),
                        self.tally([] if self.last is None else [self.last]))

    @staticmethod
    def joined(earlier: list, later: list) -> list | None:
        """The one piece `earlier` and `later` make when `later` continues it, else None."""
        raise NotImplementedError

    @staticmethod
    def tally(pieces: list[list]):
        raise NotImplementedError

    @staticmethod
    def add(tally, later):
        """The tally of the pieces of `tally`, then of `later`."""
        raise NotImplementedError


def session_length_ms(session: Sequence[int]) -> int:
    """From the first start to the last play's end."""
    return session[1] - session[0] + session[3]


class _Sessions(_Chain):
    """Tally: [sessions, their total length in ms, sessions per SESSION_BUCKETS, the longest (the
    earliest of equals) or None]."""

    __slots__ = ()

    @staticmethod
    def joined(earlier, later):
        if later[0] - earlier[1] > _GAP_MS:
            return None
        return [earlier[0], later[1], earlier[2] + later[2], later[3]]

    @staticmethod
    def tally(pieces):
        buckets, total, longest = [0] * len(SESSION_BUCKETS), 0, None
        for session in pieces:
            length = session_length_ms(session)
            total += length
            buckets[session_bucket(timedelta(milliseconds=length))] += 1
            if longest is None or length > session_length_ms(longest):
                longest = session
        return [len(pieces), total, buckets, longest]

    @staticmethod
    def add(tally, later):
        longest, other = tally[3], later[3]
        if longest is None or (other is not None and session_length_ms(other) > session_length_ms(longest)):
            longest = other
        return [tally[0] + later[0], tally[1] + later[1], [a + b for a, b in zip(tally[2], later[2])], longest]


class _Runs(_Chain):
    """Tally: the longest run (the earliest of equals) or None."""

    __slots__ = ()

    @staticmethod
    def joined(earlier, later):
        return [earlier[0] + later[0], earlier[1], earlier[2], later[3]] if earlier[1] == later[1] else None

    @staticmethod
    def tally(pieces):
        return reduce(_Runs.add, pieces, None)

    @staticmethod
    def add(tally, later):
        return later if tally is None or (later is not None and later[0] > tally[0]) else tally


class _Streaks(_Chain):
    """Pieces: runs of consecutive listening days, as [first, last] day ordinals. Tally: [listening
    days, the longest run (the earliest of equals) or None]."""

    __slots__ = ()

    @staticmethod
    def joined(earlier, later):
        return [earlier[0], later[1]] if later[0] == earlier[1] + 1 else None

    @staticmethod
    def tally(pieces):
        return reduce(_Streaks.add, ([piece[1] - piece[0] + 1, piece] for piece in pieces), [0, None])

    @staticmethod
    def add(tally, later):
        longest, other = tally[1], later[1]
        if longest is None or (other is not None and other[1] - other[0] > longest[1] - longest[0]):
            longest = other
        return [tally[0] + later[0], longest]


class Stretch:
    """The listening days, the sessions and the runs of one artist of consecutive plays (see the
    module's docstring)."""

    __slots__ = ("days", "sessions", "runs")

    def __init__(self, days: _Streaks, sessions: _Sessions, runs: _Runs):
        self.days, self.sessions, self.runs = days, sessions, runs

    @classmethod
    def of_day(cls, day: date, plays: list[Play]) -> Stretch:
        """The stretch of one local day's `plays` (in order, at least one)."""
        return cls(_Streaks.of([[day.toordinal()] * 2]), _Sessions.of(list(sittings(plays))),
                   _Runs.of(list(artist_runs(plays))))

    def then(self, later: Stretch) -> Stretch:
        return Stretch(self.days.then(later.days), self.sessions.then(later.sessions), self.runs.then(later.runs))

    def as_json(self) -> list:
        return [[chain.first, chain.last, chain.between] for chain in (self.days, self.sessions, self.runs)]

    @classmethod
    def from_json(cls, value: list) -> Stretch:
        days, sessions, runs = value
        return cls(_Streaks(*days), _Sessions(*sessions), _Runs(*runs))


def merged(stretches: Iterable[Stretch]) -> Stretch | None:
    """The stretch of `stretches` side by side, in order; None for none."""
    stretches = iter(stretches)
    first = next(stretches, None)
    return None if first is None else reduce(Stretch.then, stretches, first)
