"""The one ingest path every source uses: Last.fm polling and backfill, and history files.

`scrobble_ingest` takes plain `Play` tuples, finds or creates their artists, albums and
tracks in bulk (matching on `name_key` / `title_key`), and inserts the scrobbles in
batches. It is idempotent: a play already stored is counted, not added. A play of the same
artist and title starting within ±60 s of a stored one (or of one earlier in the same
input) is the same play seen by another source — Last.fm dates are cut to the minute and
Spotify only knows when a stream ended — so it is not added twice.

Every play is cleaned here, whatever its source: names lose their control characters and are
cut to their column's length, and a play that cannot be real (dated before 2002 or in the
future, lasting a negative or absurd time) is rejected with its reason.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog.models import Album, AlbumArtist, Artist, Track
from catalog.services.collection_link import collection_link
from core import normalize
from tracker.models import Scrobble
from tracker.selectors.history_cache import BULK_INGEST_KEY
from tracker.services.album_plays import album_play_stats_refresh
from tracker.services.scrobble_rows import ScrobbleTimes, scrobble_rows_insert, scrobbles_analyze

DUPLICATE_WINDOW = timedelta(seconds=60)
BATCH_SIZE = 5000
BULK_LOAD_ROWS = 50_000  # an ingest this large refreshes the planner's statistics
EARLIEST_PLAY = datetime(2002, 1, 1, tzinfo=UTC)  # Audioscrobbler began in 2002: earlier is a wrong clock
FUTURE_LEEWAY = timedelta(minutes=10)  # clocks drift a little; further ahead is a wrong clock
MAX_DURATION_MS = 24 * 3600 * 1000
PLAYED_BEFORE_2002 = "played before 2002"
PLAYED_IN_THE_FUTURE = "played in the future"
IMPOSSIBLE_DURATION = "impossible duration (negative, not a number or over 24 h)"


def _max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


ARTIST_NAME_LENGTH = _max_length(Artist, "name")
ALBUM_TITLE_LENGTH = _max_length(Album, "title")
TRACK_TITLE_LENGTH = _max_length(Track, "title")
NAME_KEY_LENGTH = _max_length(Artist, "name_key")
TITLE_KEY_LENGTH = min(_max_length(Album, "title_key"), _max_length(Track, "title_key"))


class Play(NamedTuple):
    """One play as a source reports it; `played_at` is the START, timezone-aware."""

    artist: str
    title: str
    played_at: datetime
    album: str = ""
    ms_played: int | None = None
    duration_ms: int | None = None
    loved: bool = False


@dataclass
class IngestResult:
    added: int = 0
    already_present: int = 0
    rejected: int = 0
    rejected_reasons: Counter = field(default_factory=Counter)
    album_ids: set[int] = field(default_factory=set)  # albums that got plays: their figures need a refresh
    albums_created: bool = False  # new albums may be editions of owned records: links need a refresh

    def reject(self, reason: str, count: int = 1) -> None:
        self.rejected += count
        self.rejected_reasons[reason] += count

    def merge(self, other: IngestResult) -> None:
        self.added += other.added
        self.already_present += other.already_present
        self.rejected += other.rejected
        self.rejected_reasons.update(other.rejected_reasons)
        self.album_ids |= other.album_ids
        self.albums_created = self.albums_created or other.albums_created

    def summary(self) -> str:
        text = f"{self.added:,} added, {self.already_present:,} already present, {self.rejected:,} rejected"
        if self.rejected_reasons:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in self.rejected_reasons.most_common())
            text += f" ({reasons})"
        return text


# Keys are cut like names: folding can lengthen a name that already fills its column ("ﬃ" → "ffi").
_name_key = lru_cache(maxsize=200_000)(lambda name: normalize.name_key(name)[:NAME_KEY_LENGTH])
_title_key = lru_cache(maxsize=500_000)(lambda title: normalize.title_key(title)[:TITLE_KEY_LENGTH])


def duration_ms(value) -> int | None:
    """`value` as whole milliseconds when it is a plausible play or track length (0 to 24 h),
    else None (negative, NaN, infinite, absurdly long, or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if 0 <= value <= MAX_DURATION_MS else None


def play_time_rejection(moment: datetime, *, now: datetime | None = None) -> str | None:
    """Why a play at `moment` (timezone-aware) cannot be real, or None."""
    if moment < EARLIEST_PLAY:
        return PLAYED_BEFORE_2002
    if moment > (now or timezone.now()) + FUTURE_LEEWAY:
        return PLAYED_IN_THE_FUTURE
    return None


def scrobble_ingest(
    *,
    plays: Iterable[Play],
    source: str,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[IngestResult], None] | None = None,
    refresh_catalog: bool = True,
) -> IngestResult:
    """Store `plays` from `source`; return how many were added, already present or rejected.

    Run inside the caller's transaction when all-or-nothing is needed (a file import);
    each batch is its own transaction otherwise, so a crash keeps what was stored. A caller
    that ingests page after page or file after file passes `refresh_catalog=False` and
    calls `catalog_figures_refresh` once at the end with the merged result.
    """
    ingest = _Ingest(source=source)
    total = IngestResult()
    iterator = iter(plays)
    while batch := list(islice(iterator, batch_size)):
        with transaction.atomic():
            result = ingest.store(batch)
        if len(batch) == batch_size:  # a bulk ingest: let pages settle on a version a while
            cache.set(BULK_INGEST_KEY, time.time() + 30, 24 * 3600)
        total.merge(result)
        if on_batch:
            on_batch(total)
    total.album_ids, total.albums_created = ingest.played_album_ids, ingest.created_album
    if refresh_catalog:
        catalog_figures_refresh(result=total)
    if total.added >= BULK_LOAD_ROWS:
        scrobbles_analyze()
    return total


