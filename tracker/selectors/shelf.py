"""Shelf & sound: what a period's listening is made of (tags, labels, years, release eras) and how
it meets the record collection (owned but never played, owned and played, played but not owned).

Where the plays come from (_PeriodPlays): all time from the album totals (and the artist totals for
the period's plays: every play has an artist), a whole year (or this year so far) from the album
years, any other period from the album months of the whole months it covers and the plays of the
days of the months it cuts (counted from its days inside the period, or the month taken whole
less its days outside: whichever reads fewer plays). The period's plays, its album plays and
every figure of the collection are exact.

Tags, labels, genres over the years and release eras count the ALBUMS most played albums of the
period (all of them when there are no more: every library the tests build). Past them, the other
albums' plays are left out of those views and of their shares, which are then of the plays counted
(those of the ALBUMS albums and the plays without an album); the page says so, with the share of
the period's album plays counted (at 1 M plays over 20,000 albums of flat taste: about a third of
all time, most of a month). "Played most, not owned" is read from those albums too (exact while
they hold LIMIT albums not owned). Why: an album's tags are its TOP_TAGS heaviest of three
sources, which SQL cannot rank for 20,000 albums (50,000 album tags) in the time a page has, and
the per-album work of every album of a long period would be proportional to the catalog.

How a play is attributed (plays without an album have no tag, label or year: they count in the
period's total only):

- tags: each play of an album counts once for each of its TOP_TAGS heaviest tags (weights of all
  sources, the highest per tag): the album's own tags, else those of its collection editions
  (releases whose listened_album it is), else its primary artist's. A play can so count for up to
  three tags, and the tags' shares of the period's plays can add up to more than 100 %.
- labels: the album's label, else its editions' label, else its primary artist's principal label.
- release era: the decade of the album's year, else of its editions' earliest year, else "Unknown".
- owned: a record is owned while it has a present copy (CollectionItem without removed_at); its
  plays are its own plus its listened album's, as Album.play_count counts them.

Measured at 1,000,000 plays (15 years, 20,000 albums, 2,000 copies; SQLite, pages cache cleared,
/tmp/prof/pageq.py; a shared 2-CPU machine, load 2-4, so runs vary from the best to twice it),
before → after, typical (best) total and SQL: 30 days 309 ms (SQL 30) → ~115 ms (84; SQL ~15);
the year 2025 1,139 ms (SQL 239) → ~100 ms (74; SQL ~9); all time 5,964 ms (SQL 3,063) → ~100 ms
(76; SQL ~8). An empty period (the collection's views only) takes ~45 ms. Not yet the 50 ms aimed
at: what is left is Python, the collection's 2,000 copies and their plays (~10-15 ms), the ALBUMS
albums' tags (~13 ms) and, for all time, their years (~8-15 ms), the plays before and after the
last additions (~7 ms), some 18 queries the ORM builds (~0.5 ms each) and the template (~10 ms).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from catalog.models import Album, AlbumTag, ArtistTag, CollectionItem
from tracker.models import AlbumMonth, AlbumTotal, AlbumYear, ArtistTotal, ArtistYear, DayHour, Scrobble
from tracker.selectors.periods import Period
from tracker.selectors.stats import local_midnight, next_month, period_plays, plays_between

TOP_TAGS = 3  # tags a play of an album counts for
YEAR_TAGS = 8  # tags drawn in "genres over the years"; the rest are "Other tags"
LIMIT = 20  # rows of each ranking and list
ALBUMS = 500  # the most played albums of a period whose tags, labels, years and eras are counted
UNKNOWN = "Unknown"
OTHER_TAGS = "Other tags"
TABLES = ("tags", "labels", "years", "eras", "never_played", "owned_top", "buy", "added")


@dataclass(frozen=True)
class Cell:
    """One table cell: its text (what the CSV holds) and, optionally, where it links."""

    text: str
    album_id: int | None = None
    url: str = ""  # an outside page (Discogs)
    numeric: bool = False


@dataclass
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)

    @property
    def heads(self) -> list[tuple[str, bool]]:
        """Each column's name and whether it holds numbers (to align its head with them)."""
        first = self.rows[0] if self.rows else ()
        return [(name, i < len(first) and first[i].numeric) for i, name in enumerate(self.columns)]

    def csv_rows(self) -> list[list[str]]:
        """The header and the rows, as the page's table shows them."""
        return [list(self.columns)] + [[cell.text for cell in row] for row in self.rows]


