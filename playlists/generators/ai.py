"""AI prompt: a language model chooses the tracks for a wish ("rainy Sunday morning, mostly records
I own") from a bounded list of the library's tracks, each with its reason.

The model never sees the whole library: `candidates` tracks (200 by default, 500 at most) taken,
by the seed, from what says most about the user's taste — the tracks of artists or records tagged
with words of the wish, the most played, the owned records', the loved and the recently played
(any other tracks when those are too few) — one compact line each. It answers JSON only, which
`answer_parse` (pure, no server) reads: ids not among the candidates are dropped and counted, a
fenced answer is unwrapped, an answer cut off (finish_reason "length") keeps the complete tracks
before the cut. The model's order is kept. The same messages are answered from the cache, so the
same seed gives the same playlist; an unusable answer is forgotten.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Q

from catalog.models import Album, AlbumTag, ArtistTag, CollectionItem, Tag, Track
from core.clients.ai import ai_complete, ai_complete_forget
from core.normalize import clean_text, name_key
from core.resilience import ServiceError, service_missing_settings
from playlists.generators.base import AVERAGE_TRACK_MS, Candidate, Draft, Generator, GeneratorError, Params
from playlists.generators.rules import record_in, seeded_order
from playlists.selectors.library import loved_track_ids
from tracker.models import Scrobble, TrackTotal

PROMPT_MAX = 500
CANDIDATES_DEFAULT, CANDIDATES_MIN, CANDIDATES_MAX = 200, 20, 500
# Each source's share of the candidates; what one cannot fill, the others do, in this order.
SHARES = (("tagged", 0.3), ("top", 0.25), ("owned", 0.2), ("recent", 0.15), ("loved", 0.1))
RECENT_PLAYS = 3  # recent plays read per candidate wanted from them (repeats are common)
TAGS_SHOWN = 2
NAME_MAX, REASON_MAX, FIELD_MAX = 200, 255, 120
TOKENS_BASE, TOKENS_PER_TRACK, TOKENS_MAX = 200, 45, 8000
TEMPERATURE = 0.7
NOT_CONFIGURED = ("AI playlists need AI_API_KEY (and AI_BASE_URL, AI_MODEL) set in the environment; "
                  "the settings page shows which are missing (now: {missing}).")

SYSTEM = ("You make playlists from the user's own music library. You get a wish and a numbered list of "
          "tracks from the library. Choose only tracks from the list, by their id. Answer with one JSON "
          "object and nothing else.")
SHAPE = '{"name": "<a short playlist name>", "tracks": [{"id": <id from the list>, "reason": "<why, in a few words>"}]}'


class AiParams(Params):
    prompt = forms.CharField(
        max_length=PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "rainy Sunday morning, mostly records I own"}),
        help_text="What the playlist should be, in your words: a mood, a moment, a style.",
        error_messages={"required": "write what the playlist should be, e.g. rainy Sunday morning, "
                                    "mostly records I own"})
    candidates = forms.IntegerField(min_value=CANDIDATES_MIN, max_value=CANDIDATES_MAX, initial=CANDIDATES_DEFAULT,
                                    required=False, help_text="How many tracks of your library the model chooses from.")

    def clean_candidates(self):
        return self.cleaned_data.get("candidates") or CANDIDATES_DEFAULT


class AiPrompt(Generator):
    name = "ai"
    label = "AI prompt"
    description = ("Describe a playlist in your words; a language model chooses it from a few hundred tracks of "
                   "your library (most played, owned, loved, recent, tagged like your wish), each with a reason.")
    Params = AiParams
    uses_ai = True

    def draft(self, params: dict, rng: random.Random) -> Draft:
        missing = service_missing_settings(service="ai")
        if missing:
            raise GeneratorError(NOT_CONFIGURED.format(missing=", ".join(missing)))
        prompt = params["prompt"]
        lines = candidate_lines(candidate_ids(prompt, params["candidates"], rng))
        if not lines:
            raise GeneratorError("Your library has no tracks for the model to choose from yet: bring in your plays "
                                 "or sync your collection first.")
        wanted = min(len(lines), _tracks_wanted(params))
        messages = prompt_messages(prompt, lines, wanted=wanted, per_artist=params["max_per_artist"])
        max_tokens = min(TOKENS_MAX, TOKENS_BASE + TOKENS_PER_TRACK * wanted)
        cache_key = "playlist:" + hashlib.sha1(json.dumps([messages, max_tokens]).encode()).hexdigest()
        try:
            reply = ai_complete(messages=messages, cache_key=cache_key, max_tokens=max_tokens, temperature=TEMPERATURE)
        except ServiceError as error:
            raise GeneratorError(f"The AI service did not answer: {error.message}") from None
        try:
            answer = answer_parse(reply["content"], finish_reason=reply.get("finish_reason"),
                                  candidate_ids=set(lines))
            if not answer.picks:
                raise GeneratorError(_nothing_chosen(answer))
        except GeneratorError:
            ai_complete_forget(cache_key=cache_key)  # an unusable answer must not come back from the cache
            raise
        candidates = [Candidate(pk, lines[pk].artist_id, lines[pk].duration_ms,
                                reason or "Chosen by the model for your wish")
                      for pk, reason in answer.picks]
        details = {"candidates": len(lines), "answered": answer.answered, "dropped": answer.dropped,
                   "duplicates": answer.duplicates, "cut_off": answer.cut_off}
        return Draft(candidates, keep_order=True, name=answer.name or f"AI: {clean_text(prompt, 80)}",
                     prompt=prompt, model_used=reply.get("model") or "", details=details)


def _tracks_wanted(params: dict) -> int:
    if params.get("minutes"):
        return math.ceil(params["minutes"] * 60_000 / AVERAGE_TRACK_MS)
    return params["length"]


def _nothing_chosen(answer: Answer) -> str:
    if answer.dropped:
        return (f"The model chose only tracks that were not in the list it was given ({answer.dropped} dropped): "
                "try again, or reword the wish.")
    if answer.cut_off:
        return "The model's answer was cut off before its first complete track: try again, or ask for fewer tracks."
    return "The model chose no track for this wish: reword it, or give it more candidates."


# --- the candidates -------------------------------------------------------------------------------
def candidate_ids(prompt: str, n: int, rng: random.Random) -> list[int]:
    """At most `n` track ids from the sources' shares, drawn by the seed, then shuffled."""
    pools = {"tagged": _tagged(prompt, n, rng), "top": _top(n), "owned": _owned(n, rng), "recent": _recent(n),
             "loved": _loved(n)}
    chosen: dict[int, None] = {}
    for source, share in SHARES:
        pool = [pk for pk in pools[source] if pk not in chosen]
        chosen.update(dict.fromkeys(rng.sample(pool, min(len(pool), round(n * share)))))
    for source, _ in SHARES:  # what a source could not fill, the others do, in their own order
        for pk in pools[source]:
            if len(chosen) >= n:
                break
            chosen.setdefault(pk)
    if len(chosen) < n:  # a small library: any other track, drawn by the seed
        others = seeded_order(Track.objects.exclude(pk__in=list(chosen)), rng)
        chosen.update(dict.fromkeys(others.values_list("pk", flat=True)[:n - len(chosen)]))
    ids = list(chosen)[:n]
    rng.shuffle(ids)
    return ids


