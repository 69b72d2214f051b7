"""Shelf & sound: what a period's listening is made of (tags, labels, years, release eras) and how
it meets the record collection (owned but never played, owned and played, played but not owned).

Plays per album come from the album-month rollup for the whole months a period covers, and from
the plays themselves (a played_at range, indexed) for the days of a month it cuts, so a year of a
million plays reads a few thousand rollup rows and at most two months of plays.

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
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from catalog.models import Album, AlbumTag, ArtistTag, CollectionItem
from tracker.models import AlbumMonth, AlbumTotal, Scrobble
from tracker.selectors.periods import Period
from tracker.selectors.stats import local_midnight, period_plays, plays_between

TOP_TAGS = 3  # tags a play of an album counts for
YEAR_TAGS = 8  # tags drawn in "genres over the years"; the rest are "Other tags"
LIMIT = 20  # rows of each ranking and list
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


def shelf_view(*, period: Period) -> ShelfView:
    """Every view of the "Shelf & sound" page for `period`, in a fixed number of queries."""
    by_year = _album_plays_by_year(period.start, period.end)
    plays: Counter = Counter()
    for (album_id, _year), n in by_year.items():
        plays[album_id] += n
    total = period_plays(since=period.start, until=period.end)
    facts = _AlbumFacts(period)
    tables: dict[str, Table] = {}

    tag_plays: Counter = Counter()
    tagged = 0
    for album_id, n in plays.items():
        tags = facts.tags(album_id)
        tag_plays.update({tag: n for tag in tags})
        tagged += n if tags else 0
    untagged = total - tagged  # plays without an album included
    tags = _bars(tag_plays, total)
    tables["tags"] = _ranking_table("Tag", tags)

    label_plays: Counter = Counter()
    for album_id, n in plays.items():
        label_plays[facts.label(album_id)] += n
    label_plays.pop(None, None)
    unlabelled = total - sum(label_plays.values())
    labels = _bars(label_plays, total)
    tables["labels"] = _ranking_table("Label", labels)

    year_tags = [bar.label for bar in tags[:YEAR_TAGS]]
    years = _year_stacks(by_year, facts, year_tags)
    tables["years"] = Table(
        ("Year", *(f"{name} (%)" for name in year_tags), f"{OTHER_TAGS} (%)", "Tag plays"),
        [(Cell(str(stack.year)), *_year_cells(stack, year_tags), Cell(str(stack.plays), numeric=True))
         for stack in years],
    )

    eras = _eras(plays, facts)
    album_plays = sum(plays.values())
    tables["eras"] = Table(("Decade", "Plays", "Share (%)"), [
        (Cell(bar["label"]), Cell(str(bar["value"]), numeric=True),
         Cell(_pct(bar["value"], album_plays), numeric=True)) for bar in eras])

    owned = _owned(plays, total, facts, tables)
    return ShelfView(period=period, plays=total, album_plays=album_plays, tags=tags, untagged_plays=untagged,
                     labels=labels, unlabelled_plays=unlabelled, years=years, year_tags=year_tags, eras=eras,
                     owned=owned, tables=tables)


# --- plays per album of a period -------------------------------------------------------------
def _album_plays_by_year(since: date | None, until: date) -> dict[tuple[int, int], int]:
    """{(album_id, year): plays} of the local days `since` (None: the first play) to `until`."""
    (first, last), edges = _month_cover(since, until)
    counts: Counter = Counter()
    if first is None or first <= last:
        months = AlbumMonth.objects.order_by().filter(month__lte=last)
        months = months.filter(month__gte=first) if first else months
        rows = months.annotate(year=ExtractYear("month")).values_list("album_id", "year").annotate(n=Sum("plays"))
        for album_id, year, n in rows:
            counts[(album_id, int(year))] += n
    for start, end in edges:
        rows = (plays_between(since=start, until=end).filter(album_id__isnull=False).order_by()
                .values_list("album_id").annotate(n=Count("*")))
        for album_id, n in rows:
            counts[(album_id, start.year)] += n
    return {key: n for key, n in counts.items() if n}


def _month_cover(since: date | None, until: date) -> tuple[tuple[date | None, date], list[tuple[date, date]]]:
    """The first and last months read whole from the rollup (first None: open; empty when first >
    last) and the day ranges of the months the period cuts, each inside one month."""
    first, edges = None, []
    if since:
        first = since.replace(day=1)
        if since.day > 1:
            edges.append((since, min(until, _next_month(since) - timedelta(days=1))))
            first = _next_month(since)
    last = until.replace(day=1)
    if _next_month(until) - timedelta(days=1) != until and (first is None or last >= first):
        edges.append((last, until))
        last = (last - timedelta(days=1)).replace(day=1)
    return (first, last), edges


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# --- what the catalog knows of the albums played --------------------------------------------
class _AlbumFacts:
    """Year, label and tags of the albums played in a period's months, their editions', their
    artists': four queries, whatever the number of albums (the albums are a subquery)."""

    def __init__(self, period: Period):
        months = AlbumMonth.objects.order_by().filter(month__lte=period.end.replace(day=1))
        if period.start:
            months = months.filter(month__gte=period.start.replace(day=1))
        played = months.values("album_id")
        self.albums = {row["id"]: row for row in Album.objects.filter(pk__in=played).order_by().values(
            "id", "title", "artist_id", "artist__name", "year", "label__name", "artist__principal_label__name",
            "discogs_release_id", "listened_album_id")}
        self.editions = defaultdict(list)
        for row in (Album.objects.filter(listened_album_id__in=played).order_by("pk")
                    .values("id", "listened_album_id", "year", "label__name", "discogs_release_id")):
            self.editions[row["listened_album_id"]].append(row)
        album_tags, edition_tags, artist_tags = defaultdict(dict), defaultdict(dict), defaultdict(dict)
        for album_id, listened_id, name, weight in (
                AlbumTag.objects.filter(Q(album_id__in=played) | Q(album__listened_album_id__in=played))
                .order_by().values_list("album_id", "album__listened_album_id", "tag__name", "weight")):
            _keep_heaviest(album_tags[album_id], name, weight)
            if listened_id:
                _keep_heaviest(edition_tags[listened_id], name, weight)
        artists = Album.objects.filter(pk__in=played, artist_id__isnull=False).values("artist_id")
        for artist_id, name, weight in (ArtistTag.objects.filter(artist_id__in=artists).order_by()
                                        .values_list("artist_id", "tag__name", "weight")):
            _keep_heaviest(artist_tags[artist_id], name, weight)
        self._album_tags, self._edition_tags, self._artist_tags = album_tags, edition_tags, artist_tags

    def tags(self, album_id: int) -> list[str]:
        album = self.albums.get(album_id, {})
        weights = (self._album_tags.get(album_id) or self._edition_tags.get(album_id)
                   or self._artist_tags.get(album.get("artist_id")) or {})
        return [name for name, _ in sorted(weights.items(), key=lambda tag: (-tag[1], tag[0]))[:TOP_TAGS]]

    def label(self, album_id: int) -> str | None:
        album = self.albums.get(album_id, {})
        edition_labels = [e["label__name"] for e in self.editions.get(album_id, ()) if e["label__name"]]
        return album.get("label__name") or (edition_labels[0] if edition_labels else None) or \
            album.get("artist__principal_label__name")

    def year(self, album_id: int) -> int | None:
        album = self.albums.get(album_id, {})
        edition_years = [e["year"] for e in self.editions.get(album_id, ()) if e["year"]]
        return album.get("year") or (min(edition_years) if edition_years else None)

    def release_id(self, album_id: int) -> int | None:
        album = self.albums.get(album_id, {})
        edition_ids = [e["discogs_release_id"] for e in self.editions.get(album_id, ()) if e["discogs_release_id"]]
        return album.get("discogs_release_id") or (edition_ids[0] if edition_ids else None)


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