@dataclass(frozen=True)
class Bar:
    """A ranked name with its plays, its share of the whole (%) and its length against the first (0-100)."""

    label: str
    plays: int
    share: float
    width: float


@dataclass(frozen=True)
class Segment:
    name: str
    color: int  # 1-8 for the top tags, 9 for the others
    plays: int
    share: float  # % of the year's tag plays
    start: float  # % of the column above this segment


@dataclass(frozen=True)
class YearStack:
    year: int
    plays: int  # tag plays of the year (a play counts for each of its tags)
    segments: list[Segment]


@dataclass
class Owned:
    """The collection against the period's listening."""

    records: int  # owned records (albums with a present copy)
    played_in_period: int  # owned records with a play in the period
    never_played: int  # owned records without any play, ever
    owned_plays: int  # plays of the period on owned records and their listened albums
    share: float  # owned_plays, % of the period's plays


@dataclass
class ShelfView:
    period: Period
    plays: int  # every play of the period
    album_plays: int  # those with an album
    tags: list[Bar]
    untagged_plays: int
    labels: list[Bar]
    unlabelled_plays: int
    years: list[YearStack]
    year_tags: list[str]
    eras: list[dict]  # bar_chart bars: label, value, tick
    owned: Owned | None  # None: no collection
    tables: dict[str, Table]
    counted_albums: int | None = None  # ALBUMS when the period has more albums than that; None: all counted
    counted_plays: int = 0  # album plays of the albums counted
    counted_share: float = 0.0  # counted_plays, % of album_plays

    @property
    def uncounted_plays(self) -> int:
        """Plays of the albums past the ALBUMS most played, left out of tags, labels, years and eras."""
        return self.album_plays - self.counted_plays


def shelf_view(*, period: Period) -> ShelfView:
    """Every view of the "Shelf & sound" page for `period`, in a fixed number of queries."""
    source = _PeriodPlays(period)
    total, album_plays = source.total(), source.album_total()
    top = source.top(ALBUMS + 1)
    complete = len(top) <= ALBUMS
    plays = Counter(dict(top[:ALBUMS]))
    counted = sum(plays.values())  # album plays of the albums counted (all of them when complete)
    base = total - (album_plays - counted)  # the plays tags and labels are shares of
    facts = _AlbumFacts(list(plays), source.ids(ALBUMS))
    tables: dict[str, Table] = {}

    tag_plays: Counter = Counter()
    tagged = 0
    for album_id, n in plays.items():
        tags = facts.tags(album_id)
        tag_plays.update({tag: n for tag in tags})
        tagged += n if tags else 0
    untagged = base - tagged  # plays without an album included
    tags = _bars(tag_plays, base)
    tables["tags"] = _ranking_table("Tag", tags)

    label_plays: Counter = Counter()
    for album_id, n in plays.items():
        label_plays[facts.label(album_id)] += n
    label_plays.pop(None, None)
    unlabelled = base - sum(label_plays.values())
    labels = _bars(label_plays, base)
    tables["labels"] = _ranking_table("Label", labels)

    year_tags = [bar.label for bar in tags[:YEAR_TAGS]]
    years = _year_stacks(source, plays, facts, year_tags)
    tables["years"] = Table(
        ("Year", *(f"{name} (%)" for name in year_tags), f"{OTHER_TAGS} (%)", "Tag plays"),
        [(Cell(str(stack.year)), *_year_cells(stack, year_tags), Cell(str(stack.plays), numeric=True))
         for stack in years],
    )

    eras = _eras(plays, facts)
    tables["eras"] = Table(("Decade", "Plays", "Share (%)"), [
        (Cell(bar["label"]), Cell(str(bar["value"]), numeric=True),
         Cell(_pct(bar["value"], counted), numeric=True)) for bar in eras])

    owned = _owned(source, top, facts, total, tables)
    return ShelfView(period=period, plays=total, album_plays=album_plays, tags=tags, untagged_plays=untagged,
                     labels=labels, unlabelled_plays=unlabelled, years=years, year_tags=year_tags, eras=eras,
                     owned=owned, tables=tables, counted_albums=None if complete else len(plays),
                     counted_plays=counted, counted_share=float(_pct(counted, album_plays)))