def _tagged(prompt: str, n: int, rng: random.Random) -> list[int]:
    """Tracks whose artist or record carries a tag named in the prompt ("trip hop", "jazz")."""
    words = name_key(prompt).split()
    phrases = {" ".join(words[i:i + size]) for size in (1, 2, 3) for i in range(len(words) - size + 1)}
    tag_ids = list(Tag.objects.filter(name_key__in=[p for p in phrases if len(p) >= 3]).values_list("pk", flat=True))
    if not tag_ids:
        return []
    albums = Album.objects.filter(tag_links__tag_id__in=tag_ids)
    tagged = Track.objects.filter(
        Q(artist_id__in=ArtistTag.objects.filter(tag_id__in=tag_ids).values("artist_id"))
        | Q(album_id__in=albums.values("pk"))
        | Q(album_id__in=albums.filter(listened_album__isnull=False).values("listened_album_id")))
    return list(seeded_order(tagged, rng).values_list("pk", flat=True)[:n])


def _top(n: int) -> list[int]:
    return list(TrackTotal.objects.filter(plays__gt=0).order_by("-plays", "track_id")
                .values_list("track_id", flat=True)[:n])


def _owned(n: int, rng: random.Random) -> list[int]:
    owned = Track.objects.filter(record_in(CollectionItem.objects.present()))
    return list(seeded_order(owned, rng).values_list("pk", flat=True)[:n])


