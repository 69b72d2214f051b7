"""Rules: the tracks that meet every condition the user wrote (rule_parse reads the text), sorted
or drawn at random, each with the facts of its rules as its reason.

One query over Track, whatever the library's size: each condition is a filter on a subquery the
database can answer from an index or a small table (the rollup TrackTotal for plays and last play,
the present copies, the albums of a format, label or year, a tag's artists and albums, the loved
plays through the partial index scrobble_loved), and it stops at CANDIDATES rows, the first of
the sort or of a seeded shuffle. A track's record is its album and the collection releases whose
listened_album it is (a Discogs copy of a Spotify album): the track is owned when either has a
present copy, on vinyl or on a label when either is; its year is its album's, else an edition's.
"""

from __future__ import annotations

import calendar
import operator
import random
from collections import defaultdict
from datetime import date, datetime
from functools import reduce

from django import forms
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from catalog.models import Album, AlbumTag, ArtistTag, CollectionItem, Label, Tag, Track
from core.normalize import name_key
from playlists.generators.base import Candidate, Draft, Generator, GeneratorError, Params
from playlists.generators.rule_parse import (
    MAX_TEXT,
    AddedIn,
    AddedWithin,
    Condition,
    FormatIs,
    LabelIs,
    Loved,
    Owned,
    PlayCount,
    PlayedWithin,
    RuleError,
    Rules,
    Sort,
    TagIs,
    YearIn,
    Years,
    rules_parse,
)
from playlists.selectors.library import loved_track_ids
from tracker.models import Scrobble, TrackTotal
from tracker.selectors.stats import local_midnight

CANDIDATES = 2000
# A seeded shuffle the database computes: (id × a large odd number + salt) mod a prime.
SHUFFLE_MULTIPLIER, SHUFFLE_MODULUS = 2_654_435_761, 2_147_483_647
SUGGESTIONS = 3
RULES_HELP = ("One rule a line (or separated by ;), # for comments: owned, not owned, owned on vinyl, loved, "
              "format is vinyl, label is Warp, tag is trip hop, year 1990-1999, year before 1980, plays at least 10, "
              "never played, played in the last 30 days, not played in the last 3 years, added in the last 6 months, "
              "added before 2020, sort by plays | last played | added | year | random (asc or desc), limit 50.")


class RulesField(forms.CharField):
    """The rules as text; the API may also send them as a list of lines."""

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            value = "\n".join(str(line) for line in value)
        return super().to_python(value)


class RulesParams(Params):
    rules = RulesField(max_length=MAX_TEXT, help_text=RULES_HELP,
                       widget=forms.Textarea(attrs={"rows": 6, "placeholder": "owned\nformat is vinyl\n"
                                                                               "not played in the last 3 years"}),
                       error_messages={"required": "write at least one rule, e.g. owned; not played for 3 years"})

    def clean_rules(self):
        text = self.cleaned_data["rules"]
        try:
            rules_parse(text)
        except RuleError as error:
            raise forms.ValidationError(str(error)) from None
        return text

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rules") and self.data.get(self.add_prefix("length")) in (None, ""):
            cleaned["length"] = rules_parse(cleaned["rules"]).limit or cleaned["length"]  # "limit 50": 50 tracks
        return cleaned


class RulesGenerator(Generator):
    name = "rules"
    label = "Rules"
    description = ("The tracks that meet every rule you write: owned, on vinyl, on a label, a tag, a year, "
                   "how often and how lately played, loved, when added; sorted, or drawn at random.")
    Params = RulesParams

    def draft(self, params: dict, rng: random.Random) -> Draft:
        try:
            rules = rules_parse(params["rules"])
        except RuleError as error:
            raise GeneratorError(f"rules: {error}") from None
        now = timezone.now()
        played = [c for c in rules.conditions if isinstance(c, (PlayCount, PlayedWithin))]
        others = [c for c in rules.conditions if not isinstance(c, (PlayCount, PlayedWithin))]
        filters = [_condition_filter(condition, rules, now) for condition in others]
        if played:
            filters.append(_plays_filter(played, now))
        tracks = Track.objects.filter(*filters)
        if rules.sort.key == "added":  # only an owned record has a date added
            tracks = tracks.filter(record_in(CollectionItem.objects.present()))
        tracks = _ordered(tracks, rules.sort, rng)
        rows = list(tracks.values_list("pk", "artist_id", "duration_ms", "album_id")[:rules.limit or CANDIDATES])
        if not rows:
            raise GeneratorError(_nothing_fits(rules, now))
        facts = _Facts(rows, rules)
        candidates = [Candidate(pk, artist_id, duration_ms, facts.reason(pk, artist_id, album_id))
                      for pk, artist_id, duration_ms, album_id in rows]
        name = str(rules) or ("Your library at random" if rules.sort.key == "random"
                              else f"Your library by {rules.sort.key.replace('_', ' ')}")
        return Draft(candidates, keep_order=rules.sort.key != "random", name=name[:1].upper() + name[1:200])


