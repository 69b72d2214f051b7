"""A year in review: what one local calendar year of listening added up to, and what it led to on the shelf.

Everything comes from the rollups (days, months, totals) and from the year's few hundred copies,
so a year of 70,000 plays costs a handful of indexed queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Sum

from catalog.models import Album, Artist, CollectionItem
from tracker.models import AlbumMonth, AlbumTotal, ArtistTotal, DayHour
from tracker.selectors.analytics import unknown_play_ms
from tracker.selectors.habits import first_tracks
from tracker.selectors.stats import FIRST_DAY, LAST_DAY, Ranked, local_midnight, top_albums, top_artists, top_tracks

DISCOVERIES_SHOWN = 12
BOUGHT_SHOWN = 48


@dataclass(frozen=True)
class Discovery:
    artist: Artist
    first_played_at: datetime
    first_track: str  # the title of the first track heard ("" if its play is gone)
    plays: int  # all-time plays


@dataclass(frozen=True)
class Bought:
    album: Album
    added_at: datetime
    plays_in_year: int  # of the record and the album it is an edition of, in this year
    first_heard_at: datetime | None  # the first play ever, when it came before the purchase

    @property
    def days_heard_before(self) -> int | None:
        return (self.added_at - self.first_heard_at).days if self.first_heard_at else None


@dataclass(frozen=True)
class YearReview:
    year: int
    plays: int
    minutes: int
    estimated_share: int  # % of the plays whose length was estimated
    previous_plays: int
    days_played: int
    peak_day: tuple[date, int] | None
    months: list[dict]  # twelve {"month": first day, "value": plays}
    top_artists: list[Ranked]
    top_albums: list[Ranked]
    top_tracks: list[Ranked]
    discoveries_count: int
    discoveries: list[Discovery]
    bought: list[Bought]
    bought_count: int
    years: list[int]  # every year with plays, for the navigation

    @property
    def change(self) -> int | None:
        """Plays against the year before, in % (None when that year had none)."""
        return round(100 * (self.plays - self.previous_plays) / self.previous_plays) if self.previous_plays else None

    @property
    def led_to_purchase(self) -> list[Bought]:
        return [b for b in self.bought if b.first_heard_at]


def years_with_plays() -> list[int]:
    """The years of the first and the last play and all between, newest first."""
    first = DayHour.objects.order_by("local_date").values_list("local_date", flat=True).first()
    last = DayHour.objects.order_by("-local_date").values_list("local_date", flat=True).first()
    return list(range(last.year, first.year - 1, -1)) if first else []


def year_in_range(year: int) -> bool:
    """Whether a review of `year` can be asked for: its days, and the day after, are ones pages show."""
    return FIRST_DAY.year < year < LAST_DAY.year


def year_review(*, year: int) -> YearReview:
    """The review of `year` (see year_in_range)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    days = DayHour.objects.filter(local_date__gte=start, local_date__lte=end).order_by()
    totals = days.aggregate(plays=Sum("plays"), ms=Sum("ms_played"), known=Sum("ms_plays"))
    plays, known = totals["plays"] or 0, totals["known"] or 0
    per_day = dict(days.values_list("local_date").annotate(n=Sum("plays")))
    peak = max(per_day.items(), key=lambda item: (item[1], item[0]), default=None)
    per_month: dict[int, int] = {}
    for day, n in per_day.items():
        per_month[day.month] = per_month.get(day.month, 0) + n
    previous = DayHour.objects.filter(local_date__gte=date(year - 1, 1, 1), local_date__lte=date(year - 1, 12, 31)) \
        .aggregate(n=Sum("plays"))["n"]
    discovered = ArtistTotal.objects.filter(first_played_at__gte=local_midnight(start),
                                            first_played_at__lt=_next_year(year))
    return YearReview(
        year=year,
        plays=plays,
        # A play of unknown length is estimated as the analytics overview estimates it, so both agree.
        minutes=round(((totals["ms"] or 0) + (plays - known) * unknown_play_ms()) / 60_000),
        estimated_share=round(100 * (plays - known) / plays) if plays else 0,
        previous_plays=previous or 0,
        days_played=len(per_day),
        peak_day=peak,
        months=[{"month": date(year, m, 1), "value": per_month.get(m, 0)} for m in range(1, 13)],
        top_artists=top_artists(since=start, until=end, limit=10) if plays else [],
        top_albums=top_albums(since=start, until=end, limit=10) if plays else [],
        top_tracks=top_tracks(since=start, until=end, limit=10) if plays else [],
        discoveries_count=discovered.count(),
        discoveries=_discoveries(discovered.order_by("-plays", "artist_id")[:DISCOVERIES_SHOWN]),
        bought=_bought(year),
        bought_count=CollectionItem.objects.filter(date_added__gte=local_midnight(start),
                                                   date_added__lt=_next_year(year)).count(),
        years=years_with_plays(),
    )


def _next_year(year: int) -> datetime:
    return local_midnight(date(year + 1, 1, 1))


def _discoveries(rows) -> list[Discovery]:
    """The year's most played new artists, each with the track of their first play."""
    rows = list(rows)
    artists = Artist.objects.in_bulk([row.artist_id for row in rows])
    tracks = first_tracks([(row.artist_id, row.first_played_at) for row in rows])
    return [Discovery(artists[row.artist_id], row.first_played_at,
                      tracks[row.artist_id].title if row.artist_id in tracks else "", row.plays)
            for row in rows if row.artist_id in artists]


def _bought(year: int) -> list[Bought]:
    """Records added to the collection in `year`, newest first, with their plays that year and,
    when they were heard before they were bought, the first listen."""
    copies = list(CollectionItem.objects.filter(date_added__gte=local_midnight(date(year, 1, 1)),
                                                date_added__lt=_next_year(year))
                  .select_related("album__artist").order_by("-date_added", "-id")[:BOUGHT_SHOWN])
    if not copies:
        return []
    listened = {c.album_id: c.album.listened_album_id or c.album_id for c in copies}
    ids = set(listened) | set(listened.values())
    months = (AlbumMonth.objects.filter(album_id__in=ids, month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
              .order_by().values_list("album_id").annotate(n=Sum("plays")))
    plays = dict(months)
    first = dict(AlbumTotal.objects.filter(album_id__in=ids).values_list("album_id", "first_played_at"))
    bought, seen = [], set()
    for copy in copies:
        if copy.album_id in seen:  # a second copy of the same record
            continue
        seen.add(copy.album_id)
        group = {copy.album_id, listened[copy.album_id]}
        n = sum(plays.get(pk, 0) for pk in group)
        heard = min((first[pk] for pk in group if pk in first), default=None)
        bought.append(Bought(copy.album, copy.date_added, n, heard if heard and heard < copy.date_added else None))
    return bought