def catalog_figures_refresh(*, result: IngestResult | None = None) -> None:
    """Keep the collection's per-album play figures, and its owned ↔ listened links, current
    after plays were added: for the albums of `result`, or for every album."""
    if result is None or result.albums_created:
        collection_link()
    if result is None or result.album_ids:
        album_play_stats_refresh(album_ids=None if result is None else result.album_ids)


def track_resolve(*, artist: str, title: str, album: str = "") -> Track:
    """Find or create the track (with its artist and album) for a play not stored as a scrobble,
    e.g. the track playing now."""
    ingest = _Ingest(source="")
    play = _cleaned(Play(artist=artist, title=title, album=album, played_at=timezone.now()))
    artist, title, album = play.artist, play.title, play.album
    artist_key, album_key, track_key = _name_key(artist), _title_key(album) if album else "", _title_key(title)
    ingest._resolve_artists({artist_key: artist})
    artist_id = ingest.artist_ids[artist_key]
    album_id = None
    if album_key:
        ingest._resolve_albums({(artist_id, album_key): album})
        album_id = ingest.album_ids[(artist_id, album_key)]
    ingest._resolve_tracks({(artist_id, album_id, track_key): play})
    return Track.objects.select_related("artist", "album").get(pk=ingest.track_ids[(artist_id, album_id, track_key)])


