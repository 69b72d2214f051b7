"""What every generator shares: typed parameters, candidates with reasons, and one assembly.

A generator turns its parameters into candidates — tracks of the library, each with the
reason it qualifies and a weight — and `assemble` draws the playlist from them, the same way
for every algorithm: a seeded weighted draw (or the candidates' own order), at most
`max_per_artist` tracks per artist, never one artist twice in a row, until the target length
or duration is reached. Same seed and same library, same playlist.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from django import forms
from django.utils.html import format_html

DEFAULT_LENGTH = 30
AVERAGE_TRACK_MS = 210_000  # counted for a track without a duration when aiming at minutes
SEED_MAX = 2**31 - 1


class GeneratorError(Exception):
    """A one-line reason a playlist could not be drawn (nothing qualifies, a bad rule, no AI)."""


@dataclass(frozen=True)
class Candidate:
    track_id: int
    artist_id: int
    duration_ms: int | None
    reason: str
    weight: float = 1.0


@dataclass
class Draft:
    """A generator's answer: candidates, most wanted first, and what it wants stored with the playlist."""

    candidates: list[Candidate]
    keep_order: bool = False  # True: take the candidates in their order (a chart); False: a seeded draw
    name: str = ""  # the default name of the playlist
    prompt: str = ""
    model_used: str = ""
    details: dict = field(default_factory=dict)


class FlagInput(forms.CheckboxInput):
    """A checkbox that sends "no" when unticked (a hidden input before it): a missing value then
    means the flag's default, as on the command line and in the API."""

    def render(self, name, value, attrs=None, renderer=None):
        hidden = format_html('<input type="hidden" name="{}" value="no">', name)
        return hidden + super().render(name, value, attrs, renderer)

    def value_from_datadict(self, data, files, name):
        return data.get(name) if name in data else None  # QueryDict.get: the last, the ticked box's


class Flag(forms.BooleanField):
    """Yes or no, from a checkbox, `--param shuffle=no` or JSON `false` alike; missing: the default."""

    widget = FlagInput
    TRUE, FALSE = {"1", "true", "yes", "on", "y"}, {"0", "false", "no", "off", "n", ""}

    def __init__(self, *, default: bool = False, **kwargs):
        self.default = default
        super().__init__(required=False, initial=default, **kwargs)

    def to_python(self, value) -> bool:
        if value is None:
            return self.default
        if isinstance(value, str):
            word = value.strip().lower()
            if word in self.TRUE | self.FALSE:
                return word in self.TRUE
            raise forms.ValidationError("Enter yes or no.")
        return bool(value)