def _year_stacks(by_year: dict[tuple[int, int], int], facts: _AlbumFacts, year_tags: list[str]) -> list[YearStack]:
    per_year: dict[int, Counter] = defaultdict(Counter)
    for (album_id, year), n in by_year.items():
        for tag in facts.tags(album_id):
            per_year[year][tag if tag in year_tags else OTHER_TAGS] += n
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


def _owned(plays: Counter, total: int, facts: _AlbumFacts, tables: dict[str, Table]) -> Owned | None:
    copies = list(CollectionItem.objects.present().order_by()
                  .values_list("album_id", "album__listened_album_id", "date_added"))
    owned: dict[int, int | None] = {}
    added: dict[int, datetime] = {}
    for album_id, listened_id, date_added in copies:
        owned[album_id] = listened_id if listened_id != album_id else None
        if date_added and (album_id not in added or date_added < added[album_id]):
            added[album_id] = date_added
    covered = set(owned) | {listened for listened in owned.values() if listened}

    record_plays = {pk: plays.get(pk, 0) + (plays.get(listened, 0) if listened else 0)
                    for pk, listened in owned.items()}
    owned_top = sorted(((pk, n) for pk, n in record_plays.items() if n), key=lambda r: (-r[1], r[0]))[:LIMIT]
    buy = sorted(((pk, n) for pk, n in plays.items() if pk not in covered),
                 key=lambda r: (-r[1], r[0]))[:LIMIT]
    recent = sorted(added.items(), key=lambda item: (item[1], item[0]), reverse=True)[:LIMIT]
    never, never_count = _never_played()
    before_after = _plays_around(recent, owned)
    shown = {pk for pk, _ in owned_top + buy + recent}
    albums = Album.objects.select_related("artist").in_bulk(shown)

    def title_cells(album: Album) -> tuple[Cell, Cell]:
        return Cell(album.title, album_id=album.pk), Cell(album.artist.name if album.artist else "")

    def day(moment: datetime | None) -> str:
        return timezone.localtime(moment).date().isoformat() if moment else ""

    tables["never_played"] = Table(("Title", "Artist", "Added"), [
        (*title_cells(album), Cell(day(album.first_added))) for album in never])
    tables["owned_top"] = Table(("Title", "Artist", "Plays", "Added"), [
        (*title_cells(albums[pk]), Cell(str(n), numeric=True), Cell(day(added.get(pk)))) for pk, n in owned_top])
    buy_rows = []
    for pk, n in buy:
        album = albums[pk]
        artist = album.artist.name if album.artist else ""
        url = discogs_url(artist=artist, title=album.title, release_id=facts.release_id(pk))
        buy_rows.append((*title_cells(album), Cell(str(n), numeric=True),
                         Cell("Release page" if "/release/" in url else "Search Discogs", url=url)))
    tables["buy"] = Table(("Title", "Artist", "Plays", "On Discogs"), buy_rows)
    tables["added"] = Table(("Title", "Artist", "Added", "Plays before", "Plays after"), [
        (*title_cells(albums[pk]), Cell(day(when)), Cell(str(before_after[pk][0]), numeric=True),
         Cell(str(before_after[pk][1]), numeric=True)) for pk, when in recent])
    if not owned:
        return None
    owned_plays = sum(plays.get(pk, 0) for pk in covered)
    return Owned(records=len(owned), played_in_period=sum(1 for n in record_plays.values() if n),
                 never_played=never_count, owned_plays=owned_plays, share=float(_pct(owned_plays, total)))


