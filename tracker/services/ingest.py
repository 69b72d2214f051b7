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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from tracker.services.catalog_rows import catalog_rows_find, catalog_rows_insert
from tracker.services.habit_days import habit_days_refresh_soon
from tracker.services.scrobble_rows import ScrobbleTimes, scrobble_rows_insert, scrobbles_analyze

DUPLICATE_WINDOW = timedelta(seconds=60)
BATCH_SIZE = 20_000  # plays a transaction: each commit rewrites the pages its plays touched in seven indexes
BULK_LOAD_ROWS = 50_000  # an ingest this large refreshes the planner's statistics
REMEMBERED = 100_000  # ids, and keys of names, one run keeps of each kind: memory stays bounded
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
def _name_key(name: str) -> str:
    return normalize.name_key(name)[:NAME_KEY_LENGTH]


def _title_key(title: str) -> str:
    return normalize.title_key(title)[:TITLE_KEY_LENGTH]


def _forget_older_half(remembered: dict) -> None:
    """Past REMEMBERED entries, drop the older half: what is met again is looked up again."""
    if len(remembered) > REMEMBERED:
        for older in list(islice(remembered, len(remembered) // 2)):
            del remembered[older]


def duration_ms(value) -> int | None:
    """`value` as whole milliseconds when it is a plausible play or track length (0 to 24 h),
    else None (negative, NaN, infinite, absurdly long, or not a number)."""
    if type(value) is int:  # nearly every call: no bool, float or infinity to rule out
        return value if 0 <= value <= MAX_DURATION_MS else None
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
    run: IngestRun | None = None,
) -> IngestResult:
    """Store `plays` from `source`; return how many were added, already present or rejected.

    Run inside the caller's transaction when all-or-nothing is needed (a file import);
    each batch is its own transaction otherwise, so a crash keeps what was stored. A caller
    that ingests page after page or file after file passes `refresh_catalog=False` and
    calls `catalog_figures_refresh` once at the end with the merged result, and passes the
    same `run` to each call, so that names already seen cost no lookup. The days the plays
    marked stale get their habits' summaries stored at the end, or soon after by a worker
    (tracker.services.habit_days).
    """
    run = run or IngestRun()
    total = IngestResult()
    iterator = iter(plays)
    while batch := list(islice(iterator, batch_size)):
        with transaction.atomic():
            result = run.store(batch, source=source)
        if len(batch) == batch_size:  # a bulk ingest: let pages settle on a version a while
            cache.set(BULK_INGEST_KEY, time.time() + 30, 24 * 3600)
        total.merge(result)
        if on_batch:
            on_batch(total)
    if refresh_catalog:
        catalog_figures_refresh(result=total)
    habit_days_refresh_soon()
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
    ingest = IngestRun()
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


class IngestRun:
    """What one run of ingests (one call, or the files of an import) has looked up: the ids of
    artists, albums and tracks by key, and the keys of names, so a name seen again costs nothing.

    Plain dicts of strings and ints, which the garbage collector never walks (an lru_cache's links
    it walks at every full collection), each bounded by REMEMBERED.
    """

    def __init__(self):
        self.times = ScrobbleTimes(tz=ZoneInfo(settings.TIME_ZONE))
        self.artist_ids: dict[str, int] = {}
        self.album_ids: dict[tuple[int, str], int] = {}
        self.track_ids: dict[tuple[int, int | None, str], int] = {}
        self.name_keys: dict[str, str] = {}
        self.title_keys: dict[str, str] = {}

    def store(self, batch: list[Play], *, source: str) -> IngestResult:
        for remembered in (self.artist_ids, self.album_ids, self.track_ids, self.name_keys, self.title_keys):
            _forget_older_half(remembered)  # first: the batch needs all it finds
        result = IngestResult()
        now = timezone.now()
        names, titles = self.name_keys, self.title_keys
        keyed = []  # (play, artist key, album key, title key)
        for play in batch:
            play = _cleaned(play)
            if reason := _rejection_reason(play, now):
                result.reject(reason)
                continue
            keyed.append((play, names.get(play.artist) or names.setdefault(play.artist, _name_key(play.artist)),
                          (titles.get(play.album) or titles.setdefault(play.album, _title_key(play.album)))
                          if play.album else "",
                          titles.get(play.title) or titles.setdefault(play.title, _title_key(play.title))))
        if not keyed:
            return result

        self._resolve_artists({artist_key: play.artist for play, artist_key, _, _ in keyed})
        artist_ids = self.artist_ids
        if self._resolve_albums({(artist_ids[a], al): play.album for play, a, al, _ in keyed if al}):
            result.albums_created = True
        album_ids = self.album_ids
        tracked = []  # (play, track key: artist id, album id, title key)
        for play, artist_key, album_key, title_key in keyed:
            artist_id = artist_ids[artist_key]
            tracked.append((play, (artist_id, album_ids[(artist_id, album_key)] if album_key else None, title_key)))
        self._resolve_tracks({key: play for play, key in tracked})

        known = self._stored_play_times(tracked)
        claimed: set[tuple] = set()
        rows = []
        tracked.sort(key=lambda item: item[0].played_at)
        for play, key in tracked:
            times = known[(key[0], key[2])]
            if _same_play_known(times, claimed, play.played_at, source):
                result.already_present += 1
                continue
            bisect.insort(times, (play.played_at, source))
            rows.append((self.track_ids[key], key[0], key[1], play))
            if key[1]:
                result.album_ids.add(key[1])
        result.added += self._insert_scrobbles(rows, source)
        return result

    def _insert_scrobbles(self, rows: list[tuple[int, int, int | None, Play]], source: str) -> int:
        """Write the new plays as plain rows (see scrobble_rows); the unique key skips races.
        The whole batch at once: the rollups' grouped statements then run once a batch."""
        now, columns = self.times.now(), self.times.columns
        return scrobble_rows_insert([
            (track_id, artist_id, album_id, *columns(int(play.played_at.timestamp())),
             source, play.loved, play.ms_played, now)
            for track_id, artist_id, album_id, play in rows
        ])

    def _resolve_artists(self, names_by_key: dict[str, str]) -> None:
        missing = [key for key in names_by_key if key not in self.artist_ids]
        if not missing:
            return
        self._load_artists(missing)
        new = [key for key in missing if key not in self.artist_ids]
        if new:
            self.artist_ids.update(catalog_rows_insert(
                Artist, ("name", "name_key"), [(names_by_key[key], key) for key in new], returning=("name_key", "id")
            ))
            self._load_artists([key for key in new if key not in self.artist_ids])  # stored meanwhile elsewhere

    def _load_artists(self, keys: list[str]) -> None:
        self.artist_ids.update(catalog_rows_find(Artist, ("name_key", "id"), by=("name_key",),
                                                 keys=[(key,) for key in keys]))

    def _resolve_albums(self, titles_by_key: dict[tuple[int, str], str]) -> bool:
        """Find or create the albums; True when some were created."""
        missing = [key for key in titles_by_key if key not in self.album_ids]
        if not missing:
            return False
        self._load_albums(missing)
        new_keys = [key for key in missing if key not in self.album_ids]
        if new_keys:
            created = catalog_rows_insert(Album, ("title", "title_key", "artist_id"),
                                          [(titles_by_key[key], key[1], key[0]) for key in new_keys],
                                          returning=("artist_id", "title_key", "id"))
            self.album_ids.update(((artist_id, key), album_id) for artist_id, key, album_id in created)
            catalog_rows_insert(AlbumArtist, ("album_id", "artist_id", "position"),
                                [(self.album_ids[key], key[0], 0) for key in new_keys])
        return bool(new_keys)

    def _load_albums(self, keys: list[tuple[int, str]]) -> None:
        """Map (artist, title key) to the listening-history album.

        A collection edition (a Discogs release) points to it through `listened_album`;
        without one, an album that is not a collection release wins, then the oldest.
        """
        rows = catalog_rows_find(Album, ("artist_id", "title_key", "id", "listened_album_id", "discogs_release_id"),
                                 by=("artist_id", "title_key"), keys=keys)
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
        new = [key for key in missing if key not in self.track_ids]
        if new:
            self._remember_tracks(new, catalog_rows_insert(
                Track, ("title", "title_key", "artist_id", "album_id", "duration_ms"),
                [(plays_by_key[key].title, key[2], key[0], key[1], plays_by_key[key].duration_ms) for key in new],
                returning=("artist_id", "album_id", "title_key", "id"),
            ))
            self._load_tracks([key for key in new if key not in self.track_ids])  # stored meanwhile elsewhere

    def _load_tracks(self, keys: list[tuple[int, int | None, str]]) -> None:
        """Every track of the keys' (artist, title key), whatever its album: one lookup each."""
        pairs = list({(artist_id, title_key) for artist_id, _, title_key in keys})
        self._remember_tracks(keys, catalog_rows_find(
            Track, ("artist_id", "album_id", "title_key", "id"), by=("artist_id", "title_key"), keys=pairs
        ))

    def _remember_tracks(self, keys: list[tuple[int, int | None, str]], rows: Iterable[tuple]) -> None:
        """Map rows of (artist id, album id, title key, id) into `track_ids`, keyed by the tuples of
        `keys` where they match: the map then shares their ids and strings (a third of its memory)."""
        ours = {key: key for key in keys}
        for artist_id, album_id, title_key, track_id in rows:
            key = (artist_id, album_id, title_key)
            self.track_ids[ours.get(key, key)] = track_id

    def _stored_play_times(self, tracked) -> defaultdict[tuple[int, str], list[tuple[datetime, str]]]:
        """(start, source) of the stored plays near this batch, by (artist id, title key).

        One range of the played_at index, whatever the artists: a batch covers a stretch of one
        person's listening, so the plays stored in it are mostly of the same artists.
        """
        known: defaultdict[tuple[int, str], list[tuple[datetime, str]]] = defaultdict(list)
        earliest = min(play.played_at for play, _ in tracked) - DUPLICATE_WINDOW
        latest = max(play.played_at for play, _ in tracked) + DUPLICATE_WINDOW
        artist_ids = {artist_id for _, (artist_id, _, _) in tracked}
        rows = Scrobble.objects.filter(played_at__gte=earliest, played_at__lte=latest).values_list(
            "artist_id", "track__title_key", "played_at", "source"
        )
        for artist_id, track_key, played_at, source in rows:
            if artist_id in artist_ids:
                known[(artist_id, track_key)].append((played_at, source))
        for times in known.values():
            times.sort()
        return known


def _same_play_known(times: list[tuple[datetime, str]], claimed: set, moment: datetime, source: str) -> bool:
    """Whether a play of this track at `moment` from `source` is one already known (`times`: the
    track's sorted (start, source) pairs).

    One rule for every way in: from the same source, only the same start is the same play (a track
    played 58 s, then again from the start, is two plays; see _same_start); from another source, a start within
    DUPLICATE_WINDOW is the same play reported twice (Last.fm's minutes against Spotify's stream
    ends, a ListenBrainz client against the poller) — each such report standing for one play only,
    the nearest, so two genuine plays are not both taken for one play of the other source.
    """
    start = bisect.bisect_left(times, (moment - DUPLICATE_WINDOW, ""))
    nearest = None
    for index in range(start, len(times)):
        known, known_source = times[index]
        if known > moment + DUPLICATE_WINDOW:
            break
        if known_source == source:
            if _same_start(known, moment):
                return True
        elif (known, known_source) not in claimed and (
                nearest is None or abs(known - moment) < abs(nearest[0] - moment)):
            nearest = (known, known_source)
    if nearest is None:
        return False
    claimed.add(nearest)
    return True


def _same_start(known: datetime, moment: datetime) -> bool:
    """The same start, as far as both know it: an export that keeps only minutes (some Last.fm
    tools' CSV) names the minute of a play another export of that source times to the second."""
    if known == moment:
        return True
    minute_only = (known.second, known.microsecond) == (0, 0) or (moment.second, moment.microsecond) == (0, 0)
    return minute_only and known.replace(second=0, microsecond=0) == moment.replace(second=0, microsecond=0)


def _cleaned(play: Play) -> Play:
    """The play with its names fit to store (normalize.clean_text, cut to the columns' length)
    and an implausible track length dropped."""
    return Play(
        normalize.clean_text(play.artist, ARTIST_NAME_LENGTH),
        normalize.clean_text(play.title, TRACK_TITLE_LENGTH),
        play.played_at,
        normalize.clean_text(play.album, ALBUM_TITLE_LENGTH),
        play.ms_played,
        duration_ms(play.duration_ms),
        play.loved,
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