# --- the query ----------------------------------------------------------------------------------
def _condition_filter(condition: Condition, rules: Rules, now: datetime) -> Q:
    present = CollectionItem.objects.present()
    match condition:
        case Owned():
            formats = condition.formats or (None if condition.negated else _formats_asked(rules))
            found = record_in(present if formats is None else present.filter(album__format__in=formats))
        case Loved():
            found = Q(pk__in=Scrobble.objects.filter(loved=True).values("track_id"))
        case FormatIs():
            found = _record_of(Album.objects.filter(format__in=condition.formats))
        case LabelIs():
            found = _record_of(Album.objects.filter(label_id__in=_label_ids(condition)))
        case TagIs():
            tag_ids = _tag_ids(condition)
            found = (Q(artist_id__in=ArtistTag.objects.filter(tag_id__in=tag_ids).values("artist_id"))
                     | _record_of(Album.objects.filter(tag_links__tag_id__in=tag_ids)))
        case YearIn():
            in_years = _year_lookups(condition.years)
            editions = Album.objects.filter(listened_album__isnull=False, listened_album__year__isnull=True)
            found = (Q(album_id__in=Album.objects.filter(**in_years).values("pk"))
                     | Q(album_id__in=editions.filter(**in_years).values("listened_album_id")))
        case PlayCount() | PlayedWithin():
            return _plays_filter([condition], now)
        case AddedWithin():
            found = record_in(present.filter(date_added__gte=condition.span.start(now)))
        case AddedIn():
            found = record_in(present.filter(**_added_lookups(condition.years)))
    return ~found if getattr(condition, "negated", False) else found


def _plays_filter(conditions: list[PlayCount | PlayedWithin], now: datetime) -> Q:
    """The play counts and last plays asked, as one subquery of the rollup TrackTotal."""
    totals = TrackTotal.objects.filter(plays__gt=0)
    if any(c.least > 0 if isinstance(c, PlayCount) else not c.negated for c in conditions):
        for c in conditions:  # a play is needed: every condition is a test of the track's total
            if isinstance(c, PlayedWithin):
                since = c.span.start(now)
                totals = totals.filter(last_played_at__lt=since) if c.negated else totals.filter(
                    last_played_at__gte=since)
            else:
                totals = totals.filter(plays__gte=c.least)
                if c.most is not None:
                    totals = totals.filter(plays__lte=c.most)
        return Q(pk__in=totals.values("track_id"))
    # Only "at most" and "not played in the last": a track without plays fits; one with, unless any fails.
    failing = reduce(operator.or_, (Q(plays__gt=c.most) if isinstance(c, PlayCount)
                                    else Q(last_played_at__gte=c.span.start(now)) for c in conditions))
    return ~Q(pk__in=totals.filter(failing).values("track_id"))


def record_in(copies: QuerySet) -> Q:
    """Tracks whose record has one of `copies`: the copy's album, or the album it is an edition of."""
    return (Q(album_id__in=copies.values("album_id"))
            | Q(album_id__in=copies.filter(album__listened_album__isnull=False).values("album__listened_album_id")))


def _record_of(albums: QuerySet) -> Q:
    """Tracks whose album is one of `albums`, or is listened as one of them."""
    return (Q(album_id__in=albums.values("pk"))
            | Q(album_id__in=albums.filter(listened_album__isnull=False).values("listened_album_id")))


def _formats_asked(rules: Rules) -> tuple[str, ...] | None:
    """The formats every "format is" rule allows (none: they contradict), or None without such a
    rule: "owned; format is vinyl" means owned on vinyl, not owned on CD with a vinyl edition."""
    asked = [c.formats for c in rules.conditions if isinstance(c, FormatIs) and not c.negated]
    if not asked:
        return None
    return tuple(f for f in asked[0] if all(f in formats for formats in asked[1:]))


def _label_ids(condition: LabelIs) -> list[int]:
    ids = list(Label.objects.filter(name_key__in=condition.keys).values_list("pk", flat=True))
    if not ids:
        raise GeneratorError(_unknown(condition.line, "label", condition.names, Label.objects))
    return ids