class Params(forms.Form):
    """The parameters every generator takes; each generator's form adds its own."""

    length = forms.IntegerField(min_value=1, max_value=500, initial=DEFAULT_LENGTH, required=False,
                                help_text="How many tracks.")
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, required=False,
                                 help_text="Or a target duration in minutes (wins over the length).")
    max_per_artist = forms.IntegerField(min_value=1, max_value=100, initial=3, required=False,
                                        help_text="At most this many tracks by one artist.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        common = list(Params.base_fields)
        self.order_fields([name for name in self.fields if name not in common] + common)  # its own first

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("length") is None:
            cleaned["length"] = DEFAULT_LENGTH
        if cleaned.get("max_per_artist") is None:
            cleaned["max_per_artist"] = 3
        return cleaned


class Generator:
    """One algorithm. Subclasses set the class attributes and implement `draft`."""

    name: ClassVar[str]  # the registry key, as typed on the command line
    label: ClassVar[str]  # as shown on the create form
    description: ClassVar[str]
    Params: ClassVar[type[Params]] = Params
    uses_ai: ClassVar[bool] = False

    def draft(self, params: dict, rng: random.Random) -> Draft:
        """Candidates for cleaned `params`; raise GeneratorError when none qualify."""
        raise NotImplementedError


def params_form(generator: Generator, data=None, *, prefix: str | None = None) -> Params:
    """The generator's parameter form, bound to `data` (a POST, or a dict of raw values) when given."""
    return generator.Params(data=data, prefix=prefix)


def params_clean(generator: Generator, raw: dict, *, strict: bool = True) -> dict:
    """Cleaned, JSON-ready parameters, or GeneratorError naming the first bad one. A form passes
    over names it does not know: `strict` refuses them instead, so a mistyped one is not lost."""
    unknown = sorted(set(raw) - set(generator.Params.base_fields))
    if strict and unknown:
        raise GeneratorError(f"{generator.name} takes no parameter {unknown[0]!r}; it takes: "
                             f"{', '.join(generator.Params.base_fields)}")
    form = params_form(generator, {key: value for key, value in raw.items() if value is not None})
    if not form.is_valid():
        field_name, messages = next(iter(form.errors.items()))
        where = "" if field_name == "__all__" else f"{field_name}: "
        raise GeneratorError(f"{where}{messages[0]}")
    return {key: _jsonable(value) for key, value in form.cleaned_data.items()}


def generator_parameters(generator: Generator) -> list[dict]:
    """Each parameter's name, type, whether required, default, help and accepted values: what the
    API's algorithm list and `generate_playlist --list` print."""
    return [{"name": name, "type": _parameter_type(field), "required": field.required, "default": field.initial,
             "help": str(field.help_text), "choices": _parameter_choices(field)}
            for name, field in generator.Params.base_fields.items()]


def _parameter_type(field: forms.Field) -> str:
    kinds = ((forms.BooleanField, "boolean"), (forms.IntegerField, "integer"), (forms.FloatField, "number"),
             (forms.DecimalField, "number"), (forms.DateField, "date"), (forms.MultipleChoiceField, "list"),
             (forms.ChoiceField, "choice"))
    return next((kind for cls, kind in kinds if isinstance(field, cls)), "string")


def _parameter_choices(field: forms.Field) -> list[str] | None:
    if not isinstance(field, forms.ChoiceField) or isinstance(field, forms.ModelChoiceField):
        return None  # a model choice's values are the library's rows: not a list to print
    values = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):  # a group of choices
            values.extend(inner for inner, _ in label)
        else:
            values.append(value)
    return [str(value) for value in values if value != ""]


def _jsonable(value):
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def assemble(draft: Draft, *, params: dict, rng: random.Random) -> list[Candidate]:
    """The playlist drawn from `draft` under the common constraints (see the module docstring)."""
    length, minutes = params.get("length") or DEFAULT_LENGTH, params.get("minutes")
    per_artist_max = params.get("max_per_artist") or 3
    pool = list(draft.candidates) if draft.keep_order else _weighted_order(draft.candidates, rng)
    picked: list[Candidate] = []
    seen_tracks: set[int] = set()
    per_artist: Counter[int] = Counter()
    total_ms = 0
    for candidate in pool:
        if total_ms >= minutes * 60_000 if minutes else len(picked) >= length:
            break
        if candidate.track_id in seen_tracks or per_artist[candidate.artist_id] >= per_artist_max:
            continue
        seen_tracks.add(candidate.track_id)
        per_artist[candidate.artist_id] += 1
        picked.append(candidate)
        total_ms += candidate.duration_ms or AVERAGE_TRACK_MS
    return _spaced(picked)


def _spaced(picked: list[Candidate]) -> list[Candidate]:
    """`picked` reordered so that no artist plays twice in a row, keeping the draw's order where it
    can: each place takes the earliest track that leaves the rest placeable. Tracks of an artist too
    many to separate (one artist alone, say) are left out rather than played back to back."""
    left = list(picked)
    counts = Counter(c.artist_id for c in left)
    placed: list[Candidate] = []
    while left:
        last = placed[-1].artist_id if placed else None
        options = [i for i, c in enumerate(left) if c.artist_id != last]
        if not options:
            break
        index = next((i for i in options if _placeable(counts, left[i].artist_id, len(left) - 1)), options[0])
        chosen = left.pop(index)
        counts[chosen.artist_id] -= 1
        placed.append(chosen)
    return placed


def _placeable(counts: Counter, after: int, remaining: int) -> bool:
    """Whether `remaining` tracks with these artist counts (one of `after` just placed) can follow
    without two of one artist in a row: each artist needs enough others to go between its tracks,
    and `after` may not go first."""
    for artist, count in counts.items():
        count -= artist == after
        if count > remaining - count + (artist != after):
            return False
    return True


def _weighted_order(candidates: list[Candidate], rng: random.Random) -> list[Candidate]:
    """A seeded draw without replacement, heavier candidates likelier first (Efraimidis–Spirakis keys)."""
    keyed = [(rng.random() ** (1.0 / max(c.weight, 1e-9)), c) for c in candidates]
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [c for _, c in keyed]
