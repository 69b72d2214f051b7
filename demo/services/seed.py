"""Seed a deterministic, realistic demo library: catalog, collection and listening history.

Everything is drawn from `random.Random` seeded by `seed`, and the history ends the day
before `end` (default: today in TIME_ZONE), so the same (seed, end, days, counts) gives
exactly the same rows. Covers and artist pictures are left blank on purpose: the page
shell draws a local SVG placeholder (colour and initials) for them, nothing is fetched.

Idempotent by natural keys, never by deleting: tags, labels and artists by `name_key`,
albums by (artist, title_key) and owned editions by their fake Discogs release id,
tracks by (artist, album, title_key), links and copies by their unique constraints, and
plays by the unique (track, played_at). Rows already there are kept as they are (a real
artist who happens to share a demo name is reused, never overwritten), so running it
twice, or after a crash, or on a database with real data, only adds what is missing.
The one thing refused is a second, different history over demo tracks that already
have one (e.g. another `end`), which would double the listening.

Plays are streamed in chunks and written as plain rows (tracker.services.scrobble_rows,
shared with ingest): a million scrobbles never become a million model instances.
"""

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import (
    Album,
    AlbumArtist,
    AlbumTag,
    Artist,
    ArtistSimilar,
    ArtistTag,
    CollectionItem,
    Label,
    Tag,
    Track,
)
from core.normalize import name_key, title_key
from demo.services.catalog import CatalogPlan, catalog_plan
from demo.services.history import PlanPlay, plays_stream
from tracker.models import Scrobble
from tracker.services.album_plays import album_play_stats_refresh
from tracker.services.habit_days import habit_days_refresh
from tracker.services.scrobble_rows import ScrobbleTimes, scrobble_rows_insert, scrobbles_analyze

DEFAULT_DAYS = 3 * 365 + 1
MAX_ARTISTS = 5_000
IN_BATCH = 2_000  # ids per IN (...) list, well under SQLite's variable limit

Progress = Callable[[str, int, int], None]


class DemoSeedError(Exception):
    """The demo library cannot be seeded as asked (bad counts, or a clashing earlier seed)."""


@dataclass(frozen=True)
class DemoSeedResult:
    artists: int
    albums: int
    tracks: int
    scrobbles: int
    copies: int
    new_scrobbles: int
    seconds: float

    @property
    def scrobbles_per_second(self) -> float:
        return self.scrobbles / self.seconds if self.seconds else 0.0


def demo_seed(*, scrobbles: int = 50_000, artists: int = 150, albums: int = 600, tracks: int = 6_000,
              copies: int | None = None, seed: int = 42, end: date | None = None, days: int = DEFAULT_DAYS,
              chunk_size: int = 50_000, progress: Progress | None = None) -> DemoSeedResult:
    """Add the demo library for `seed` (idempotent), and return what it holds and how fast it went."""
    began = time.perf_counter()
    copies = albums // 2 if copies is None else copies
    _validate(scrobbles=scrobbles, artists=artists, albums=albums, tracks=tracks, copies=copies, days=days)
    tz = ZoneInfo(settings.TIME_ZONE)
    end = end or timezone.localdate(timezone=tz)
    first_day = end - timedelta(days=days)
    plan = catalog_plan(rng=random.Random(f"demo-catalog:{seed}"), artists=artists, albums=albums, tracks=tracks,
                        copies=copies, end=datetime(end.year, end.month, end.day, tzinfo=tz))
    report = progress or (lambda stage, done, total: None)
    report("catalog", 0, 1)
    with transaction.atomic():
        track_rows = _write_catalog(plan)
    report("catalog", 1, 1)
    stream = plays_stream(rng=random.Random(f"demo-history:{seed}"), plan=plan, first_day=first_day, days=days,
                          total=scrobbles, tz=tz, chunk_size=chunk_size)
    new = _write_plays(stream, track_rows, tz=tz, total=scrobbles, report=report)
    album_play_stats_refresh()  # the collection sorts and shows records by these figures
    habit_days_refresh()
    scrobbles_analyze()
    return DemoSeedResult(artists=artists, albums=albums, tracks=tracks, scrobbles=scrobbles,
                          copies=len(plan.copies), new_scrobbles=new, seconds=time.perf_counter() - began)


def _validate(*, scrobbles: int, artists: int, albums: int, tracks: int, copies: int, days: int) -> None:
    if scrobbles < 0:
        raise DemoSeedError(f"--scrobbles must be 0 or more, not {scrobbles}")
    if not 1 <= artists <= MAX_ARTISTS:
        raise DemoSeedError(f"--artists must be between 1 and {MAX_ARTISTS:,}, not {artists}")
    if albums < artists:
        raise DemoSeedError(f"--albums ({albums}) must be at least --artists ({artists}): every artist has a record")
    if tracks < albums:
        raise DemoSeedError(f"--tracks ({tracks}) must be at least --albums ({albums}): every album has a track")
    if not 0 <= copies <= 2 * albums:
        raise DemoSeedError(f"--copies must be between 0 and twice --albums ({2 * albums}), not {copies}")
    if days < 1:
        raise DemoSeedError(f"--days must be 1 or more, not {days}")


