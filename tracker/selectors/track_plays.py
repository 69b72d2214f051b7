"""One track's page: its plays (totals from the rollup, months and recent plays along its
(track, played_at) index), the albums it is on, whether it is loved, and the tracks played around it."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection

from catalog.models import Album, CollectionItem, Track
from core.params import parse_id
from tracker.models import Scrobble, TrackTotal
from tracker.selectors.analytics import AVERAGE_PLAY_MS
from tracker.selectors.stats import first_of_months_back, local_midnight, month_series

MONTHS_SHOWN = 60
RECENT_PLAYS = 20
# Co-listening: the tracks most often played within WINDOW of this one's last SIMILAR_PLAYS plays.
SIMILAR_PLAYS = 500
SIMILAR_WINDOW = timedelta(minutes=30)
SIMILAR_SHOWN = 10


@dataclass
class TrackAppearance:
    """The same song (artist and title key) on one album, and whether that album is owned."""

    track: Track
    plays: int
    owned: bool  # a copy of this very album is in the collection
    owned_editions: list[Album] = field(default_factory=list)  # owned releases linked to it (listened_album)


@dataclass
class SimilarTrack:
    track: Track
    together: int  # plays of it within the window of this track's plays


@dataclass
class TrackView:
    track: Track
    plays: int = 0
    ms_listened: int = 0
    ms_estimated: int = 0  # the part of ms_listened counted from the track's length, not measured
    first_play: datetime | None = None
    last_play: datetime | None = None
    loved: bool = False
    months: list[dict] = field(default_factory=list)
    appearances: list[TrackAppearance] = field(default_factory=list)
    similar: list[SimilarTrack] = field(default_factory=list)
    recent: list[Scrobble] = field(default_factory=list)

    @property
    def owned(self) -> bool:
        return any(a.owned or a.owned_editions for a in self.appearances)


def track_view(*, track_id: int, today: date | None = None) -> TrackView | None:
    """Everything the track page shows, in a fixed number of queries (about a dozen); None if unknown."""
    if parse_id(track_id) is None:  # past a bigint: no track, and no OverflowError from the driver
        return None
    track = Track.objects.select_related("artist", "album").filter(pk=track_id).first()
    if track is None:
        return None
    view = TrackView(track=track)
    total = TrackTotal.objects.filter(track_id=track.pk).first()
    if total is not None:
        unknown = total.plays - total.ms_plays
        view.ms_estimated = unknown * (track.duration_ms or AVERAGE_PLAY_MS)
        view.plays, view.ms_listened = total.plays, total.ms_played + view.ms_estimated
        view.first_play, view.last_play = total.first_played_at, total.last_played_at
    plays = Scrobble.objects.filter(track_id=track.pk)
    view.loved = plays.filter(loved=True).exists()  # the partial index of loved plays
    since = first_of_months_back(months=MONTHS_SHOWN, today=today)
    if view.plays:
        view.months = track_months(track_id=track.pk, since=since, today=today)
        view.recent = list(plays.select_related("album").order_by("-played_at")[:RECENT_PLAYS])
    view.appearances = track_appearances(track=track)
    view.similar = tracks_played_around(track_id=track.pk, exclude=[a.track.pk for a in view.appearances])
    return view


def track_months(*, track_id: int, since: date, today: date | None = None) -> list[dict]:
    """Plays per local month since `since`, from the plays themselves (there is no month rollup
    per track): one range of the (track, played_at) index, a few thousand rows at most."""
    days = (Scrobble.objects.filter(track_id=track_id, played_at__gte=local_midnight(since))
            .order_by().values_list("local_date", flat=True))
    counts = Counter(date(day.year, day.month, 1) for day in days)
    return month_series(dict(counts), since=since, today=today)


def track_appearances(*, track: Track) -> list[TrackAppearance]:
    """The song on each album it is on (same artist and title key), most played first, with the
    owned copies: of that album itself, or of releases whose listened album it is. Four queries."""
    versions = list(Track.objects.filter(artist_id=track.artist_id, title_key=track.title_key)
                    .select_related("album")[:50])
    ids = [t.pk for t in versions]
    album_ids = [t.album_id for t in versions if t.album_id]
    plays = dict(TrackTotal.objects.filter(track_id__in=ids).values_list("track_id", "plays"))
    owned = set(CollectionItem.objects.present().filter(album_id__in=album_ids).values_list("album_id", flat=True))
    editions: dict[int, list[Album]] = {}
    if album_ids:
        for edition in (Album.objects.filter(listened_album_id__in=album_ids, copies__removed_at__isnull=True,
                                             copies__isnull=False).distinct().order_by("year", "title")):
            editions.setdefault(edition.listened_album_id, []).append(edition)
    found = [TrackAppearance(track=t, plays=plays.get(t.pk, 0), owned=t.album_id in owned,
                             owned_editions=editions.get(t.album_id, [])) for t in versions]
    found.sort(key=lambda a: (a.track.pk != track.pk, -a.plays, a.track.album.year if a.track.album else 9999,
                              a.track.pk))
    return found


def tracks_played_around(*, track_id: int, exclude: list[int] | None = None,
                         plays: int = SIMILAR_PLAYS, window: timedelta = SIMILAR_WINDOW,
                         limit: int = SIMILAR_SHOWN) -> list[SimilarTrack]:
    """The tracks most often played within `window` of this track's last `plays` plays: one query
    for those plays' times, one for the plays in their windows (overlapping windows merged into one
    range, each a range of the played_at index), one for the tracks."""
    times = sorted(Scrobble.objects.filter(track_id=track_id).order_by("-played_at")
                   .values_list("played_at", flat=True)[:plays])
    if not times:
        return []
    ranges: list[list[datetime]] = []
    for moment in times:
        if ranges and moment - window <= ranges[-1][1]:
            ranges[-1][1] = moment + window
        else:
            ranges.append([moment - window, moment + window])
    counts = _plays_in_ranges(ranges, exclude=[track_id, *(exclude or [])], limit=limit)
    found = Track.objects.select_related("artist", "album").in_bulk([pk for pk, _ in counts])
    return [SimilarTrack(track=found[pk], together=n) for pk, n in counts if pk in found]


def _plays_in_ranges(ranges: list[list[datetime]], *, exclude: list[int], limit: int) -> list[tuple[int, int]]:
    """(track id, plays) of the plays inside any of `ranges`, most first, as one join of the ranges
    (a VALUES list, walked first: CROSS JOIN keeps SQLite from scanning every play against an OR of
    hundreds of ranges) with a range of the played_at index each."""
    adapt = connection.ops.adapt_datetimefield_value
    table = Scrobble._meta.db_table
    # PostgreSQL types the VALUES columns from their first row: the casts say they are instants.
    cast = "::timestamptz" if connection.vendor == "postgresql" else ""
    values = ", ".join([f"(%s{cast}, %s{cast})"] * len(ranges))
    excluded = ", ".join(["%s"] * len(exclude))
    sql = (f"SELECT play.track_id, COUNT(*) AS together FROM (VALUES {values}) AS around "
           f"CROSS JOIN {table} AS play "
           f"WHERE play.played_at >= around.column1 AND play.played_at <= around.column2 "
           f"AND play.track_id NOT IN ({excluded}) "
           f"GROUP BY play.track_id ORDER BY together DESC, play.track_id LIMIT %s")
    params = [adapt(moment) for pair in ranges for moment in pair] + list(exclude) + [limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, n) for pk, n in cursor.fetchall()]