def _recent(n: int) -> list[int]:
    plays = Scrobble.objects.order_by("-played_at", "-id").values_list("track_id", flat=True)[:n * RECENT_PLAYS]
    return list(dict.fromkeys(plays))[:n]


def _loved(n: int) -> list[int]:
    loved = Scrobble.objects.filter(loved=True).values("track_id")
    return list(TrackTotal.objects.filter(track_id__in=loved).order_by("-plays", "track_id")
                .values_list("track_id", flat=True)[:n])


@dataclass(frozen=True)
class Line:
    """One candidate as the model sees it, and what the draw needs of it."""

    track_id: int
    artist_id: int
    duration_ms: int | None
    text: str


def candidate_lines(ids: list[int]) -> dict[int, Line]:
    """`17 | Portishead — Roads (Dummy, 1994; trip hop) · 41 plays · owned`, by id, in the order of `ids`."""
    rows = {row[0]: row for row in Track.objects.filter(pk__in=ids).values_list(
        "pk", "artist_id", "duration_ms", "album_id", "title", "artist__name", "album__title", "album__year")}
    album_ids = {row[3] for row in rows.values() if row[3] is not None}
    plays = dict(TrackTotal.objects.filter(track_id__in=list(rows)).values_list("track_id", "plays"))
    loved = loved_track_ids(among=list(rows))
    owned = set()
    for album_id, listened_id in CollectionItem.objects.present().filter(
            Q(album_id__in=album_ids) | Q(album__listened_album_id__in=album_ids)).values_list(
            "album_id", "album__listened_album_id"):
        owned.add(album_id if album_id in album_ids else listened_id)
    tags = _tags(album_ids, {row[1] for row in rows.values()})
    lines = {}
    for pk in ids:
        if pk not in rows:
            continue
        _, artist_id, duration_ms, album_id, title, artist, album, year = rows[pk]
        about = ", ".join(part for part in (_field(album), str(year) if year else "") if part)
        track_tags = tags.get(("album", album_id)) or tags.get(("artist", artist_id)) or []
        if track_tags:
            about = f"{about}; {', '.join(track_tags)}" if about else ", ".join(track_tags)
        text = f"{pk} | {_field(artist)} — {_field(title)}" + (f" ({about})" if about else "")
        count = plays.get(pk, 0)
        text += f" · {count} play{'s' if count != 1 else ''}"
        text += " · owned" if album_id in owned else ""
        text += " · loved" if pk in loved else ""
        lines[pk] = Line(pk, artist_id, duration_ms, text)
    return lines


def _tags(album_ids: set[int], artist_ids: set[int]) -> dict[tuple[str, int], list[str]]:
    """The TAGS_SHOWN heaviest tags of each record (its own or its editions') and of each artist."""
    weights: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for album_id, listened_id, name, weight in AlbumTag.objects.filter(
            Q(album_id__in=album_ids) | Q(album__listened_album_id__in=album_ids)).values_list(
            "album_id", "album__listened_album_id", "tag__name", "weight"):
        key = ("album", album_id if album_id in album_ids else listened_id)
        weights[key][name] = max(weight, weights[key].get(name, -1))
    for artist_id, name, weight in ArtistTag.objects.filter(artist_id__in=artist_ids).values_list(
            "artist_id", "tag__name", "weight"):
        key = ("artist", artist_id)
        weights[key][name] = max(weight, weights[key].get(name, -1))
    return {key: [name for name, _ in sorted(found.items(), key=lambda tag: (-tag[1], tag[0]))[:TAGS_SHOWN]]
            for key, found in weights.items()}


def _field(text: str | None) -> str:
    """A name on one line, without the list's separator (names are data, not instructions)."""
    return clean_text((text or "").replace("|", "/"), FIELD_MAX)