def _batches(values: list, size: int = IN_BATCH) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _key_map(queryset, field: str, keys: Iterable, *columns: str) -> dict:
    """{key: id} (or {(cols...): id}) for rows whose `field` is in `keys`, queried in batches."""
    found = {}
    for batch in _batches(list(keys)):
        for *key, pk in queryset.filter(**{f"{field}__in": batch}).values_list(*columns, "id"):
            found[key[0] if len(key) == 1 else tuple(key)] = pk
    return found


def _write_catalog(plan: CatalogPlan) -> list[tuple[int, int, int, bool]]:
    """Insert what is missing of the plan; return (track id, artist id, album id, loved) per planned track."""
    Tag.objects.bulk_create([Tag(name=n, name_key=name_key(n)) for n in plan.tags], ignore_conflicts=True)
    tag_ids = _key_map(Tag.objects, "name_key", {name_key(n) for n in plan.tags}, "name_key")

    Label.objects.bulk_create([Label(name=n, name_key=name_key(n)) for n, _ in plan.labels], ignore_conflicts=True)
    label_ids = _key_map(Label.objects.filter(discogs_id__isnull=True), "name_key",
                         {name_key(n) for n, _ in plan.labels}, "name_key")
    label_of = [label_ids[name_key(n)] for n, _ in plan.labels]

    Artist.objects.bulk_create([
        Artist(name=a.name, name_key=name_key(a.name), sort_name=a.sort_name, lastfm_url=a.lastfm_url, bio=a.bio,
               popularity=a.popularity, followers=a.followers, lastfm_listeners=a.lastfm_listeners,
               lastfm_playcount=a.lastfm_playcount, principal_label_id=label_of[a.label])
        for a in plan.artists
    ], ignore_conflicts=True, batch_size=1000)
    artist_ids = _key_map(Artist.objects, "name_key", {name_key(a.name) for a in plan.artists}, "name_key")
    artist_of = [artist_ids[name_key(a.name)] for a in plan.artists]

    album_of = _write_albums(plan, artist_of, label_of)
    edition_of = _write_editions(plan, artist_of, label_of, album_of)

    credits = []
    for index, album in enumerate(plan.albums):
        ids = [album_of[index]] + [edition_of[i] for i, e in enumerate(plan.editions) if e.album == index]
        for album_id in ids:
            joined = album.co_artist is not None
            credits.append(AlbumArtist(album_id=album_id, artist_id=artist_of[album.artist], position=0,
                                       join_phrase="&" if joined else ""))
            if joined:
                credits.append(AlbumArtist(album_id=album_id, artist_id=artist_of[album.co_artist], position=1))
    AlbumArtist.objects.bulk_create(credits, ignore_conflicts=True, batch_size=2000)

    track_rows = _write_tracks(plan, artist_of, album_of)

    ArtistTag.objects.bulk_create([
        ArtistTag(artist_id=artist_of[i], tag_id=tag_ids[name_key(tag)], source="lastfm", weight=weight)
        for i, a in enumerate(plan.artists) for tag, weight in a.tags
    ], ignore_conflicts=True, batch_size=2000)
    AlbumTag.objects.bulk_create([
        AlbumTag(album_id=album_of[i], tag_id=tag_ids[name_key(tag)], source="discogs", weight=weight)
        for i, album in enumerate(plan.albums) for tag, weight in album.tags
    ], ignore_conflicts=True, batch_size=2000)
    ArtistSimilar.objects.bulk_create([
        ArtistSimilar(artist_id=artist_of[i], similar_id=artist_of[s], match=match, source="lastfm")
        for i, a in enumerate(plan.artists) for s, match in a.similar if artist_of[s] != artist_of[i]
    ], ignore_conflicts=True, batch_size=2000)
    CollectionItem.objects.bulk_create([
        CollectionItem(album_id=album_of[c.album] if c.edition is None else edition_of[c.edition],
                       discogs_instance_id=c.discogs_instance_id, folder_id=c.folder_id, folder_name=c.folder_name,
                       date_added=c.date_added, rating=c.rating, media_condition=c.media_condition,
                       sleeve_condition=c.sleeve_condition, notes=c.notes)
        for c in plan.copies
    ], ignore_conflicts=True, batch_size=2000)
    return track_rows