# --- plays per album of a period -------------------------------------------------------------
class _PeriodPlays:
    """Plays per album of a period, from the rollup that answers it with the fewest rows: all time
    from the album totals, a whole year (or this year so far) from the album years, in their
    (plays) index order, so its top albums are its first rows; any other period from the album
    months of the whole months it covers and the plays of the days it cuts (a month cut is counted
    from its days inside the period or taken whole less its days outside, whichever reads fewer)."""

    def __init__(self, period: Period):
        self.since, self.until = (None, None) if period.start is None else (period.start, period.end)
        self.year = None if self.since is None else _whole_year(self.since, self.until)
        self._by_year: dict[tuple[int, int], int] = {}
        self._plays: Counter = Counter()
        self._top: list[tuple[int, int]] = []
        if self.since is not None and self.year is None:
            self._by_year = _album_plays_by_year(self.since, self.until)
            for (album_id, _year), n in self._by_year.items():
                self._plays[album_id] += n

    def total(self) -> int:
        """Every play of the period (each play has an artist: all time is the artists' totals)."""
        if self.since is None:
            return ArtistTotal.objects.aggregate(n=Sum("plays"))["n"] or 0
        if self.year is not None:
            return ArtistYear.objects.filter(year=self.year).aggregate(n=Sum("plays"))["n"] or 0
        return period_plays(since=self.since, until=self.until)

    def album_total(self) -> int:
        """The period's plays of an album."""
        if self.since is None:
            return AlbumTotal.objects.aggregate(n=Sum("plays"))["n"] or 0
        if self.year is not None:
            return AlbumYear.objects.filter(year=self.year).aggregate(n=Sum("plays"))["n"] or 0
        return sum(self._plays.values())

    def top(self, limit: int) -> list[tuple[int, int]]:
        """The `limit` most played albums, (album_id, plays), most played first, then by id."""
        if self.since is None:
            ranked = AlbumTotal.objects.filter(plays__gt=0).order_by("-plays", "album_id")
        elif self.year is not None:
            ranked = AlbumYear.objects.filter(year=self.year, plays__gt=0).order_by("-plays", "album_id")
        else:
            self._top = sorted(((pk, n) for pk, n in self._plays.items() if n > 0),
                               key=lambda row: (-row[1], row[0]))[:limit]
            return self._top
        self._top = _rows(ranked.values_list("album_id", "plays")[:limit])
        return self._top

    def ids(self, count: int):
        """The first `count` albums of `top` written out for an `__in` lookup. Not the rollup's
        ranking as a subquery: PostgreSQL then guesses thousands of rows and scans the whole album
        years (15 ms at 1 M plays) where 500 index lookups take 2."""
        return _ids(pk for pk, _ in self._top[:count])

    def year_buckets(self, buckets: dict[int, list[str]]) -> dict[int, Counter]:
        """{year: {bucket: plays}}: each album of `buckets` adds its plays of each year of the
        period to each of its buckets (a tag or "Other tags"; an album can hold one twice). For all
        time, from the album years of those albums."""
        per_year: dict[int, Counter] = defaultdict(Counter)
        if self.since is not None:
            rows = self._by_year.items() if self.year is None else (((pk, self.year), n) for pk, n in self._top)
            for (album_id, year), n in rows:
                for bucket in buckets.get(album_id, ()):
                    per_year[year][bucket] += n
            return per_year
        # Summed by year and set of buckets first: one addition a row, a few hundred sets to spread.
        sets = {pk: tuple(tags) for pk, tags in buckets.items()}
        sums: Counter = Counter()
        rows = AlbumYear.objects.filter(album_id__in=self.ids(ALBUMS), plays__gt=0).order_by()
        for album_id, year, n in _rows(rows.values_list("album_id", "year", "plays")):
            if album_id in sets:
                sums[(year, sets[album_id])] += n
        for (year, tags), n in sums.items():
            for bucket in tags:
                per_year[year][bucket] += n
        return per_year

    def owned(self) -> list[tuple[int, int | None, int, int, int]]:
        """Each present copy: (album_id, listened_album_id, all-time plays of the album, of its
        listened album, plays of the album in the period). From the copies, a few primary-key
        lookups each: a few thousand copies, whatever the catalog."""
        present = CollectionItem.objects.present().order_by()
        total = AlbumTotal.objects.filter(plays__gt=0).values("plays")
        rows = present.annotate(
            own=Subquery(total.filter(album_id=OuterRef("album_id"))),
            listened=Subquery(total.filter(album_id=OuterRef("album__listened_album_id"))))
        fields = ["album_id", "album__listened_album_id", "own", "listened"]
        if self.year is not None:
            year = AlbumYear.objects.filter(year=self.year, plays__gt=0).values("plays")
            rows = rows.annotate(own_period=Subquery(year.filter(album_id=OuterRef("album_id"))),
                                 listened_period=Subquery(year.filter(album_id=OuterRef("album__listened_album_id"))))
            fields += ["own_period", "listened_period"]
        return _rows(rows.values_list(*fields))

    def plays_of_owned(self, copies: list[tuple]) -> dict[int, int]:
        """{album_id: plays in the period} of the owned albums and their listened albums."""
        if self.since is None:
            return {pk: n or 0 for row in copies for pk, n in ((row[0], row[2]), (row[1], row[3])) if pk}
        if self.year is not None:
            return {pk: n or 0 for row in copies for pk, n in ((row[0], row[4]), (row[1], row[5])) if pk}
        return self._plays


