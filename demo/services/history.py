"""The demo listening history as a stream of plays, drawn from one `random.Random`.

Days get a share of the plays by weekday, noise, quiet days and holidays; each day is
a few listening sessions that start at believable hours (a morning commute bump, an
evening peak, lazier weekends) and either play an album through in track order or
shuffle an artist and its similar artists. Each play starts when the previous one
ended, so timestamps strictly increase and (track, played_at) never collides. Taste
drifts: artists are discovered during the period, burn bright for a while and fade,
and whole genres come and go. When more plays are asked for than a day can hold
(e.g. a million over three years), plays are packed closer, as if skipping through.
"""

import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from demo.services import names as words
from demo.services.catalog import CatalogPlan

SOURCES = ("lastfm", "spotify", "listenbrainz")
SOURCE_WEIGHTS = (80, 15, 5)
MAX_LISTENING_MS = 10 * 3600 * 1000  # more than this in a day and plays get packed by hour

# (track index into the flattened catalog, played_at as epoch seconds, source, ms_played)
PlanPlay = tuple[int, int, str, int]


class _Listener:
    """The taste of the person listening: who they play at a given point of the period."""

    def __init__(self, rng: random.Random, plan: CatalogPlan, months: int):
        self.rng = rng
        self.plan = plan
        offsets = list(accumulate([0] + [len(album.tracks) for album in plan.albums]))
        self.first_track = offsets[:-1]
        self.durations = [t.duration_ms for album in plan.albums for t in album.tracks]
        families = sorted({a.family for a in plan.artists})
        waves = {f: (rng.uniform(0.2, 0.7), rng.uniform(0.4, 1.2), rng.random()) for f in families}
        self.month_cum: list[list[float]] = []
        for month in range(months):
            moment = month / max(1, months - 1)
            weights = []
            for artist in plan.artists:
                amplitude, frequency, phase = waves[artist.family]
                genre = 1 + amplitude * math.sin(2 * math.pi * (frequency * moment + phase))
                since = moment - artist.discovered
                if since < 0:
                    interest = 0.0
                else:
                    interest = (1 + 3 * math.exp(-since / 0.08)) * (1 - artist.fade * min(1.0, since / 0.6))
                weights.append(artist.weight * genre * interest)
            if not any(weights):
                weights = [artist.weight for artist in plan.artists]
            self.month_cum.append(list(accumulate(weights)))
        self.similar = [([i] + [s for s, _ in a.similar[:6]], list(accumulate([2.0] + [m for _, m in a.similar[:6]])))
                        for i, a in enumerate(plan.artists)]
        self._albums: dict[tuple[int, int], tuple[list[int], list[float]]] = {}
        self._tracks: dict[tuple[int, int], tuple[list[int], list[float]]] = {}

    def _pick(self, cum: list[float]) -> int:
        return bisect_right(cum, self.rng.random() * cum[-1])

    def albums_for(self, artist: int, year: int) -> tuple[list[int], list[float]]:
        """The artist's playable albums already released in `year`, new releases favoured."""
        key = (artist, year)
        if key not in self._albums:
            playable = [i for i in self.plan.artists[artist].albums if self.plan.albums[i].playable]
            released = [i for i in playable if self.plan.albums[i].year <= year] or playable
            weights = [self.plan.albums[i].appeal * (3.0 if year - self.plan.albums[i].year <= 1 else 1.0)
                       for i in released]
            self._albums[key] = (released, list(accumulate(weights)))
        return self._albums[key]

    def tracks_for(self, artist: int, year: int) -> tuple[list[int], list[float]]:
        key = (artist, year)
        if key not in self._tracks:
            indexes, weights = [], []
            for album_index in self.albums_for(artist, year)[0]:
                start = self.first_track[album_index]
                for n, track in enumerate(self.plan.albums[album_index].tracks):
                    indexes.append(start + n)
                    weights.append(track.weight)
            self._tracks[key] = (indexes, list(accumulate(weights)))
        return self._tracks[key]

    def session(self, month: int, year: int) -> list[int]:
        """One sitting: an album in track order (most often) or a shuffle around an artist."""
        rng = self.rng
        artist = self._pick(self.month_cum[month])
        if rng.random() < 0.6:
            albums, cum = self.albums_for(artist, year)
            album = albums[self._pick(cum)]
            first, count = self.first_track[album], len(self.plan.albums[album].tracks)
            start = 0 if rng.random() < 0.8 else rng.randrange(count)
            stop = count if rng.random() < 0.65 else rng.randint(start + 1, count)
            return list(range(first + start, first + stop))
        pool, pool_cum = self.similar[artist]
        plays: list[int] = []
        for _ in range(rng.randint(4, 16)):
            tracks, cum = self.tracks_for(pool[self._pick(pool_cum)], year)
            track = tracks[self._pick(cum)]
            if plays and track == plays[-1]:
                track = tracks[self._pick(cum)]
            plays.append(track)
        return plays