def _write_albums(plan: CatalogPlan, artist_of: list[int], label_of: list[int]) -> list[int]:
    """Listened albums, found by (artist, title_key) among albums that are not an owned edition."""
    keys = [(artist_of[a.artist], title_key(a.title)) for a in plan.albums]
    mains = Album.objects.filter(listened_album__isnull=True)
    existing = _key_map(mains, "artist_id", set(artist_of), "artist_id", "title_key")
    Album.objects.bulk_create([
        Album(title=a.title, title_key=key[1], artist_id=key[0], year=a.year, label_id=label_of[a.label],
              catalog_number=a.catalog_number, format=a.format, format_descriptions=a.format_descriptions,
              discogs_release_id=a.discogs_release_id)
        for a, key in zip(plan.albums, keys) if key not in existing
    ], batch_size=1000)
    existing = _key_map(mains, "artist_id", set(artist_of), "artist_id", "title_key")
    return [existing[key] for key in keys]


def _write_editions(plan: CatalogPlan, artist_of: list[int], label_of: list[int], album_of: list[int]) -> list[int]:
    """Second owned editions (the CD of an owned LP), found by their Discogs release id."""
    release_ids = [e.discogs_release_id for e in plan.editions]
    existing = _key_map(Album.objects, "discogs_release_id", release_ids, "discogs_release_id")
    new = []
    for edition in plan.editions:
        if edition.discogs_release_id in existing:
            continue
        album = plan.albums[edition.album]
        new.append(Album(title=album.title, title_key=title_key(album.title), artist_id=artist_of[album.artist],
                         year=edition.year, label_id=label_of[album.label], catalog_number=edition.catalog_number,
                         format=edition.format, format_descriptions=edition.format_descriptions,
                         discogs_release_id=edition.discogs_release_id, listened_album_id=album_of[edition.album]))
    Album.objects.bulk_create(new, batch_size=1000)
    existing = _key_map(Album.objects, "discogs_release_id", release_ids, "discogs_release_id")
    return [existing[rid] for rid in release_ids]


def _write_tracks(plan: CatalogPlan, artist_of: list[int], album_of: list[int]) -> list[tuple[int, int, int, bool]]:
    Track.objects.bulk_create([
        Track(title=t.title, title_key=title_key(t.title), artist_id=artist_of[a.artist], album_id=album_of[i],
              disc_number=1, number=t.number, position=t.position if a.format == "Vinyl" else "",
              duration_ms=t.duration_ms)
        for i, a in enumerate(plan.albums) for t in a.tracks
    ], ignore_conflicts=True, batch_size=2000)
    track_ids = _key_map(Track.objects, "album_id", album_of, "artist_id", "album_id", "title_key")
    return [
        (track_ids[(artist_of[a.artist], album_of[i], title_key(t.title))], artist_of[a.artist], album_of[i], t.loved)
        for i, a in enumerate(plan.albums) for t in a.tracks
    ]


def _write_plays(stream: Iterator[list[PlanPlay]], track_rows: list[tuple[int, int, int, bool]], *, tz: ZoneInfo,
                 total: int, report: Progress) -> int:
    """Insert the plays chunk by chunk, one transaction each (a crash keeps what was written); return new rows."""
    times = ScrobbleTimes(tz=tz)
    done = new = 0
    fresh = None
    report("scrobbles", 0, total)
    for chunk in stream:
        if fresh is None:
            fresh = _history_is_fresh(chunk, track_rows)
        rows = []
        for track, at, source, ms_played in chunk:
            track_id, artist_id, album_id, loved = track_rows[track]
            played_at, local_date, local_hour = times.columns(at)
            rows.append((track_id, artist_id, album_id, played_at, local_date, local_hour, source, loved, ms_played,
                         played_at))
        with transaction.atomic():
            new += scrobble_rows_insert(rows, fresh=fresh)
        done += len(chunk)
        report("scrobbles", done, total)
    return new


def _history_is_fresh(first_chunk: list[PlanPlay], track_rows: list[tuple[int, int, int, bool]]) -> bool:
    """True when no demo track has a play yet. Otherwise every play of a demo track up to the end of
    the first chunk must be one of this history's plays (deleted ones may be missing); a stray one
    means another history (other --end, --scrobbles…) that this one would double: refuse."""
    track_ids = [row[0] for row in track_rows]
    if not any(Scrobble.objects.filter(track_id__in=batch).exists() for batch in _batches(track_ids)):
        return True
    planned = {(track_rows[track][0], at) for track, at, _, _ in first_chunk}
    until = datetime.fromtimestamp(first_chunk[-1][1], UTC)
    for batch in _batches(track_ids):
        stored = Scrobble.objects.filter(track_id__in=batch, played_at__lte=until).values_list("track_id", "played_at")
        for track_id, played_at in stored.iterator(chunk_size=5_000):
            if (track_id, int(played_at.timestamp())) not in planned:
                raise DemoSeedError("the demo tracks already have a different listening history (seeded with "
                                    "another --end, --days, --seed or --scrobbles); rerun with the original options")
    return False