def _rows(qs) -> list[tuple]:
    """The rows of `qs`, a values_list of integers and texts, as the database cursor gives them:
    Django's per-row converters (a cast to int of every subquery or sum) cost more than the query
    itself on a few thousand rows. Not for dates: SQLite gives those as text."""
    sql, params = qs.query.get_compiler(qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ids(ids) -> RawSQL:
    """`ids` (integers) written into the SQL as a list for an `__in` lookup: a few hundred ids
    passed as parameters cost more to prepare, one by one, than the query takes to run. NULL when
    there are none (IN (NULL) matches nothing, and the query is still sent: a fixed number)."""
    return RawSQL(",".join(str(int(pk)) for pk in ids) or "NULL", ())


def _whole_year(since: date, until: date) -> int | None:
    """The year the period is, whole (a year, or this year so far: no plays after `until` in it)."""
    if (since.month, since.day) != (1, 1) or until.year != since.year:
        return None
    year_end = date(since.year, 12, 31)
    if until != year_end and DayHour.objects.filter(local_date__gt=until, local_date__lte=year_end).exists():
        return None
    return since.year


def _album_plays_by_year(since: date, until: date) -> dict[tuple[int, int], int]:
    """{(album_id, year): plays} of every album played in the local days `since` to `until`: each
    year it touches whole from the album years, else its whole months from the album months and
    the days of the months it cuts from the plays."""
    counts: Counter = Counter()
    for year in range(since.year, until.year + 1):
        first, last = max(since, date(year, 1, 1)), min(until, date(year, 12, 31))
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
            rows = _rows(AlbumYear.objects.filter(year=year, plays__gt=0).order_by().values_list("album_id", "plays"))
            counts.update({(pk, year): n for pk, n in rows})
            continue
        (start, end), added, taken = _month_cover(first, last)
        if start <= end:
            # Grouped on `album_id + 0`: the month index is walked, not the (album, month) key.
            rows = (AlbumMonth.objects.filter(month__gte=start, month__lte=end).order_by()
                    .annotate(key=F("album_id") + 0).values_list("key").annotate(n=Sum("plays")))
            rows = _rows(rows)
            counts.update({(pk, year): n for pk, n in rows})
        for ranges, sign in ((added, 1), (taken, -1)):
            for day_from, day_to in ranges:
                rows = (plays_between(since=day_from, until=day_to).filter(album_id__isnull=False).order_by()
                        .annotate(key=F("album_id") + 0).values_list("key").annotate(n=Count("*")))
                rows = _rows(rows)
                for pk, n in rows:
                    counts[(pk, year)] += sign * n
    return {key: n for key, n in counts.items() if n > 0}


def _month_cover(since: date, until: date) -> tuple[tuple[date, date], list[tuple[date, date]],
                                                     list[tuple[date, date]]]:
    """For the days `since` to `until` of one year: the first and last months read whole from the
    rollup (none when first > last), the day ranges `added` to them and those `taken` from them (a
    month cut is counted from its days inside, or whole less its days outside: the fewer days)."""
    first, last = since.replace(day=1), until.replace(day=1)
    added, taken = [], []
    if first == last:  # one month: its days, or the month less the days before and after them
        month_end = next_month(first) - timedelta(days=1)
        outside = (since - first).days + (month_end - until).days
        if (until - since).days + 1 <= outside:
            return (first, first - timedelta(days=1)), [(since, until)], []
        taken = [(a, b) for a, b in ((first, since - timedelta(days=1)), (until + timedelta(days=1), month_end))
                 if a <= b]
        return (first, last), [], taken
    if since.day > 1:
        month_end = next_month(since) - timedelta(days=1)
        if since.day - 1 <= (month_end - since).days + 1:
            taken.append((first, since - timedelta(days=1)))
        else:
            added.append((since, month_end))
            first = next_month(since)
    month_end = next_month(until) - timedelta(days=1)
    if until != month_end:
        if (month_end - until).days <= until.day:
            taken.append((until + timedelta(days=1), month_end))
        else:
            added.append((last, until))
            last = (last - timedelta(days=1)).replace(day=1)
    return (first, last), added, taken


# --- what the catalog knows of the albums counted -------------------------------------------
class _AlbumFacts:
    """Year, label and tags of the albums counted (at most ALBUMS), their editions', their
    artists': four queries, along primary keys and foreign-key indexes, whatever the catalog."""

    def __init__(self, album_ids: list[int], ids):
        self.albums = {row[0]: row for row in _rows(Album.objects.filter(pk__in=ids).order_by().values_list(
            "id", "artist_id", "year", "label__name", "artist__principal_label__name", "discogs_release_id"))}
        self.editions = defaultdict(list)
        listened = {}
        for row in (Album.objects.filter(listened_album_id__in=ids).order_by("pk")
                    .values_list("id", "listened_album_id", "year", "label__name", "discogs_release_id")):
            self.editions[row[1]].append(row)
            listened[row[0]] = row[1]
        album_tags, edition_tags, artist_tags = defaultdict(dict), defaultdict(dict), defaultdict(dict)
        # One list: `IN (a) OR IN (b)` takes no index on PostgreSQL, which then reads every album tag.
        tagged = AlbumTag.objects.filter(album_id__in=_ids([*self.albums, *listened])).order_by()
        for album_id, name, weight in _rows(tagged.values_list("album_id", "tag__name", "weight")):
            if album_id in self.albums:
                _keep_heaviest(album_tags[album_id], name, weight)
            if album_id in listened:
                _keep_heaviest(edition_tags[listened[album_id]], name, weight)
        artists = {row[1] for row in self.albums.values() if row[1] is not None}
        for artist_id, name, weight in _rows(ArtistTag.objects.filter(artist_id__in=_ids(artists)).order_by()
                                             .values_list("artist_id", "tag__name", "weight")):
            _keep_heaviest(artist_tags[artist_id], name, weight)
        self._album_tags, self._edition_tags, self._artist_tags = album_tags, edition_tags, artist_tags
        self._tags: dict[int, list[str]] = {}

    def tags(self, album_id: int) -> list[str]:
        if album_id not in self._tags:
            album = self.albums.get(album_id)
            weights = (self._album_tags.get(album_id) or self._edition_tags.get(album_id)
                       or (self._artist_tags.get(album[1]) if album else None) or {})
            self._tags[album_id] = [name for name, _ in sorted(weights.items(),
                                                               key=lambda tag: (-tag[1], tag[0]))[:TOP_TAGS]]
        return self._tags[album_id]

    def label(self, album_id: int) -> str | None:
        album = self.albums.get(album_id)
        edition_labels = [e[3] for e in self.editions.get(album_id, ()) if e[3]]
        return (album[3] if album else None) or (edition_labels[0] if edition_labels else None) or \
            (album[4] if album else None)

    def year(self, album_id: int) -> int | None:
        album = self.albums.get(album_id)
        edition_years = [e[2] for e in self.editions.get(album_id, ()) if e[2]]
        return (album[2] if album else None) or (min(edition_years) if edition_years else None)

    def release_id(self, album_id: int) -> int | None:
        album = self.albums.get(album_id)
        edition_ids = [e[4] for e in self.editions.get(album_id, ()) if e[4]]
        return (album[5] if album else None) or (edition_ids[0] if edition_ids else None)


def _keep_heaviest(weights: dict[str, int], name: str, weight: int) -> None:
    """One tag from several sources keeps its highest weight."""
    if weight > weights.get(name, -1):
        weights[name] = weight


# --- tags, labels, years, eras ------------------------------------------------------------------
def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}" if whole else "0.0"


