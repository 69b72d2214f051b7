"""The journal: plays newest first, filtered, paged by keyset on (played_at, id).

Keyset paging keeps "load more" as fast on page 1,000 as on page 1: the database walks the
played_at index from the cursor instead of counting past an OFFSET. The same filters and
cursor feed the journal page and `GET /api/v1/history/tracks`.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import F, Q, QuerySet, Sum

from catalog.models import Album, Artist, Track
from core.normalize import clean_text
from core.params import parse_id
from tracker.models import MonthHour, Scrobble
from tracker.selectors.stats import DAY_RANGE_TEXT, day_in_range, local_midnight

PAGE_SIZE = 50
PLAY_NAMES = ("track", "artist", "album")  # what a play row shows, loaded after the page of plays
MAX_PAGE_SIZE = 200
# How many rows a reloaded infinite-scroll URL (`until=`) may show at once.
MAX_WINDOW = 1000
# A text search first walks this many of the newest plays in order (see _text_search_rows).
SEARCH_WINDOW = 20_000
# The GET parameters a filter is read from, in the order chips are shown.


class FilterError(ValueError):
    """A filter value that is not understood (the API answers 400; pages ignore it)."""


@dataclass(frozen=True)
class JournalFilters:
    artist_id: int | None = None
    album_id: int | None = None
    track_id: int | None = None
    source: str = ""
    loved: bool = False
    q: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any((self.artist_id, self.album_id, self.track_id, self.source, self.loved, self.q,
                    self.date_from, self.date_to))

    def as_params(self) -> dict[str, str]:
        """The GET parameters that give these filters back (for links and chips)."""
        params = {
            "q": self.q,
            "artist": str(self.artist_id or ""),
            "album": str(self.album_id or ""),
            "track": str(self.track_id or ""),
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "source": self.source,
            "loved": "1" if self.loved else "",
        }
        return {key: value for key, value in params.items() if value}


@dataclass
class JournalPage:
    plays: list[Scrobble] = field(default_factory=list)
    next_cursor: str = ""


@dataclass(frozen=True)
class FilterChip:
    param: str
    label: str
    value: str
    href: str = ""  # the page of the filtered object, when it has one


def encode_cursor(play: Scrobble) -> str:
    delta = play.played_at - datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{play.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """(played_at, id) from 'micros-id'; None when malformed (then paging restarts)."""
    try:
        micros, pk = cursor.split("-", 1)
        return datetime(1970, 1, 1, tzinfo=dt_timezone.utc) + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def _id(value: str, name: str, strict: bool) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if (pk := parse_id(value)) is not None:
        return pk
    if strict:
        raise FilterError(f"{name} must be a positive integer id (below 2**63), not {value[:40]!r}")
    return None


def _day(value: str, name: str, strict: bool) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        if strict:
            raise FilterError(f"{name} must be a date as YYYY-MM-DD, not {value[:40]!r}") from None
        return None
    if day_in_range(day):
        return day
    if strict:
        raise FilterError(f"{name} must be a day {DAY_RANGE_TEXT}, not {value!r}")
    return None


def parse_filters(
    *, artist: str = "", album: str = "", track: str = "", source: str = "", loved: str = "", q: str = "",
    date_from: str = "", date_to: str = "", strict: bool = False,
) -> JournalFilters:
    """Filters from query-string values. Pages ignore what they do not understand; with
    `strict` (the API) a malformed value raises FilterError instead."""
    if source and source not in Scrobble.Source.values:
        if strict:
            raise FilterError(f"source must be one of {', '.join(Scrobble.Source.values)}, not {source!r}")
        source = ""
    loved = (loved or "").strip().lower()
    if strict and loved not in ("", "1", "0", "true", "false", "on", "off"):
        raise FilterError(f"loved must be true or false, not {loved!r}")
    filters = JournalFilters(
        artist_id=_id(artist, "artist", strict),
        album_id=_id(album, "album", strict),
        track_id=_id(track, "track", strict),
        source=source,
        loved=loved in ("1", "true", "on"),
        q=clean_text(q, 200),
        date_from=_day(date_from, "from", strict),
        date_to=_day(date_to, "to", strict),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        if strict:
            raise FilterError("from must not be after to")
        filters = replace(filters, date_from=filters.date_to, date_to=filters.date_from)
    return filters


def filters_from_query(query) -> JournalFilters:
    """Lenient filters from a QueryDict (the journal page's GET parameters)."""
    return parse_filters(
        artist=query.get("artist", ""), album=query.get("album", ""), track=query.get("track", ""),
        source=query.get("source", ""), loved=query.get("loved", ""), q=query.get("q", ""),
        date_from=query.get("from", ""), date_to=query.get("to", ""),
    )


def filtered_scrobbles(*, filters: JournalFilters) -> QuerySet:
    """Plays matching the filters. Dates become played_at bounds, so the played_at (or
    artist/album/source, played_at) indexes serve both the filter and the order."""
    qs = Scrobble.objects.all()
    if filters.artist_id:
        qs = qs.filter(artist_id=filters.artist_id)
    if filters.album_id:
        qs = qs.filter(album_id=filters.album_id)
    if filters.track_id:
        qs = qs.filter(track_id=filters.track_id)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.loved:
        qs = qs.filter(loved=True)
    if filters.date_from:
        qs = qs.filter(played_at__gte=local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(played_at__lt=local_midnight(filters.date_to + timedelta(days=1)))
    if filters.q:
        qs = qs.filter(_text_match(filters.q, by_index=True))
    return qs


def _text_match(text: str, *, by_index: bool) -> Q:
    """Plays whose artist, album or track name contains `text`: the small name tables are
    searched first, then plays by their foreign keys (no join of every play with its names).
    Without `by_index` the keys are wrapped (`+ 0`) so that the database walks plays in
    played_at order and keeps the matching ones, the fast way when matches are common."""
    artists = Artist.objects.filter(name__icontains=text).values("pk")
    albums = Album.objects.filter(title__icontains=text).values("pk")
    tracks = Track.objects.filter(title__icontains=text).values("pk")
    if by_index:
        return Q(artist_id__in=artists) | Q(album_id__in=albums) | Q(track_id__in=tracks)
    return Q(artist_key__in=artists) | Q(album_key__in=albums) | Q(track_key__in=tracks)


def _text_search_rows(qs: QuerySet, text: str, limit: int) -> list[Scrobble]:
    """The newest `limit` plays of `qs` matching `text`, fast whether matches are common or rare:
    first walk the newest SEARCH_WINDOW plays in order; if they hold too few matches, look up
    the older ones by the indexed keys (then there are few of them to sort)."""
    if not any(model.objects.filter(**{f"{field}__icontains": text}).exists()
               for model, field in ((Artist, "name"), (Album, "title"), (Track, "title"))):
        return []
    ordered = ("-played_at", "-id")
    boundary = qs.order_by(*ordered).values_list("played_at", flat=True)[SEARCH_WINDOW:SEARCH_WINDOW + 1].first()
    recent = qs.filter(played_at__gte=boundary) if boundary else qs
    walked = recent.alias(artist_key=F("artist_id") + 0, album_key=F("album_id") + 0, track_key=F("track_id") + 0)
    rows = list(walked.filter(_text_match(text, by_index=False)).order_by(*ordered)[:limit])
    if len(rows) < limit and boundary:
        older = qs.filter(played_at__lt=boundary).filter(_text_match(text, by_index=True))
        rows += list(older.order_by(*ordered)[: limit - len(rows)])
    return rows


def _older_than(qs: QuerySet, position: tuple[datetime, int]) -> QuerySet:
    # The plain `played_at <= x` bound lets the index start at the cursor; the OR alone
    # makes SQLite walk the whole index from the newest play.
    played_at, pk = position
    return qs.filter(played_at__lte=played_at).filter(Q(played_at__lt=played_at) | Q(pk__lt=pk))


def _with_position(qs: QuerySet, position: tuple[datetime, int] | None) -> QuerySet:
    return _older_than(qs, position) if position else newest_first(qs)


# Earlier than every play a datetime can hold: the range it starts is all of them.
ALL_PLAYS_FROM = datetime(1, 1, 1, tzinfo=dt_timezone.utc)


def newest_first(qs: QuerySet) -> QuerySet:
    """`qs` newest play first, as a range of played_at that holds every play: only the played_at
    index can serve a range of it, so a page of the newest plays walks that index whatever the
    statistics say. Without it, SQLite's sampled statistics (each index's size a different
    guess) had the newest 20 of a million plays planned as a sort of all of them (0.9 s)."""
    return qs.filter(played_at__gte=ALL_PLAYS_FROM).order_by("-played_at", "-id")


def journal_total(*, filters: JournalFilters) -> int | None:
    """How many plays the journal lists, when a rollup knows without counting plays: unfiltered only."""
    if filters.active:
        return None
    return MonthHour.objects.aggregate(plays=Sum("plays"))["plays"] or 0


def journal_page(*, filters: JournalFilters, cursor: str = "", until: str = "",
                 limit: int | None = None) -> JournalPage:
    """One page of plays older than `cursor`, with the cursor of the next page.

    With `until` (the cursor of the last row an infinite scroll had shown), the page runs
    from `cursor` down to that row, so a reloaded URL shows what was on screen (at most
    MAX_WINDOW rows)."""
    # The page of plays first, then their names (prefetch, not a join): joined, the planner given
    # statistics (ANALYZE, PRAGMA optimize, PostgreSQL's autovacuum) scanned the artists and sorted
    # every play — 1.3 s at a million plays instead of a walk down the played_at index.
    qs = filtered_scrobbles(filters=filters).prefetch_related(*PLAY_NAMES)
    position = decode_cursor(cursor) if cursor else None
    qs = _with_position(qs, position)
    end = decode_cursor(until) if until else None
    if end:
        played_at, pk = end
        window = list(
            qs.filter(played_at__gte=played_at).filter(Q(played_at__gt=played_at) | Q(pk__gte=pk))
            .order_by("-played_at", "-id")[: MAX_WINDOW + 1]
        )
        plays = window[:MAX_WINDOW]
        if plays and (len(window) > MAX_WINDOW or _older_than(qs, end).exists()):
            return JournalPage(plays=plays, next_cursor=encode_cursor(plays[-1]))
        return JournalPage(plays=plays)
    limit = max(1, min(limit or PAGE_SIZE, MAX_PAGE_SIZE))
    if filters.q:
        rows = _text_search_rows(
            _with_position(filtered_scrobbles(filters=replace(filters, q="")), position)
            .prefetch_related(*PLAY_NAMES),
            filters.q, limit + 1,
        )
    else:
        rows = list(qs.order_by("-played_at", "-id")[: limit + 1])
    plays = rows[:limit]
    next_cursor = encode_cursor(plays[-1]) if len(rows) > limit else ""
    return JournalPage(plays=plays, next_cursor=next_cursor)


def filter_chips(*, filters: JournalFilters) -> list[FilterChip]:
    """One removable chip per active filter, with names looked up once (≤ 3 queries)."""
    chips = []
    if filters.q:
        chips.append(FilterChip("q", "Search", filters.q))
    lookups = (("artist", "Artist", filters.artist_id, Artist, "name"),
               ("album", "Album", filters.album_id, Album, "title"),
               ("track", "Track", filters.track_id, Track, "title"))
    for param, label, pk, model, attribute in lookups:
        if pk:
            obj = model.objects.filter(pk=pk).first()
            name = getattr(obj, attribute) if obj else f"#{pk} (unknown)"
            href = obj.get_absolute_url() if obj and hasattr(obj, "get_absolute_url") else ""
            chips.append(FilterChip(param, label, name, href))
    if filters.date_from:
        chips.append(FilterChip("from", "From", filters.date_from.strftime("%-d %b %Y")))
    if filters.date_to:
        chips.append(FilterChip("to", "To", filters.date_to.strftime("%-d %b %Y")))
    if filters.source:
        chips.append(FilterChip("source", "Source", Scrobble.Source(filters.source).label))
    if filters.loved:
        chips.append(FilterChip("loved", "Loved", "only"))
    return chips