def prompt_messages(prompt: str, lines: dict[int, Line], *, wanted: int, per_artist: int) -> list[dict]:
    listing = "\n".join(line.text for line in lines.values())
    ask = (f"Wish: {clean_text(prompt, PROMPT_MAX)}\n\n"
           f"Choose about {wanted} tracks for this wish from the list below, in the order they should play, "
           f"at most {per_artist} by one artist and never one artist twice in a row. Give each a short reason.\n"
           f"Answer with this JSON object only:\n{SHAPE}\n\n"
           f"The tracks (id | artist — title (album, year; tags) · plays · owned · loved):\n{listing}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ask}]


# --- the answer ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """What could be used of the model's answer."""

    name: str
    picks: list[tuple[int, str]] = field(default_factory=list)  # (track id, reason), the model's order
    answered: int = 0  # track entries it gave (complete ones)
    dropped: int = 0  # entries whose id was not among the candidates
    duplicates: int = 0  # entries naming a track already chosen
    cut_off: bool = False


_NAME = re.compile(r'"name"\s*:\s*("(?:[^"\\]|\\.)*")')
_TRACKS = re.compile(r'"tracks"\s*:\s*\[')
_SEPARATORS = re.compile(r"[\s,]*")


def answer_parse(content: str, *, finish_reason: str | None, candidate_ids: set[int]) -> Answer:
    """The picks in the model's answer (bare, fenced or with words around it; cut off: the complete
    tracks before the cut), or GeneratorError when it is no JSON at all."""
    cut_off = finish_reason == "length"
    data = _json_object(content)
    if isinstance(data, list):
        data = {"tracks": data}
    if isinstance(data, dict):
        entries = data.get("tracks")
        name = data.get("name")
    elif cut_off:
        name, entries = _salvage(content)
    else:
        raise GeneratorError("The model's answer was not JSON: try again (or another AI_MODEL).")
    if not isinstance(entries, list):
        raise GeneratorError("The model's answer was JSON without a list of tracks: try again.")
    picks: list[tuple[int, str]] = []
    seen: set[int] = set()
    dropped = duplicates = 0
    for entry in entries:
        track_id, reason = _entry(entry)
        if track_id is None or track_id not in candidate_ids:
            dropped += 1
        elif track_id in seen:
            duplicates += 1
        else:
            seen.add(track_id)
            picks.append((track_id, clean_text(reason, REASON_MAX)))
    return Answer(clean_text(name if isinstance(name, str) else "", NAME_MAX), picks, len(entries), dropped,
                  duplicates, cut_off)


def _json_object(content: str):
    """The first JSON object or array in `content` (inside a code fence or after words), or None."""
    for start in sorted(i for i in (content.find("{"), content.find("[")) if i >= 0):
        try:
            return json.JSONDecoder().raw_decode(content, start)[0]
        except ValueError:
            continue
    return None


def _salvage(content: str) -> tuple[str, list]:
    """From an answer cut off: its name if complete, and the track objects complete before the cut."""
    name_match = _NAME.search(content)
    try:
        name = json.loads(name_match[1]) if name_match else ""
    except ValueError:
        name = ""
    tracks = _TRACKS.search(content)
    if tracks is None:
        return name, []
    decoder, entries, at = json.JSONDecoder(), [], tracks.end()
    while True:
        at = _SEPARATORS.match(content, at).end()
        try:
            entry, at = decoder.raw_decode(content, at)
        except ValueError:
            return name, entries
        entries.append(entry)


def _entry(entry) -> tuple[int | None, str]:
    """(track id, reason) of one entry: {"id": 17, "reason": "…"}, {"id": "17"} or a bare 17."""
    if isinstance(entry, dict):
        track_id, reason = entry.get("id"), entry.get("reason")
    else:
        track_id, reason = entry, ""
    if isinstance(track_id, str) and track_id.strip().isdigit():
        track_id = int(track_id.strip())
    if not isinstance(track_id, int) or isinstance(track_id, bool):
        return None, ""
    return track_id, reason if isinstance(reason, str) else ""


GENERATOR = AiPrompt()