def _bars(counts: Counter, total: int) -> list[Bar]:
    rows = sorted(((name, n) for name, n in counts.items() if n), key=lambda row: (-row[1], row[0]))[:LIMIT]
    top = rows[0][1] if rows else 0
    return [Bar(name, n, float(_pct(n, total)), round(100 * n / top, 1)) for name, n in rows]


def _ranking_table(first: str, bars: list[Bar]) -> Table:
    return Table((first, "Plays", "Share of plays (%)"), [
        (Cell(bar.label), Cell(str(bar.plays), numeric=True), Cell(f"{bar.share:.1f}", numeric=True))
        for bar in bars])


def _year_stacks(source: _PeriodPlays, plays: Counter, facts: _AlbumFacts, year_tags: list[str]) -> list[YearStack]:
    shown = set(year_tags)
    buckets = {pk: [tag if tag in shown else OTHER_TAGS for tag in facts.tags(pk)] for pk in plays}
    per_year = source.year_buckets({pk: tags for pk, tags in buckets.items() if tags})
    stacks = []
    for year in sorted(per_year):
        counts, start, segments = per_year[year], 0.0, []
        total = sum(counts.values())
        for color, name in enumerate([*year_tags, OTHER_TAGS], start=1):
            if counts[name]:
                share = 100 * counts[name] / total
                segments.append(Segment(name, 9 if name == OTHER_TAGS else color, counts[name], round(share, 1),
                                        round(start, 2)))
                start += share
        stacks.append(YearStack(year, total, segments))
    return stacks