def _never_played() -> tuple[list[Album], int]:
    """Owned records without a play, neither of their own nor of their listened album: those
    waiting longest first (the first copy's date added), and how many there are."""
    present = Q(copies__removed_at__isnull=True)
    played = AlbumTotal.objects.filter(plays__gt=0)
    qs = (Album.objects.filter(Exists(CollectionItem.objects.present().filter(album=OuterRef("pk"))))
          .exclude(Exists(played.filter(album_id=OuterRef("pk"))))
          .exclude(Exists(played.filter(album_id=OuterRef("listened_album_id")))))
    rows = list(qs.select_related("artist").annotate(first_added=Min("copies__date_added", filter=present))
                .order_by(F("first_added").asc(nulls_last=True), "title", "pk")[:LIMIT])
    return rows, (qs.count() if len(rows) == LIMIT else len(rows))


def _plays_around(recent: list[tuple[int, datetime]], owned: dict[int, int | None]) -> dict[int, tuple[int, int]]:
    """{album_id: (plays before, plays after)} its first copy was added, of all time, the listened
    album's included: whole months from the rollup, the month it was added in from its plays."""
    if not recent:
        return {}
    groups = {pk: {pk} | ({owned[pk]} if owned.get(pk) else set()) for pk, _ in recent}
    ids = set().union(*groups.values())
    months = defaultdict(list)
    for album_id, month, n in AlbumMonth.objects.filter(album_id__in=ids).values_list("album_id", "month", "plays"):
        months[album_id].append((month, n))
    window = Q()
    for pk, when in recent:
        start = local_midnight(timezone.localtime(when).date().replace(day=1))
        window |= Q(album_id__in=groups[pk], played_at__gte=start, played_at__lt=when)
    early = list(Scrobble.objects.filter(window).order_by().values_list("album_id", "played_at"))
    result = {}
    for pk, when in recent:
        first_day = timezone.localtime(when).date().replace(day=1)
        start = local_midnight(first_day)
        total = before = 0
        for album_id in groups[pk]:
            for month, n in months.get(album_id, ()):
                total += n
                before += n if month < first_day else 0
            before += sum(1 for a, at in early if a == album_id and start <= at < when)
        result[pk] = (before, total - before)
    return result
