"""Analytics in the JSON API (mounted at /api/v1/analytics/): the pages' figures as JSON, for the
same periods (`period`, and `from`/`to` for a custom one; see tracker.selectors.periods)."""

from datetime import date, datetime

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from tracker.selectors.periods import Period, PeriodError, period_parse
from tracker.selectors.year_review import year_in_range, year_review

router = Router(tags=["analytics"])


class ErrorOut(Schema):
    detail: str


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