def _year_cells(stack: YearStack, year_tags: list[str]) -> list[Cell]:
    by_name = {s.name: s for s in stack.segments}
    return [Cell(_pct(by_name[name].plays, stack.plays) if name in by_name else "0.0", numeric=True)
            for name in [*year_tags, OTHER_TAGS]]


def _eras(plays: Counter, facts: _AlbumFacts) -> list[dict]:
    decades: Counter = Counter()
    for album_id, n in plays.items():
        year = facts.year(album_id)
        decades[year // 10 * 10 if year else None] += n
    bars = [{"label": f"{decade}s", "value": decades[decade], "tick": f"{decade}s"}
            for decade in sorted(d for d in decades if d is not None)]
    if decades.get(None):
        bars.append({"label": UNKNOWN, "value": decades[None], "tick": "?"})
    return bars


# --- owned vs played ----------------------------------------------------------------------------
def discogs_url(*, artist: str, title: str, release_id: int | None) -> str:
    """The Discogs release page when its id is known, else a search for the artist and title."""
    if release_id:
        return f"https://www.discogs.com/release/{release_id}"
    return "https://www.discogs.com/search/?" + urlencode({"q": f"{artist} {title}".strip(), "type": "release"})


def _owned(source: _PeriodPlays, top: list[tuple[int, int]], facts: _AlbumFacts, total: int,
           tables: dict[str, Table]) -> Owned | None:
    present = CollectionItem.objects.present().order_by()
    copies = source.owned()
    owned: dict[int, int | None] = {}
    ever: dict[int, int] = {}  # all-time plays of each owned record, its listened album's included
    for album_id, listened_id, own, listened, *_ in copies:
        owned[album_id] = listened_id if listened_id != album_id else None
        ever[album_id] = (own or 0) + (listened or 0 if owned[album_id] else 0)
    # A record's date added is its first present copy's; the dates of the few records shown only.
    first_added = present.filter(date_added__isnull=False).values("album_id").annotate(first=Min("date_added"))
    recent = [(pk, when) for pk, when in first_added.order_by("-first", "-album_id").values_list("album_id", "first")
              [:LIMIT]]
    covered = set(owned) | {listened for listened in owned.values() if listened}
    plays = source.plays_of_owned(copies)

    record_plays = {pk: plays.get(pk, 0) + (plays.get(listened, 0) if listened else 0)
                    for pk, listened in owned.items()}
    owned_top = sorted(((pk, n) for pk, n in record_plays.items() if n), key=lambda r: (-r[1], r[0]))[:LIMIT]
    # The most played albums not owned: exact while the top holds LIMIT of them (or is every album).
    buy = [(pk, n) for pk, n in top[:ALBUMS] if pk not in covered][:LIMIT]
    added = dict(recent) | dict(first_added.filter(album_id__in=[pk for pk, _ in owned_top])
                                .values_list("album_id", "first"))
    never_ids = [pk for pk, n in ever.items() if not n]
    never = _never_played(never_ids)
    before_after = _plays_around(recent, owned, ever)
    shown = {pk for pk, _ in owned_top + buy + recent}
    albums = {pk: (title, artist or "", release_id) for pk, title, artist, release_id in
              Album.objects.filter(pk__in=shown).order_by().values_list("pk", "title", "artist__name",
                                                                         "discogs_release_id")}

    def title_cells(pk: int, title: str = "", artist: str = "") -> tuple[Cell, Cell]:
        if pk in albums:
            title, artist, _ = albums[pk]
        return Cell(title, album_id=pk), Cell(artist)

    def day(moment: datetime | None) -> str:
        return timezone.localtime(moment).date().isoformat() if moment else ""

    tables["never_played"] = Table(("Title", "Artist", "Added"), [
        (*title_cells(pk, title, artist or ""), Cell(day(first_added))) for pk, title, artist, first_added in never])
    tables["owned_top"] = Table(("Title", "Artist", "Plays", "Added"), [
        (*title_cells(pk), Cell(str(n), numeric=True), Cell(day(added.get(pk)))) for pk, n in owned_top])
    buy_rows = []
    for pk, n in buy:
        title, artist, _ = albums[pk]
        url = discogs_url(artist=artist, title=title, release_id=facts.release_id(pk))
        buy_rows.append((*title_cells(pk), Cell(str(n), numeric=True),
                         Cell("Release page" if "/release/" in url else "Search Discogs", url=url)))
    tables["buy"] = Table(("Title", "Artist", "Plays", "On Discogs"), buy_rows)
    tables["added"] = Table(("Title", "Artist", "Added", "Plays before", "Plays after"), [
        (*title_cells(pk), Cell(day(when)), Cell(str(before_after[pk][0]), numeric=True),
         Cell(str(before_after[pk][1]), numeric=True)) for pk, when in recent])
    if not owned:
        return None
    owned_plays = sum(plays.get(pk, 0) for pk in covered)
    return Owned(records=len(owned), played_in_period=sum(1 for n in record_plays.values() if n),
                 never_played=len(never_ids), owned_plays=owned_plays, share=float(_pct(owned_plays, total)))


def _never_played(ids: list[int]) -> list[tuple]:
    """The owned records `ids` (those without a play, neither of their own nor of their listened
    album's) waiting longest first (the first copy's date added): (id, title, artist, first added)."""
    return list(Album.objects.filter(pk__in=_ids(ids))
                .annotate(first_added=Min("copies__date_added", filter=Q(copies__removed_at__isnull=True)))
                .order_by(F("first_added").asc(nulls_last=True), "title", "pk")
                .values_list("pk", "title", "artist__name", "first_added")[:LIMIT])


def _plays_around(recent: list[tuple[int, datetime]], owned: dict[int, int | None],
                  ever: dict[int, int]) -> dict[int, tuple[int, int]]:
    """{album_id: (plays before, plays after)} its first copy was added, of all time (`ever`), the
    listened album's included: the months before from the rollup, the month it was added in from
    its plays."""
    if not recent:
        return {}
    groups = {pk: {pk} | ({owned[pk]} if owned.get(pk) else set()) for pk, _ in recent}
    ids = set().union(*groups.values())
    months = defaultdict(list)
    rows = AlbumMonth.objects.filter(album_id__in=_ids(ids), plays__gt=0).order_by()
    for album_id, month, n in _rows(rows.values_list("album_id", "month", "plays")):
        months[album_id].append((str(month), n))  # ISO text: SQLite's as it is, PostgreSQL's date written so
    # The month each record was added in, counted from its plays: only those with plays in it.
    window = Q(pk__in=_ids([]))  # none: the query is still sent (a fixed number)
    for pk, when in recent:
        first_day = timezone.localtime(when).date().replace(day=1)
        played = {a for a in groups[pk] if any(month == first_day.isoformat() for month, _ in months.get(a, ()))}
        if played:
            window |= Q(album_id__in=_ids(played), played_at__gte=local_midnight(first_day), played_at__lt=when)
    early = list(Scrobble.objects.filter(window).order_by().values_list("album_id", "played_at"))
    result = {}
    for pk, when in recent:
        first_day = timezone.localtime(when).date().replace(day=1)
        start, first_text = local_midnight(first_day), first_day.isoformat()
        before = 0
        for album_id in groups[pk]:
            before += sum(n for month, n in months.get(album_id, ()) if month < first_text)
            before += sum(1 for a, at in early if a == album_id and start <= at < when)
        result[pk] = (before, ever.get(pk, 0) - before)
    return result
