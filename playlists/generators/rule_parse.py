"""The rules of a "rules" playlist, read from plain text into typed conditions (no database).

The create form's textarea, the command line (`--param rules="owned; format is vinyl"`) and the
API send the same text, so it is read here once: one rule a line (`;` also ends one), `#` starts
a comment, case and extra spaces do not matter. A rule that cannot be read is a one-line
RuleError naming its line. playlists/generators/rules.py turns the conditions into a query.

    owned | not owned | owned on vinyl            a present copy of the record or of an edition of it
    loved | not loved
    format is vinyl [or cd] | on vinyl | format is not cd
    label is Warp [or Ninja Tune] | label is not …
    tag is trip hop [or downtempo] | tag is not …   ("genre is", "style is" alike)
    year 1994 | year 1990-1999 | year 1990s | year before 1980 | year after 2010 | year since 2010
    plays at least 10 | plays at most 3 | plays more than 5 | plays fewer than 5 | never played
    played in the last 30 days | not played in the last 3 years | not played for 3 years
    added in the last 6 months | not added in the last year | added in 2021 | added before 2020
    sort by plays | last played | added | year | random   [asc | desc]
    limit 50

Periods count days, weeks, months or years ("30 days", "30d", "a year"). Sorting by plays, last
played or date added puts the most or latest first, by year the oldest first, unless asc or desc
says otherwise; without a sort the tracks are drawn at random (the seeded draw).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from catalog.models import Album
from core.normalize import name_key

MAX_TEXT = 5000
MAX_RULES = 50
LIMIT_MAX = 500
YEAR_MIN, YEAR_MAX = 1000, 2999
PLAYS_MAX = 1_000_000_000
MAX_DIGITS = 12  # longer numbers are refused before int() (which refuses 4,300 digits with a traceback)
UNIT_MAX = {"days": 36_500, "weeks": 5_200, "months": 1_200, "years": 100}
UNITS = {
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mos", "mon", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
}
FORMATS = {
    **{value.casefold(): value for value in Album.Format.values},
    **{label.casefold(): value for value, label in Album.Format.choices},
    "lp": Album.Format.VINYL, "lps": Album.Format.VINYL, "record": Album.Format.VINYL,
    "records": Album.Format.VINYL, "cds": Album.Format.CD, "tape": Album.Format.CASSETTE,
    "tapes": Album.Format.CASSETTE, "cassettes": Album.Format.CASSETTE, "file": Album.Format.FILE,
    "files": Album.Format.FILE, "digital": Album.Format.FILE, "box": Album.Format.BOX,
}
SORTS = {
    **dict.fromkeys(("plays", "play count", "most played"), "plays"),
    **dict.fromkeys(("last played", "last play", "recently played", "played"), "last_played"),
    **dict.fromkeys(("added", "date added", "recently added"), "added"),
    **dict.fromkeys(("year", "release year", "released"), "year"),
    **dict.fromkeys(("random", "shuffle", "chance"), "random"),
}
NEWEST_FIRST = {"plays": True, "last_played": True, "added": True, "year": False, "random": False}

EXAMPLES = ("owned, loved, format is vinyl, label is Warp, tag is trip hop, year 1990-1999, plays at least 10, "
            "never played, played in the last 30 days, not played for 3 years, added in the last 6 months, "
            "sort by plays, limit 50")
USAGE = {
    "owned": "owned, not owned or owned on vinyl",
    "loved": "loved or not loved",
    "format": f"format is vinyl ({', '.join(Album.Format.values)})",
    "label": "label is Warp, or label is not Warp",
    "tag": "tag is trip hop, or tag is not trip hop",
    "year": "year 1994, year 1990-1999, year 1990s, year before 1980 or year after 2010",
    "plays": "plays at least 10, plays at most 3, plays exactly 1 or never played",
    "played": "played in the last 30 days, not played in the last 3 years or played at least 10 times",
    "added": "added in the last 6 months, added in 2021, added 2019-2021 or added before 2020",
    "sort": "sort by plays, last played, added, year or random, then asc or desc",
    "limit": f"limit 50 (1 to {LIMIT_MAX})",
}
KEYWORDS = {  # a rule's first word (after not/never) → the usage shown when the rest cannot be read
    "owned": "owned", "unowned": "owned", "loved": "loved", "format": "format", "media": "format", "on": "format",
    "label": "label", "tag": "tag", "tagged": "tag", "genre": "tag", "style": "tag", "year": "year",
    "released": "year", "decade": "year", "plays": "plays", "play": "plays", "played": "played", "added": "added",
    "sort": "sort", "sorted": "sort", "order": "sort", "limit": "limit",
}


class RuleError(ValueError):
    """A rule that cannot be read: one line for the user, naming the line."""


@dataclass(frozen=True)
class Span:
    """A period back from now: `amount` days, weeks, months or years."""

    amount: int
    unit: str

    def start(self, now: datetime) -> datetime:
        """The moment the period began, months and years counted on the calendar."""
        if self.unit in ("days", "weeks"):
            return now - timedelta(days=self.amount * (7 if self.unit == "weeks" else 1))
        months = self.amount * (12 if self.unit == "years" else 1)
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        return now.replace(year=year, month=month + 1, day=min(now.day, calendar.monthrange(year, month + 1)[1]))

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}" if self.amount != 1 else self.unit[:-1]


@dataclass(frozen=True)
class Years:
    """Years from `first` to `last`, both included; None leaves that end open."""

    first: int | None
    last: int | None

    def __str__(self) -> str:
        if self.first == self.last:
            return str(self.first)
        if self.first is None:
            return f"before {self.last + 1}"
        if self.last is None:
            return f"since {self.first}"
        return f"{self.first}–{self.last}"


@dataclass(frozen=True)
class Owned:
    line: int
    negated: bool = False
    formats: tuple[str, ...] = ()  # "owned on vinyl": a present copy in one of these formats

    def __str__(self) -> str:
        on = f" on {' or '.join(self.formats)}" if self.formats else ""
        return f"{'not ' if self.negated else ''}owned{on}"


@dataclass(frozen=True)
class Loved:
    line: int
    negated: bool = False

    def __str__(self) -> str:
        return "not loved" if self.negated else "loved"


@dataclass(frozen=True)
class FormatIs:
    line: int
    formats: tuple[str, ...]
    negated: bool = False

    def __str__(self) -> str:
        return f"{'not ' if self.negated else ''}on {' or '.join(self.formats)}"


@dataclass(frozen=True)
class _Named:
    """A condition on one of some names (labels, tags), matched by their name keys."""

    line: int
    names: tuple[str, ...]
    negated: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(name_key(name) for name in self.names)


class LabelIs(_Named):
    def __str__(self) -> str:
        return f"{'not ' if self.negated else ''}on {' or '.join(self.names)}"


class TagIs(_Named):
    def __str__(self) -> str:
        return f"{'not ' if self.negated else ''}{' or '.join(self.names)}"


@dataclass(frozen=True)
class YearIn:
    line: int
    years: Years

    def __str__(self) -> str:
        return f"from {self.years}" if self.years.first == self.years.last else str(self.years)


@dataclass(frozen=True)
class PlayCount:
    line: int
    least: int = 0
    most: int | None = None

    def __str__(self) -> str:
        if self.most == 0:
            return "never played"
        if self.least == self.most:
            return f"{self.least} play{'s' if self.least != 1 else ''}"
        if self.most is None:
            return f"at least {self.least} plays"
        return f"at most {self.most} plays" if not self.least else f"{self.least}–{self.most} plays"


@dataclass(frozen=True)
class PlayedWithin:
    line: int
    span: Span
    negated: bool = False

    def __str__(self) -> str:
        return f"{'not ' if self.negated else ''}played in the last {self.span}"


@dataclass(frozen=True)
class AddedWithin:
    line: int
    span: Span
    negated: bool = False

    def __str__(self) -> str:
        return f"{'not ' if self.negated else ''}added in the last {self.span}"


@dataclass(frozen=True)
class AddedIn:
    line: int
    years: Years

    def __str__(self) -> str:
        return f"added {'in ' if self.years.first == self.years.last else ''}{self.years}"


Condition = Owned | Loved | FormatIs | LabelIs | TagIs | YearIn | PlayCount | PlayedWithin | AddedWithin | AddedIn


@dataclass(frozen=True)
class Sort:
    key: str = "random"  # plays, last_played, added, year or random
    descending: bool = False


@dataclass(frozen=True)
class Rules:
    conditions: tuple[Condition, ...]
    sort: Sort = Sort()
    limit: int | None = None

    def __str__(self) -> str:
        return ", ".join(str(condition) for condition in self.conditions)


@dataclass(frozen=True)
class _Limit:
    count: int


def rules_parse(text: str) -> Rules:
    """The rules written in `text`, or RuleError: "line 2: unknown condition …"."""
    text = text or ""
    if len(text) > MAX_TEXT:
        raise RuleError(f"the rules are {len(text):,} characters long; at most {MAX_TEXT:,}")
    parts = [part for line in text.splitlines() for part in line.split("#", 1)[0].split(";")]
    conditions: list[Condition] = []
    sort: Sort | None = None
    limit: int | None = None
    for number, part in enumerate(parts, start=1):
        rule = " ".join(part.split()).strip(" .,")
        if not rule:
            continue
        read = _read(rule, number)
        if isinstance(read, Sort):
            if sort is not None:
                raise RuleError(f"line {number}: a second sort; one is enough")
            sort = read
        elif isinstance(read, _Limit):
            if limit is not None:
                raise RuleError(f"line {number}: a second limit; one is enough")
            limit = read.count
        else:
            conditions.append(read)
            if len(conditions) > MAX_RULES:
                raise RuleError(f"line {number}: more than {MAX_RULES} conditions")
    if not conditions and sort is None and limit is None:
        raise RuleError(f"write at least one rule, one a line, e.g. owned; not played for 3 years (try: {EXAMPLES})")
    return Rules(tuple(conditions), sort or Sort(), limit)


# --- one rule -----------------------------------------------------------------------------------
_N = r"[-+]?\d+"
_NOT = r"(?P<negated>not\s+|never\s+)?"
_IS = r"(?:\s+(?P<op>is\s+not|isn't|is|not)\s+|\s*[:=]\s*|\s*!=\s*(?P<ne>)|\s+)"
_WITHIN = r"\s+(?:in\s+the\s+(?:last|past)|within(?:\s+the\s+(?:last|past))?)\s+"
_PLAYS_OP = (r"(?P<op>at\s+least|at\s+most|more\s+than|over|fewer\s+than|less\s+than|under|exactly|>=|<=|>|<|=|"
             r"min(?:imum)?|max(?:imum)?)")


def _owned(match: re.Match, line: int) -> Owned:
    formats = _formats(match["formats"], line) if match["formats"] else ()
    return Owned(line, negated=bool(match["negated"]), formats=formats)


def _format(match: re.Match, line: int) -> FormatIs:
    return FormatIs(line, _formats(match["values"], line), negated=_is_not(match))


def _label(match: re.Match, line: int) -> LabelIs:
    return LabelIs(line, _names(match["names"], line, "label"), negated=_is_not(match))


def _tag(match: re.Match, line: int) -> TagIs:
    return TagIs(line, _names(match["names"], line, "tag"), negated=_is_not(match))


def _year(match: re.Match, line: int) -> YearIn:
    return YearIn(line, _years(match["years"], line))


def _plays(match: re.Match, line: int) -> PlayCount:
    op = " ".join((match["op"] or "exactly").lower().split())
    n = _number(match["n"], line, "plays", 0, PLAYS_MAX)
    if op in ("at least", ">=", "min", "minimum"):
        return PlayCount(line, least=n)
    if op in ("more than", "over", ">"):
        return PlayCount(line, least=n + 1)
    if op in ("at most", "<=", "max", "maximum"):
        return PlayCount(line, most=n)
    if op in ("fewer than", "less than", "under", "<"):
        if n == 0:
            raise RuleError(f"line {line}: fewer than 0 plays: no track can have that; try never played")
        return PlayCount(line, most=n - 1)
    return PlayCount(line, least=n, most=n)


def _play_range(match: re.Match, line: int) -> PlayCount:
    least, most = sorted(_number(match[g], line, "plays", 0, PLAYS_MAX) for g in ("a", "b"))
    return PlayCount(line, least=least, most=most)


def _loved(match: re.Match, line: int) -> Loved:
    return Loved(line, negated=bool(match["negated"]))


def _never_played(match: re.Match, line: int) -> PlayCount:
    return PlayCount(line, most=0)


def _played_within(match: re.Match, line: int) -> PlayedWithin:
    if match["within"].strip().lower() == "for" and not match["negated"]:
        raise RuleError(f"line {line}: write played in the last {match['span']}, or not played for {match['span']}")
    return PlayedWithin(line, _span(match["span"], line), negated=bool(match["negated"]))


def _added_within(match: re.Match, line: int) -> AddedWithin:
    return AddedWithin(line, _span(match["span"], line), negated=bool(match["negated"]))


def _added_in(match: re.Match, line: int) -> AddedIn:
    return AddedIn(line, _years(match["years"], line))


def _sort(match: re.Match, line: int) -> Sort:
    key = SORTS.get(" ".join(match["key"].lower().split()))
    if key is None:
        raise RuleError(f"line {line}: cannot sort by {_quoted(match['key'])}; write {USAGE['sort']}")
    direction = (match["direction"] or "").lower()
    return Sort(key, descending=direction.startswith("desc") if direction else NEWEST_FIRST[key])


def _limit(match: re.Match, line: int) -> _Limit:
    return _Limit(_number(match["n"], line, "limit", 1, LIMIT_MAX))


_RULES = (  # (pattern, builder), tried in order; the first that matches the whole rule reads it
    (r"(?P<negated>not\s+)?(?:owned|in\s+(?:my|the)\s+collection|on\s+(?:my|the)\s+shelf)"
     r"(?:\s+(?:on|as)\s+(?P<formats>.+))?", _owned),
    (r"(?P<negated>not\s+)?loved", _loved),
    (r"never\s+played|unplayed|not\s+played|no\s+plays|0\s+plays", _never_played),
    (rf"(?:plays|play\s+count|played)\s+(?:between\s+)?(?P<a>{_N})\s*(?:-|–|to|and)\s*(?P<b>{_N})(?:\s+times)?",
     _play_range),
    (rf"(?:plays|play\s+count|played)(?:\s+{_PLAYS_OP})?\s*(?P<n>{_N})(?:\s+times?|\s+plays?)?", _plays),
    (rf"{_PLAYS_OP}\s+(?P<n>{_N})\s+plays?", _plays),
    (rf"{_NOT}(?:last\s+)?played(?P<within>{_WITHIN}|\s+for\s+)(?P<span>.+)", _played_within),
    (rf"{_NOT}added{_WITHIN}(?P<span>.+)", _added_within),
    (r"(?:date\s+)?added\s+(?:in\s+)?(?P<years>.+)", _added_in),
    (rf"(?:on\s+)?label{_IS}(?P<names>.+)", _label),
    (rf"(?:tag|tagged|genre|style){_IS}(?P<names>.+)", _tag),
    (rf"(?:format|media|medium){_IS}(?P<values>.+)", _format),
    (r"on\s+(?P<values>.+)", _format),
    (r"(?:release\s+year|year|released|decade)(?:\s+(?:is|in)\s+|\s*[:=]\s*|\s+)(?P<years>.+)", _year),
    (r"(?:sort(?:ed)?|order(?:ed)?)(?:\s+by)?\s+(?P<key>.+?)(?:\s+(?P<direction>asc(?:ending)?|desc(?:ending)?))?",
     _sort),
    (rf"limit(?:\s+to)?\s+(?P<n>{_N})(?:\s+tracks?)?", _limit),
)
_GRAMMAR = tuple((re.compile(pattern, re.IGNORECASE), build) for pattern, build in _RULES)


def _read(rule: str, line: int) -> Condition | Sort | _Limit:
    for pattern, build in _GRAMMAR:
        match = pattern.fullmatch(rule)
        if match:
            return build(match, line)
    words = rule.lower().split()
    first = words[1] if words[0] in ("not", "never") and len(words) > 1 else words[0]
    if first in KEYWORDS:
        raise RuleError(f"line {line}: cannot read {_quoted(rule)}; write {USAGE[KEYWORDS[first]]}")
    raise RuleError(f"line {line}: unknown condition {_quoted(rule)} (try: {EXAMPLES})")


# --- values -------------------------------------------------------------------------------------
def _is_not(match: re.Match) -> bool:
    groups = match.groupdict()  # "on vinyl" has no operator
    operator = " ".join((groups.get("op") or "").lower().split())
    return groups.get("ne") is not None or operator in ("is not", "isn't", "not")


def _formats(text: str, line: int) -> tuple[str, ...]:
    if _only_an_operator(text):
        raise RuleError(f"line {line}: name a format ({', '.join(Album.Format.values)})")
    formats = []
    for word in re.split(r"\s*(?:,|/|\bor\b|\band\b)\s*", text.strip(), flags=re.IGNORECASE):
        if not word:
            continue
        value = FORMATS.get(word.casefold())
        if value is None:
            raise RuleError(f"line {line}: unknown format {_quoted(word)} ({', '.join(Album.Format.values)})")
        if value not in formats:
            formats.append(value)
    if not formats:
        raise RuleError(f"line {line}: name a format ({', '.join(Album.Format.values)})")
    return tuple(formats)


def _names(text: str, line: int, what: str) -> tuple[str, ...]:
    names = [name.strip(" \"'“”‘’") for name in re.split(r"\s+or\s+", text, flags=re.IGNORECASE)]
    if _only_an_operator(text) or not all(name and name_key(name) for name in names):
        raise RuleError(f"line {line}: name the {what}, e.g. {USAGE[what].split(',')[0]}")
    return tuple(dict.fromkeys(names))


def _only_an_operator(text: str) -> bool:
    """ "label is" read as a label named "is" """
    return " ".join(text.lower().split()) in ("is", "is not", "isn't", "not")


def _number(text: str, line: int, what: str, low: int, high: int) -> int:
    digits = text.lstrip("+-")
    if len(digits) > MAX_DIGITS or not low <= int(text) <= high:
        shown = text if len(text) <= 20 else f"{text[:17]}…"
        raise RuleError(f"line {line}: {what} {shown} is out of range ({_count(low)} to {_count(high)})")
    return int(text)


def _count(n: int) -> str:
    return f"{n:,}" if n >= 10_000 else str(n)


_DECADE = re.compile(rf"(?P<decade>{_N})s")
_RANGE = re.compile(rf"(?:between\s+|from\s+)?(?P<a>{_N})\s*(?:-|–|—|to|and|\.\.)\s*(?P<b>{_N})", re.IGNORECASE)
_OPEN = re.compile(rf"(?P<op>before|after|since|from|until|till|through|up\s+to)\s+(?P<year>{_N})", re.IGNORECASE)


def _years(text: str, line: int) -> Years:
    """1994, 1990-1999, 1990s, before 1980 (to 1979), after 2010 (from 2011), since 2010, until 1979."""
    text = text.strip()
    if match := _RANGE.fullmatch(text):
        first, last = sorted((_year_number(match["a"], line), _year_number(match["b"], line)))
        return Years(first, last)
    if match := _DECADE.fullmatch(text):
        decade = _year_number(match["decade"], line)
        if decade % 10:
            raise RuleError(f"line {line}: {text} is not a decade; write e.g. 1990s")
        return Years(decade, decade + 9)
    if match := _OPEN.fullmatch(text):
        year, op = _year_number(match["year"], line), " ".join(match["op"].lower().split())
        if op == "before":
            return Years(None, year - 1)
        if op == "after":
            return Years(year + 1, None)
        return Years(year, None) if op in ("since", "from") else Years(None, year)
    if re.fullmatch(_N, text):
        year = _year_number(text, line)
        return Years(year, year)
    raise RuleError(f"line {line}: cannot read the years {_quoted(text)}; write 1994, 1990-1999, 1990s, "
                    "before 1980 or after 2010")


def _year_number(text: str, line: int) -> int:
    return _number(text, line, "year", YEAR_MIN, YEAR_MAX)


_SPAN = re.compile(rf"(?:(?P<amount>{_N}|an?|one)\s*)?(?P<unit>[a-z]+)", re.IGNORECASE)


def _span(text: str, line: int) -> Span:
    """"30 days", "30d", "6 months", "a year", "year"."""
    match = _SPAN.fullmatch(text.strip())
    if match is None:
        raise RuleError(f"line {line}: cannot read the period {_quoted(text)}; write e.g. 30 days, 6 months, 3 years")
    unit = UNITS.get(match["unit"].lower())
    if unit is None:
        raise RuleError(f"line {line}: unknown unit {_quoted(match['unit'])} (days, weeks, months or years)")
    amount = match["amount"] or "1"
    if amount.lower() in ("a", "an", "one"):
        return Span(1, unit)
    digits = amount.lstrip("+-")
    if len(digits) <= MAX_DIGITS and int(amount) < 1:
        raise RuleError(f"line {line}: a period of {amount} {unit} is empty; write at least 1 {unit[:-1]}")
    if len(digits) > MAX_DIGITS or int(amount) > UNIT_MAX[unit]:
        shown = amount if len(amount) <= 20 else f"{amount[:17]}…"
        raise RuleError(f"line {line}: a period of {shown} {unit} is too long "
                        f"(at most {_count(UNIT_MAX[unit])} {unit})")
    return Span(int(amount), unit)


def _quoted(text: str) -> str:
    return f'"{text if len(text) <= 60 else text[:57] + "…"}"'