def _tag_ids(condition: TagIs) -> list[int]:
    ids = list(Tag.objects.filter(name_key__in=condition.keys).values_list("pk", flat=True))
    if not ids:
        raise GeneratorError(_unknown(condition.line, "tag", condition.names, Tag.objects))
    return ids


def _unknown(line: int, what: str, names: tuple[str, ...], objects) -> str:
    """No such label or tag, with the few names that contain what was written."""
    contains = reduce(operator.or_, (Q(name_key__contains=name_key(name)) for name in names))
    close = list(objects.filter(contains).order_by("name").values_list("name", flat=True)[:SUGGESTIONS])
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"rules: line {line}: no {what} {' or '.join(f'“{name}”' for name in names)} in your library{hint}"


def _year_lookups(years: Years) -> dict:
    lookups = {}
    if years.first is not None:
        lookups["year__gte"] = years.first
    if years.last is not None:
        lookups["year__lte"] = years.last
    return lookups


def _added_lookups(years: Years) -> dict:
    lookups = {}
    if years.first is not None:
        lookups["date_added__gte"] = local_midnight(date(years.first, 1, 1))
    if years.last is not None:
        lookups["date_added__lt"] = local_midnight(date(years.last + 1, 1, 1))
    return lookups


def seeded_order(tracks: QuerySet, rng: random.Random) -> QuerySet:
    """`tracks` shuffled by the seed, in the database: the first N of it are a fair sample of them all."""
    salt = rng.randrange(SHUFFLE_MODULUS)
    shuffle = (F("id") * Value(SHUFFLE_MULTIPLIER) + Value(salt)) % Value(SHUFFLE_MODULUS)
    return tracks.annotate(shuffle=shuffle).order_by("shuffle", "pk")


def _ordered(tracks: QuerySet, sort: Sort, rng: random.Random) -> QuerySet:
    if sort.key == "random":
        return seeded_order(tracks, rng)
    total = TrackTotal.objects.filter(track_id=OuterRef("pk"))
    dated = CollectionItem.objects.present().filter(date_added__isnull=False).order_by("date_added")
    own_added = Subquery(dated.filter(album_id=OuterRef("album_id")).values("date_added")[:1])
    edition_added = Subquery(dated.filter(album__listened_album_id=OuterRef("album_id")).values("date_added")[:1])
    value = {
        "plays": Coalesce(Subquery(total.values("plays")[:1]), 0),
        "last_played": Subquery(total.filter(plays__gt=0).values("last_played_at")[:1]),
        # The first copy's: LEAST is NULL in SQLite when either is, hence the fallbacks.
        "added": Coalesce(Least(own_added, edition_added), own_added, edition_added),
        "year": Coalesce(F("album__year"), Subquery(Album.objects.filter(
            listened_album_id=OuterRef("album_id"), year__isnull=False).order_by("year").values("year")[:1])),
    }[sort.key]
    if sort.descending:
        order = F("sort_value").desc(nulls_last=True)
    elif sort.key == "last_played":
        order = F("sort_value").asc(nulls_first=True)  # never played: the longest unplayed of all
    else:
        order = F("sort_value").asc(nulls_last=True)
    return tracks.annotate(sort_value=value).order_by(order, "pk")


def _nothing_fits(rules: Rules, now: datetime) -> str:
    """Why no track fits: the first rule that matches no track alone, else the combination."""
    if not rules.conditions:
        return "Your library has no tracks yet: bring in your plays or sync your collection first."
    for condition in rules.conditions:
        alone = Rules((condition,))
        if not Track.objects.filter(_condition_filter(condition, alone, now)).exists():
            return f"No track of your library fits line {condition.line} ({condition}): loosen or remove it."
    return f"No track of your library fits all these rules at once ({rules}): loosen one of them."