class _Ingest:
    """Keeps the id maps of one ingest run, so repeated names cost one lookup."""

    def __init__(self, *, source: str):
        self.source = source
        self.times = ScrobbleTimes(tz=ZoneInfo(settings.TIME_ZONE))
        self.artist_ids: dict[str, int] = {}
        self.album_ids: dict[tuple[int, str], int] = {}
        self.track_ids: dict[tuple[int, int | None, str], int] = {}
        self.played_album_ids: set[int] = set()
        self.created_album = False

    def store(self, batch: list[Play]) -> IngestResult:
        result = IngestResult()
        valid = []
        now = timezone.now()
        for play in batch:
            play = _cleaned(play)
            reason = _rejection_reason(play, now)
            if reason:
                result.reject(reason)
            else:
                valid.append(play)
        if not valid:
            return result

        keyed = [(play, _name_key(play.artist), _title_key(play.album) if play.album else "", _title_key(play.title))
                 for play in valid]
        self._resolve_artists({artist_key: play.artist for play, artist_key, _, _ in keyed})
        self._resolve_albums({(self.artist_ids[a], al): play.album for play, a, al, _ in keyed if al})
        self._resolve_tracks(
            {
                (self.artist_ids[a], self.album_ids[(self.artist_ids[a], al)] if al else None, t): play
                for play, a, al, t in keyed
            }
        )

        known = self._stored_play_times(keyed)
        rows = []
        for play, artist_key, album_key, track_key in sorted(keyed, key=lambda k: k[0].played_at):
            artist_id = self.artist_ids[artist_key]
            times = known[(artist_id, track_key)]
            if _has_play_near(times, play.played_at):
                result.already_present += 1
                continue
            bisect.insort(times, play.played_at)
            album_id = self.album_ids[(artist_id, album_key)] if album_key else None
            rows.append((self.track_ids[(artist_id, album_id, track_key)], artist_id, album_id, play))
            if album_id:
                self.played_album_ids.add(album_id)
        result.added += self._insert_scrobbles(rows)
        return result

    def _insert_scrobbles(self, rows: list[tuple[int, int, int | None, Play]]) -> int:
        """Write the new plays as plain rows (see scrobble_rows); the unique key skips races."""
        now = self.times.now()
        return scrobble_rows_insert([
            (track_id, artist_id, album_id, *self.times.columns(int(play.played_at.timestamp())),
             self.source, play.loved, play.ms_played, now)
            for track_id, artist_id, album_id, play in rows
        ])

    def _resolve_artists(self, names_by_key: dict[str, str]) -> None:
        missing = [key for key in names_by_key if key not in self.artist_ids]
        if not missing:
            return
        for chunk in _chunks(missing, 500):
            self.artist_ids.update(Artist.objects.filter(name_key__in=chunk).values_list("name_key", "id"))
        new = [Artist(name=names_by_key[key], name_key=key) for key in missing if key not in self.artist_ids]
        if new:
            Artist.objects.bulk_create(new, ignore_conflicts=True)
            for chunk in _chunks([a.name_key for a in new], 500):
                self.artist_ids.update(Artist.objects.filter(name_key__in=chunk).values_list("name_key", "id"))

    def _resolve_albums(self, titles_by_key: dict[tuple[int, str], str]) -> None:
        missing = [key for key in titles_by_key if key not in self.album_ids]
        if not missing:
            return
        self._load_albums(missing)
        new_keys = [key for key in missing if key not in self.album_ids]
        if new_keys:
            self.created_album = True
            created = Album.objects.bulk_create(
                [Album(title=titles_by_key[key], title_key=key[1], artist_id=key[0]) for key in new_keys]
            )
            if any(album.pk is None for album in created):  # back ends that return no ids
                self._load_albums(new_keys)
            else:
                self.album_ids.update({(a.artist_id, a.title_key): a.pk for a in created})
            AlbumArtist.objects.bulk_create(
                [AlbumArtist(album_id=self.album_ids[key], artist_id=key[0], position=0) for key in new_keys],
                ignore_conflicts=True,
            )

    def _load_albums(self, keys: list[tuple[int, str]]) -> None:
        """Map (artist, title key) to the listening-history album.

        A collection edition (a Discogs release) points to it through `listened_album`;
        without one, an album that is not a collection release wins, then the oldest.
        """
        for chunk in _chunks(keys, 500):
            rows = Album.objects.filter(
                artist_id__in={k[0] for k in chunk}, title_key__in={k[1] for k in chunk}
            ).values_list("artist_id", "title_key", "id", "listened_album_id", "discogs_release_id")
            best: dict[tuple[int, str], tuple] = {}
            for artist_id, key, album_id, listened_album_id, release_id in rows:
                rank = (listened_album_id is None, release_id is not None, album_id)
                target = listened_album_id or album_id
                if (artist_id, key) not in best or rank < best[(artist_id, key)][0]:
                    best[(artist_id, key)] = (rank, target)
            self.album_ids.update({key: target for key, (_, target) in best.items()})

    def _resolve_tracks(self, plays_by_key: dict[tuple[int, int | None, str], Play]) -> None:
        missing = [key for key in plays_by_key if key not in self.track_ids]
        if not missing:
            return
        self._load_tracks(missing)
        new = [
            Track(title=plays_by_key[key].title, title_key=key[2], artist_id=key[0], album_id=key[1],
                  duration_ms=plays_by_key[key].duration_ms)
            for key in missing
            if key not in self.track_ids
        ]
        if new:
            Track.objects.bulk_create(new, ignore_conflicts=True)
            self._load_tracks([(t.artist_id, t.album_id, t.title_key) for t in new])

    def _load_tracks(self, keys: list[tuple[int, int | None, str]]) -> None:
        for chunk in _chunks(keys, 500):
            rows = Track.objects.filter(
                artist_id__in={k[0] for k in chunk}, title_key__in={k[2] for k in chunk}
            ).values_list("artist_id", "album_id", "title_key", "id")
            for artist_id, album_id, key, track_id in rows:
                self.track_ids[(artist_id, album_id, key)] = track_id

    def _stored_play_times(self, keyed) -> defaultdict[tuple[int, str], list[datetime]]:
        """Start times of stored plays near this batch, by (artist id, title key)."""
        known: defaultdict[tuple[int, str], list[datetime]] = defaultdict(list)
        earliest = min(play.played_at for play, *_ in keyed) - DUPLICATE_WINDOW
        latest = max(play.played_at for play, *_ in keyed) + DUPLICATE_WINDOW
        artist_ids = {self.artist_ids[artist_key] for _, artist_key, _, _ in keyed}
        for chunk in _chunks(sorted(artist_ids), 500):
            rows = Scrobble.objects.filter(
                artist_id__in=chunk, played_at__gte=earliest, played_at__lte=latest
            ).values_list("artist_id", "track__title_key", "played_at")
            for artist_id, track_key, played_at in rows:
                known[(artist_id, track_key)].append(played_at)
        for times in known.values():
            times.sort()
        return known


def _has_play_near(sorted_times: list[datetime], moment: datetime) -> bool:
    i = bisect.bisect_left(sorted_times, moment - DUPLICATE_WINDOW)
    return i < len(sorted_times) and sorted_times[i] <= moment + DUPLICATE_WINDOW


def _cleaned(play: Play) -> Play:
    """The play with its names fit to store (normalize.clean_text, cut to the columns' length)
    and an implausible track length dropped."""
    return play._replace(
        artist=normalize.clean_text(play.artist, ARTIST_NAME_LENGTH),
        title=normalize.clean_text(play.title, TRACK_TITLE_LENGTH),
        album=normalize.clean_text(play.album, ALBUM_TITLE_LENGTH),
        duration_ms=duration_ms(play.duration_ms),
    )


def _rejection_reason(play: Play, now: datetime) -> str | None:
    """Why a cleaned play is not stored, or None."""
    if not play.artist:
        return "no artist"
    if not play.title:
        return "no title"
    if play.played_at is None or play.played_at.tzinfo is None:
        return "no time"
    if reason := play_time_rejection(play.played_at, now=now):
        return reason
    if play.ms_played is not None and duration_ms(play.ms_played) is None:
        return IMPOSSIBLE_DURATION
    return None


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
