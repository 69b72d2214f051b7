"""Analytics in the JSON API (mounted at /api/v1/analytics/): the pages' figures as JSON, for the
same periods (`period`, and `from`/`to` for a custom one; see tracker.selectors.periods)."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from core.api import ErrorOut
from core.api_caching import conditional_read  # ETag / 304
from tracker.selectors import analytics, habits, shelf
from tracker.selectors.api_versions import library_data_version  # ETag / 304
from tracker.selectors.periods import Period, PeriodError, period_parse
from tracker.selectors.year_review import year_in_range, year_review

router = Router(tags=["analytics"])


class PeriodQuery(Schema):
    period: str = Field("30d", description="7d, 30d, 90d, year, all, a year (2024), a month (2024-03) or custom")
    date_from: str = Field("", alias="from", description="custom: first local day, YYYY-MM-DD")
    date_to: str = Field("", alias="to", description="custom: last local day, YYYY-MM-DD")


class PeriodOut(Schema):
    key: str
    label: str
    start: date | None
    end: date


def period_of(query: PeriodQuery) -> Period:
    """The period asked for; 400 with the reason when it cannot be read."""
    try:
        return period_parse({"period": query.period, "from": query.date_from, "to": query.date_to})
    except PeriodError as error:
        raise HttpError(400, str(error)) from None


def period_out(period: Period) -> dict:
    return {"key": period.key, "label": period.label, "start": period.start, "end": period.end}


class NamedOut(Schema):
    id: int
    name: str


class RankedOut(Schema):
    id: int
    name: str
    plays: int


class MonthOut(Schema):
    month: date
    plays: int


class DiscoveryOut(Schema):
    artist: RankedOut
    first_played_at: datetime
    first_track: str


class BoughtOut(Schema):
    album_id: int
    title: str
    artist: str
    added_at: datetime
    plays_in_year: int
    first_heard_at: datetime | None


class YearOut(Schema):
    year: int
    plays: int
    minutes: int
    estimated_share: int = Field(description="% of the plays whose length is estimated")
    previous_plays: int
    days_played: int
    peak_day: date | None
    peak_day_plays: int
    months: list[MonthOut]
    top_artists: list[RankedOut]
    top_albums: list[RankedOut]
    top_tracks: list[RankedOut]
    discoveries_count: int
    discoveries: list[DiscoveryOut]
    bought_count: int
    bought: list[BoughtOut]


def ranked_out(rows, name: str) -> list[dict]:
    return [{"id": row.obj.pk, "name": getattr(row.obj, name), "plays": row.plays} for row in rows]


@router.get("/year/{year}", response={200: YearOut, 404: ErrorOut},
            summary="A year in review: minutes, plays, tops, discoveries, peak day, months and records bought")
@conditional_read(library_data_version)  # ETag / 304
def analytics_year(request, year: int):
    if not year_in_range(year):
        raise HttpError(404, "No review of that year")
    review = year_review(year=year)
    return {
        "year": review.year, "plays": review.plays, "minutes": review.minutes,
        "estimated_share": review.estimated_share, "previous_plays": review.previous_plays,
        "days_played": review.days_played,
        "peak_day": review.peak_day[0] if review.peak_day else None,
        "peak_day_plays": review.peak_day[1] if review.peak_day else 0,
        "months": [{"month": m["month"], "plays": m["value"]} for m in review.months],
        "top_artists": ranked_out(review.top_artists, "name"), "top_albums": ranked_out(review.top_albums, "title"),
        "top_tracks": ranked_out(review.top_tracks, "title"),
        "discoveries_count": review.discoveries_count,
        "discoveries": [{"artist": {"id": d.artist.pk, "name": d.artist.name, "plays": d.plays},
                         "first_played_at": d.first_played_at, "first_track": d.first_track}
                        for d in review.discoveries],
        "bought_count": review.bought_count,
        "bought": [{"album_id": b.album.pk, "title": b.album.title, "artist": b.album.artist.name if b.album.artist
                    else "", "added_at": b.added_at, "plays_in_year": b.plays_in_year,
                    "first_heard_at": b.first_heard_at} for b in review.bought],
    }


# --- the overview's views -------------------------------------------------------------------------
class TopItemOut(Schema):
    rank: int
    id: int
    name: str
    artist: str | None = Field(None, description="albums and tracks: the first credited artist")
    plays: int
    minutes: int = Field(description="time listened, the estimated part included")
    estimated_minutes: int


class TopOut(Schema):
    period: PeriodOut
    kind: str
    by: str
    estimated_percent: int = Field(description="% of the listed time that is estimated (no ms_played known)")
    items: list[TopItemOut]


class TopQuery(PeriodQuery):
    kind: str = Field("artists", description="artists, albums or tracks")
    by: str = Field("plays", description="plays or time")
    limit: int = Field(analytics.TOP_LIMIT, description="1 to 100")


@router.get("/top", response={200: TopOut, 400: ErrorOut},
            summary="Top artists, albums or tracks of a period, by plays or by time listened")
@conditional_read(library_data_version)  # ETag / 304
def analytics_top(request, query: Query[TopQuery]):
    period = period_of(query)
    if query.kind not in analytics.KINDS:
        raise HttpError(400, f"kind must be one of {', '.join(analytics.KINDS)}, not {query.kind[:40]!r}")
    if query.by not in analytics.BY:
        raise HttpError(400, f"by must be plays or time, not {query.by[:40]!r}")
    if not 1 <= query.limit <= 100:
        raise HttpError(400, "limit must be between 1 and 100")
    top = analytics.top_of(kind=query.kind, period=period, by=query.by, limit=query.limit)
    items = []
    for rank, row in enumerate(top.rows, start=1):
        artists = query.kind == "artists"
        artist = None if artists else (row.obj.artist.name if row.obj.artist else "")
        items.append({"rank": rank, "id": row.obj.pk, "name": row.obj.name if artists else row.obj.title,
                      "artist": artist, "plays": row.plays, "minutes": round(row.ms / 60_000),
                      "estimated_minutes": round(row.estimated_ms / 60_000)})
    return {"period": period_out(period), "kind": query.kind, "by": query.by,
            "estimated_percent": top.estimated_percent, "items": items}


class TotalsOut(Schema):
    plays: int
    minutes: int
    estimated_percent: int


class BucketOut(Schema):
    start: date
    end: date
    plays: int


class OverTimeOut(Schema):
    period: PeriodOut
    step: str = Field(description="day, week or month")
    totals: TotalsOut
    previous_period: PeriodOut | None
    previous: TotalsOut | None
    plays_change: float | None = Field(description="% against the previous period")
    minutes_change: float | None
    buckets: list[BucketOut]


def _totals_out(totals) -> dict:
    return {"plays": totals.plays, "minutes": totals.minutes, "estimated_percent": totals.estimated_percent}


@router.get("/over-time", response={200: OverTimeOut, 400: ErrorOut},
            summary="Plays per day, week or month of a period, and its totals against the previous period")
@conditional_read(library_data_version)  # ETag / 304
def analytics_over_time(request, query: Query[PeriodQuery]):
    period = period_of(query)
    comparison = analytics.compare(period=period, unknown_ms=analytics.unknown_play_ms())
    over_time = analytics.plays_over_time(period=period)
    return {
        "period": period_out(period), "step": over_time.step, "totals": _totals_out(comparison.current),
        "previous_period": period_out(comparison.previous_period) if comparison.previous_period else None,
        "previous": _totals_out(comparison.previous) if comparison.previous else None,
        "plays_change": comparison.plays_change, "minutes_change": comparison.minutes_change,
        "buckets": [{"start": b.start, "end": b.end, "plays": b.plays} for b in over_time.buckets],
    }


class HeatmapOut(Schema):
    period: PeriodOut
    weekdays: list[str]
    grid: list[list[int]] = Field(description="7 weekdays (Monday first) x 24 local hours of plays")
    hours: list[int] = Field(description="plays per local hour, the listening clock")


@router.get("/heatmap", response={200: HeatmapOut, 400: ErrorOut},
            summary="Plays per weekday and local hour of a period")
@conditional_read(library_data_version)  # ETag / 304
def analytics_heatmap(request, query: Query[PeriodQuery]):
    period = period_of(query)
    week = analytics.week_hours_of(period=period)
    return {"period": period_out(period), "weekdays": list(analytics.WEEKDAYS), "grid": week.grid,
            "hours": week.hours}


# --- habits -----------------------------------------------------------------------------------------
class DiscoveredOut(Schema):
    artist: NamedOut
    first_played_at: datetime
    first_track: NamedOut | None


class DiscoveriesOut(Schema):
    period: PeriodOut
    per_month: list[MonthOut]
    items: list[DiscoveredOut] = Field(description="newest first, at most 50")


@router.get("/discoveries", response={200: DiscoveriesOut, 400: ErrorOut},
            summary="Artists first heard in a period, per month and newest first with their first track")
@conditional_read(library_data_version)  # ETag / 304
def analytics_discoveries(request, query: Query[PeriodQuery]):
    period = period_of(query)
    return {
        "period": period_out(period),
        "per_month": [{"month": m["month"], "plays": m["value"]} for m in habits.discoveries_per_month(period=period)],
        "items": [{"artist": {"id": d.artist.pk, "name": d.artist.name}, "first_played_at": d.first_played_at,
                   "first_track": {"id": d.track.pk, "name": d.track.title} if d.track else None}
                  for d in habits.discovery_list(period=period)],
    }


class StreakOut(Schema):
    start: date
    end: date
    days: int


class ArtistRunOut(Schema):
    artist: NamedOut
    plays: int
    first_played_at: datetime
    last_played_at: datetime


class StreaksOut(Schema):
    period: PeriodOut
    listening_days: int
    longest: StreakOut | None
    current: StreakOut | None = Field(description="ending today or yesterday, whatever the period")
    longest_artist_run: ArtistRunOut | None


def _streak_out(streak) -> dict | None:
    return {"start": streak.start, "end": streak.end, "days": streak.days} if streak else None


@router.get("/streaks", response={200: StreaksOut, 400: ErrorOut},
            summary="The longest run of listening days, the current one, and the longest run of one artist")
@conditional_read(library_data_version)  # ETag / 304
def analytics_streaks(request, query: Query[PeriodQuery]):
    period = period_of(query)
    found = habits.play_habits(period=period)
    run = found.run
    return {
        "period": period_out(period), "listening_days": found.listening_days, "longest": _streak_out(found.streak),
        "current": _streak_out(habits.current_streak()),
        "longest_artist_run": {"artist": {"id": run.artist.pk, "name": run.artist.name}, "plays": run.plays,
                               "first_played_at": run.first.played_at, "last_played_at": run.last.played_at}
        if run else None,
    }


class SessionOut(Schema):
    start: datetime
    end: datetime
    plays: int
    minutes: int


class SessionBucketOut(Schema):
    label: str
    sessions: int


class SessionsOut(Schema):
    period: PeriodOut
    sessions: int
    per_listening_day: float
    average_minutes: int
    longest: SessionOut | None
    by_length: list[SessionBucketOut]


@router.get("/sessions", response={200: SessionsOut, 400: ErrorOut},
            summary="Listening sessions of a period (a gap over 30 min between two plays' starts ends one)")
@conditional_read(library_data_version)  # ETag / 304
def analytics_sessions(request, query: Query[PeriodQuery]):
    period = period_of(query)
    found = habits.play_habits(period=period)
    longest = found.longest
    return {
        "period": period_out(period), "sessions": found.sessions, "per_listening_day": found.per_day,
        "average_minutes": round(found.average.total_seconds() / 60),
        "longest": {"start": longest.start, "end": longest.end, "plays": longest.plays,
                    "minutes": round(longest.length.total_seconds() / 60)} if longest else None,
        "by_length": [{"label": b["label"], "sessions": b["value"]} for b in found.buckets],
    }


# --- shelf & sound ------------------------------------------------------------------------------------
class ShareOut(Schema):
    name: str
    plays: int
    share: float = Field(description="% of the plays counted")


class SoundOut(Schema):
    period: PeriodOut
    plays: int
    without: int = Field(description="plays with no tag (or no label), plays without an album included")
    counted_share: float = Field(description="% of the period's album plays counted: its 500 most played albums")
    items: list[ShareOut]


def _sound(period: Period, kind: str) -> dict:
    view = shelf.shelf_view(period=period)
    bars, without = (view.tags, view.untagged_plays) if kind == "tags" else (view.labels, view.unlabelled_plays)
    return {"period": period_out(period), "plays": view.plays, "without": without,
            "counted_share": view.counted_share if view.counted_albums else 100.0,
            "items": [{"name": bar.label, "plays": bar.plays, "share": bar.share} for bar in bars]}


@router.get("/tags", response={200: SoundOut, 400: ErrorOut},
            summary="Top genres and tags of a period (each album play counts for its three heaviest tags)")
@conditional_read(library_data_version)  # ETag / 304
def analytics_tags(request, query: Query[PeriodQuery]):
    return _sound(period_of(query), "tags")


@router.get("/labels", response={200: SoundOut, 400: ErrorOut}, summary="Top record labels of a period")
@conditional_read(library_data_version)  # ETag / 304
def analytics_labels(request, query: Query[PeriodQuery]):
    return _sound(period_of(query), "labels")


class EraOut(Schema):
    decade: str
    plays: int


class ErasOut(Schema):
    period: PeriodOut
    items: list[EraOut]


@router.get("/era", response={200: ErasOut, 400: ErrorOut},
            summary="Plays of a period by decade of the album's original year")
@conditional_read(library_data_version)  # ETag / 304
def analytics_era(request, query: Query[PeriodQuery]):
    period = period_of(query)
    view = shelf.shelf_view(period=period)
    return {"period": period_out(period), "items": [{"decade": e["label"], "plays": e["value"]} for e in view.eras]}


class TableOut(Schema):
    columns: list[str]
    rows: list[list[str]]


class OwnedOut(Schema):
    period: PeriodOut
    plays: int
    collection: bool = Field(description="false: no record in the collection yet")
    records: int
    played_in_period: int
    never_played: int
    owned_plays: int
    share: float = Field(description="% of the period's plays that are of owned records")
    never_played_records: TableOut
    most_played_owned: TableOut
    buy_list: TableOut = Field(description="most played albums not owned, with a Discogs link")
    before_and_after: TableOut = Field(description="plays of the latest additions before and after they were added")


def _table_out(table) -> dict:
    if table is None:
        return {"columns": [], "rows": []}
    # A link's address in place of its words ("Release page"): what a script wants of it.
    return {"columns": list(table.columns), "rows": [[cell.url or cell.text for cell in row] for row in table.rows]}


@router.get("/owned-vs-played", response={200: OwnedOut, 400: ErrorOut},
            summary="The shelf against the stream: owned and never played, most played owned, a buy list")
@conditional_read(library_data_version)  # ETag / 304
def analytics_owned_vs_played(request, query: Query[PeriodQuery]):
    period = period_of(query)
    view = shelf.shelf_view(period=period)
    owned = view.owned
    return {
        "period": period_out(period), "plays": view.plays, "collection": owned is not None,
        "records": owned.records if owned else 0, "played_in_period": owned.played_in_period if owned else 0,
        "never_played": owned.never_played if owned else 0, "owned_plays": owned.owned_plays if owned else 0,
        "share": owned.share if owned else 0.0,
        "never_played_records": _table_out(view.tables.get("never_played")),
        "most_played_owned": _table_out(view.tables.get("owned_top")),
        "buy_list": _table_out(view.tables.get("buy")), "before_and_after": _table_out(view.tables.get("added")),
    }
