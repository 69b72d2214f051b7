"""A generated Last.fm listening history for the fake server's user.getRecentTracks.

Serves pages the way Last.fm does: newest first, `page`/`limit`/`from`/`to` honoured, a
now-playing entry (no date) on top of page 1 when no `to` excludes it, `totalPages` and
`total` computed over the window. Plays can be added while a backfill runs, and errors
(29 with HTTP 200 or 429, 5xx) can be queued for chosen pages.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tests.fakes.server import FakeServices, RecordedRequest, Reply

ARTISTS = ["Radiohead", "Portishead", "Massive Attack", "Björk", "Sigur Rós", "Boards of Canada", "Air (2)",
           "宇多田ヒカル", "Beach House", "Mogwai", "Slowdive", "Low"]
WORDS = ["Blue", "Night", "Glass", "River", "Ghost", "Paper", "Static", "Golden", "Winter", "Echo", "Hollow"]


@dataclass(frozen=True)
class FakePlay:
    uts: int
    artist: str
    title: str
    album: str = ""


class FakeLastfmHistory:
    def __init__(self, plays: list[FakePlay], *, now_playing: FakePlay | None = None, loved: list[FakePlay] = ()):
        self._lock = threading.Lock()
        self.plays = sorted(plays, key=lambda p: p.uts, reverse=True)
        self._keys = [-p.uts for p in self.plays]
        self.now_playing = now_playing
        self.loved = list(loved)
        self._errors: dict[int | None, list[tuple[int, int]]] = {}
        self._stalls: dict[int, list[float]] = {}

    @classmethod
    def generated(cls, count: int, *, start_uts: int = 1_600_000_000, seed: int = 3) -> FakeLastfmHistory:
        """`count` plays, 3 to 6 minutes apart, over a small catalogue with album-less plays."""
        rng = random.Random(seed)
        plays, moment = [], start_uts
        for _ in range(count):
            artist = rng.choice(ARTISTS)
            title = f"{rng.choice(WORDS)} {rng.choice(WORDS)}"
            album = "" if rng.random() < 0.1 else f"{rng.choice(WORDS)} Songs"
            plays.append(FakePlay(moment, artist, title, album))
            moment += rng.randint(180, 360)
        return cls(plays, now_playing=FakePlay(0, "Radiohead", "Weird Fishes/Arpeggi", "In Rainbows"))

    def add(self, *plays: FakePlay) -> None:
        with self._lock:
            self.plays = sorted([*self.plays, *plays], key=lambda p: p.uts, reverse=True)
            self._keys = [-p.uts for p in self.plays]

    def fail_page(self, page: int | None, *, code: int = 29, http_status: int = 200, times: int = 1) -> None:
        """Answer the next `times` requests for `page` (None: any page) with Last.fm error `code`."""
        with self._lock:
            self._errors.setdefault(page, []).extend([(code, http_status)] * times)

    def stall_page(self, page: int, *, seconds: float, times: int = 1) -> None:
        """Answer the next `times` requests for `page` only after `seconds` (a client timeout)."""
        with self._lock:
            self._stalls.setdefault(page, []).extend([seconds] * times)

    def install(self, fake: FakeServices) -> FakeLastfmHistory:
        self._fake = fake
        fake.route("lastfm", "*", r"/2\.0/?", self._answer)
        return self

    # --- serving ------------------------------------------------------------------------
    def _answer(self, request: RecordedRequest, match) -> Reply | None:
        method = request.param("method").lower()
        if method not in ("user.getrecenttracks", "user.getlovedtracks"):
            return None  # user.getInfo, artist.* …: the default routes answer
        if self._fake.is_rejected("lastfm") or request.param("api_key") != self._fake.credentials["lastfm_api_key"]:
            return _error(10, "Invalid API key - You must be granted a valid key by last.fm", 403)
        page = int(request.param("page") or 1)
        with self._lock:
            stall = self._stalls[page].pop(0) if self._stalls.get(page) else 0
        if stall:
            time.sleep(stall)
        error = self._take_error(page)
        if error:
            return _error(*error)
        limit = min(int(request.param("limit") or 50), 1000)
        if method == "user.getlovedtracks":
            return self._loved_page(page, limit)
        return self._recent_page(request, page, limit)

    def _take_error(self, page: int) -> tuple[int, str, int] | None:
        with self._lock:
            for key in (page, None):
                if self._errors.get(key):
                    code, status = self._errors[key].pop(0)
                    return code, "Rate Limit Exceeded" if code == 29 else "Operation failed", status
        return None

    def _recent_page(self, request: RecordedRequest, page: int, limit: int) -> Reply:
        time_from = int(request.param("from") or 0)
        time_to = int(request.param("to") or 0)
        with self._lock:
            # plays are newest first: the window is one slice, found by bisection
            newest = bisect.bisect_left(self._keys, -time_to) if time_to else 0
            oldest = bisect.bisect_right(self._keys, -time_from) if time_from else len(self.plays)
            window = self.plays[newest:oldest]
        total_pages = max(1, -(-len(window) // limit))
        chunk = window[(page - 1) * limit : page * limit]
        rows = []
        if page == 1 and self.now_playing and not time_to:
            rows.append(_track_xml(self.now_playing, now_playing=True))
        rows += [_track_xml(p) for p in chunk]
        user = escape(request.param("user"))
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<lfm status="ok">\n'
                f'<recenttracks user="{user}" page="{page}" perPage="{limit}" totalPages="{total_pages}" '
                f'total="{len(window)}">\n' + "\n".join(rows) + "\n</recenttracks>\n</lfm>")
        return Reply(body=body, content_type="text/xml; charset=utf-8")

    def _loved_page(self, page: int, limit: int) -> Reply:
        chunk = self.loved[(page - 1) * limit : page * limit]
        total_pages = max(1, -(-len(self.loved) // limit))
        rows = [
            f"<track><name>{escape(p.title)}</name><mbid></mbid><url>https://www.last.fm/music/x</url>"
            f'<date uts="{p.uts}">date</date><artist><name>{escape(p.artist)}</name><mbid></mbid>'
            f"<url>https://www.last.fm/music/x</url></artist></track>"
            for p in chunk
        ]
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<lfm status="ok">\n<lovedtracks user="rj_demo" page="{page}" '
                f'perPage="{limit}" totalPages="{total_pages}" total="{len(self.loved)}">\n'
                + "\n".join(rows) + "\n</lovedtracks>\n</lfm>")
        return Reply(body=body, content_type="text/xml; charset=utf-8")


def _track_xml(play: FakePlay, *, now_playing: bool = False) -> str:
    attr = ' nowplaying="true"' if now_playing else ""
    date = "" if now_playing else f'<date uts="{play.uts}">date</date>'
    return (f"<track{attr}><artist mbid={quoteattr('')}>{escape(play.artist)}</artist><name>{escape(play.title)}</name>"
            f"<streamable>0</streamable><mbid></mbid><album mbid=\"\">{escape(play.album)}</album>"
            f"<url>https://www.last.fm/music/x</url>{date}</track>")


def _error(code: int, message: str, status: int = 200) -> Reply:
    return Reply(status=status, body=f'<?xml version="1.0" encoding="UTF-8"?>\n<lfm status="failed">'
                 f'<error code="{code}">{escape(message)}</error></lfm>', content_type="text/xml; charset=utf-8")