def _day_shares(rng: random.Random, first_day: date, days: int, total: int) -> list[int]:
    """Plays per day adding up to exactly `total`: weekdays, noise, quiet days, holidays, a slow rise."""
    weights = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        quiet = rng.random() < 0.06
        weights.append(0.0 if quiet else
                       words.WEEKDAY_FACTORS[day.weekday()] * rng.lognormvariate(0, 0.35) * (0.8 + 0.4 * n / days))
    for year_start in range(0, days, 365):
        for _ in range(2):  # two trips a year with little listening
            begin = year_start + rng.randrange(365)
            for n in range(begin, min(days, begin + rng.randint(5, 14))):
                weights[n] *= 0.15
    if not sum(weights):
        weights = [1.0] * days
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    shares = [int(r) for r in raw]
    for n in sorted(range(days), key=lambda i: (shares[i] - raw[i], i))[: total - sum(shares)]:
        shares[n] += 1
    return shares


def plays_stream(*, rng: random.Random, plan: CatalogPlan, first_day: date, days: int, total: int,
                 tz: ZoneInfo, chunk_size: int = 50_000) -> Iterator[list[PlanPlay]]:
    """Exactly `total` plays over `days` local days from `first_day`, oldest first, in chunks."""
    if total <= 0 or days <= 0:
        return
    months = max(1, math.ceil(days / 30.4))
    listener = _Listener(rng, plan, months)
    durations = listener.durations
    weekday_cum = list(accumulate(words.WEEKDAY_HOURS))
    weekend_cum = list(accumulate(words.WEEKEND_HOURS))
    source_cum = list(accumulate(SOURCE_WEIGHTS))
    last_end = 0
    chunk: list[PlanPlay] = []
    for n, share in enumerate(_day_shares(rng, first_day, days, total)):
        if not share:
            continue
        day = first_day + timedelta(days=n)
        month = min(months - 1, n * months // days)
        sessions: list[list[int]] = []
        left = share
        while left > 0:
            tracks = listener.session(month, day.year)[:left]
            sessions.append(tracks)
            left -= len(tracks)
        hour_cum = weekend_cum if day.weekday() >= 5 else weekday_cum
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())
        sources = [SOURCES[bisect_right(source_cum, rng.random() * source_cum[-1])] for _ in sessions]
        if sum(durations[t] for tracks in sessions for t in tracks) <= MAX_LISTENING_MS:
            layout = _sessions_in_real_time(rng, sessions, sources, durations, hour_cum, midnight, last_end)
        else:
            layout = _plays_packed_by_hour(sessions, sources, durations, hour_cum, midnight, last_end)
        chunk.extend(layout)
        last_end = layout[-1][1] + max(1, layout[-1][3] // 1000)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sessions_in_real_time(rng: random.Random, sessions: list[list[int]], sources: list[str], durations: list[int],
                           hour_cum: list[float], midnight: int, last_end: int) -> list[PlanPlay]:
    """A normal day: sessions start at likely hours and each play starts when the previous one ended."""
    plays: list[PlanPlay] = []
    starts = sorted(rng.choices(range(24), cum_weights=hour_cum, k=len(sessions)))
    for hour, tracks, source in zip(starts, sessions, sources):
        at = max(midnight + hour * 3600 + rng.randrange(3600), last_end + rng.randint(60, 600))
        for track in tracks:
            played_ms = durations[track]
            if source == "spotify" and rng.random() < 0.07:
                played_ms = rng.randint(15_000, played_ms)  # skipped before the end
            plays.append((track, at, source, played_ms))
            at += played_ms // 1000
        last_end = at
    return plays


def _plays_packed_by_hour(sessions: list[list[int]], sources: list[str], durations: list[int],
                          hour_cum: list[float], midnight: int, last_end: int) -> list[PlanPlay]:
    """More music than a day holds (a million plays over three years): keep the order of play, and
    place the k-th play at the k-th quantile of the hourly rhythm, so peak hours stay peak hours."""
    count = sum(len(tracks) for tracks in sessions)
    total = hour_cum[-1]
    offsets = []
    for k in range(count):
        share = (k + 0.5) / count * total
        hour = bisect_right(hour_cum, share)
        below = hour_cum[hour - 1] if hour else 0.0
        offsets.append(int((hour + (share - below) / (hour_cum[hour] - below)) * 3600))
    offsets.append(24 * 3600)
    plays: list[PlanPlay] = []
    k = 0
    at = last_end
    for tracks, source in zip(sessions, sources):
        for track in tracks:
            at = max(midnight + offsets[k], at + 1)
            played_ms = max(1000, min(durations[track], (offsets[k + 1] - offsets[k]) * 1000))
            plays.append((track, at, source, played_ms))
            k += 1
    return plays