# --- the reasons --------------------------------------------------------------------------------
class _Facts:
    """What the rules speak of, for the tracks chosen: a few queries over their ids."""

    def __init__(self, rows: list[tuple], rules: Rules):
        self.zone = timezone.get_current_timezone()
        kinds = {type(c) for c in rules.conditions}
        self.rules, self.kinds, self.sort = rules, kinds, rules.sort.key
        track_ids = [row[0] for row in rows]
        album_ids = {row[3] for row in rows if row[3] is not None}
        self.totals = {pk: (plays, last) for pk, plays, last in TrackTotal.objects.filter(
            track_id__in=track_ids).values_list("track_id", "plays", "last_played_at")}
        self.loved = loved_track_ids(among=track_ids) if Loved in kinds else set()
        editions = Album.objects.filter(listened_album_id__in=album_ids)
        self.albums: dict[int, list[tuple]] = defaultdict(list)  # record → (format, year, label) of it and editions
        for album_id, fmt, year, label in Album.objects.filter(pk__in=album_ids).values_list(
                "pk", "format", "year", "label__name"):
            self.albums[album_id].append((fmt, year, label))
        for record_id, fmt, year, label in editions.values_list("listened_album_id", "format", "year", "label__name"):
            self.albums[record_id].append((fmt, year, label))
        self.copies: dict[int, list[tuple]] = defaultdict(list)  # record → (format, date added) of present copies
        copies = CollectionItem.objects.present().filter(Q(album_id__in=album_ids) | Q(album__in=editions))
        for album_id, listened_id, fmt, added in copies.order_by("date_added", "pk").values_list(
                "album_id", "album__listened_album_id", "album__format", "date_added"):
            self.copies[album_id if album_id in album_ids else listened_id].append((fmt, added))
        self.labels_asked = {key for c in rules.conditions if isinstance(c, LabelIs) and not c.negated
                             for key in c.keys}
        self.tags = self._tags_asked(rows)

    def _tags_asked(self, rows: list[tuple]) -> dict[tuple[str, int], list[str]]:
        """("artist" or "album", id) → names of the asked tags it carries."""
        keys = {key for c in self.rules.conditions if isinstance(c, TagIs) and not c.negated for key in c.keys}
        if not keys:
            return {}
        tags: dict[tuple[str, int], list[str]] = defaultdict(list)
        artists = {row[1] for row in rows}
        for artist_id, name in ArtistTag.objects.filter(artist_id__in=artists, tag__name_key__in=keys).order_by(
                "tag__name").values_list("artist_id", "tag__name").distinct():
            tags[("artist", artist_id)].append(name)
        albums = {row[3] for row in rows if row[3] is not None}
        for album_id, listened_id, name in AlbumTag.objects.filter(
                Q(album_id__in=albums) | Q(album__listened_album_id__in=albums), tag__name_key__in=keys).order_by(
                "tag__name").values_list("album_id", "album__listened_album_id", "tag__name").distinct():
            tags[("album", listened_id if listened_id in albums else album_id)].append(name)
        return tags

    def _month(self, moment: datetime) -> str:
        """"March 2019" in TIME_ZONE (rediscover.month_text without dateformat: 2,000 reasons a draw)."""
        local = moment.astimezone(self.zone)
        return f"{calendar.month_name[local.month]} {local.year}"

    def reason(self, track_id: int, artist_id: int, album_id: int | None) -> str:
        kinds, sort = self.kinds, self.sort
        parts: list[str] = []
        copies = self.copies.get(album_id, [])
        owned = next((c for c in self.rules.conditions if isinstance(c, Owned)), None)
        if owned is not None and owned.negated:
            parts.append("Not owned")
        elif copies and (owned is not None or kinds & {FormatIs, AddedIn, AddedWithin} or sort == "added"):
            formats = list(dict.fromkeys(fmt for fmt, _ in copies if fmt))
            parts.append(f"Owned on {' & '.join(formats)}" if formats else "Owned")
        if FormatIs in kinds and not (parts and parts[0].startswith("Owned on")):
            formats = list(dict.fromkeys(fmt for fmt, _, _ in self.albums.get(album_id, []) if fmt))
            if formats:
                parts.append(f"On {' & '.join(formats)}")
        if track_id in self.loved:
            parts.append("Loved")
        plays, last_played = self.totals.get(track_id, (0, None))
        if kinds & {PlayCount, PlayedWithin} or sort in ("plays", "last_played"):
            parts.append(f"{plays} play{'s' if plays != 1 else ''}")
        if last_played and plays and (PlayedWithin in kinds or sort == "last_played"):
            parts.append(f"last played {self._month(last_played)}")
        labels = [label for _, _, label in self.albums.get(album_id, [])
                  if label and (not self.labels_asked or name_key(label) in self.labels_asked)]
        if labels and LabelIs in kinds:
            parts.append(f"on {labels[0]}")
        tags = list(dict.fromkeys(self.tags.get(("album", album_id), []) + self.tags.get(("artist", artist_id), [])))
        if tags:
            parts.append(", ".join(tags))
        years = [year for _, year, _ in self.albums.get(album_id, []) if year]
        if years and (YearIn in kinds or sort == "year"):
            parts.append(str(years[0]))
        added = [moment for _, moment in copies if moment]
        if added and (kinds & {AddedIn, AddedWithin} or sort == "added"):
            parts.append(f"added {added[0].astimezone(self.zone).year if AddedIn in kinds else self._month(added[0])}")
        return " · ".join(parts) or "Fits your rules"


GENERATOR = RulesGenerator()
