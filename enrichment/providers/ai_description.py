"""AI-written notes on albums (a summary, a few paragraphs, whether it is a soundtrack) from an OpenAI-compatible model.

Albums only. An album that already has notes (`AlbumInfo.generated_at`) is not asked about again
unless `force`. An answer cut off (`finish_reason == "length"`) or that is not a JSON object is
asked again once with a shorter prompt; a second miss is a warning. The values are a model's
claims, so they are facts with confidence 0.6; `enrichment.services.facts` copies them onto
`AlbumInfo`.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.conf import settings

from catalog.models import Album, AlbumInfo, Artist
from core.clients.ai import ai_complete, ai_complete_forget
from core.normalize import clean_text
from core.resilience import ServiceError
from enrichment.providers import provider_register
from enrichment.providers.base import ALBUM, FactDraft, Provider, ProviderResult

CONFIDENCE = 0.6
MAX_TOKENS, SHORT_MAX_TOKENS = 800, 400
SUMMARY_MAX = 300

SYSTEM = ("You write short, factual notes about music albums for a personal record journal. "
          "Answer with one JSON object and nothing else. Do not invent facts: when unsure, say less.")
SHAPE = ('{"summary": "<one sentence, at most 300 characters>", '
         '"description": "<DESCRIPTION>", "is_soundtrack": true or false, "film": "<film title or empty>"}')
DESCRIPTION = {False: "2-4 short paragraphs: what it is, why it matters",
               True: "one short paragraph of at most 80 words: what it is, why it matters"}


class AiDescriptionProvider(Provider):
    id = "ai_description"
    service = "ai"

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        return ProviderResult(self.id)  # notes are written for albums only

    def albums(self, albums: list[Album], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        has_notes = set() if force else set(
            AlbumInfo.objects.filter(album__in=albums, generated_at__isnull=False).values_list("album_id", flat=True))
        skipped = 0
        for album in albums:
            if album.pk in has_notes:
                skipped += 1
                continue
            try:
                notes = self._notes(album, force=force, result=result)
            except ServiceError as error:
                result.warnings.append(f"{_name(album)}: {error.message}")
                continue
            if notes is None:
                result.warnings.append(f"{_name(album)}: the AI answer was cut off or not JSON, twice; no notes")
                continue
            result.facts += _drafts(album, notes)
        if skipped:
            result.notes.append(f"{skipped} album(s) already have AI notes; not asked again")
        return result

    def _notes(self, album: Album, *, force: bool, result: ProviderResult) -> dict | None:
        """The parsed notes: a full answer, else one shorter retry; None when both were unusable."""
        for short in (False, True):
            messages = album_messages(album, short=short)
            cache_key = "album-notes:" + hashlib.sha1(json.dumps(messages).encode()).hexdigest()
            result.calls += 1
            answer = ai_complete(messages=messages, cache_key=cache_key,
                                 max_tokens=SHORT_MAX_TOKENS if short else MAX_TOKENS, force_refresh=force)
            notes = None if answer.get("finish_reason") == "length" else notes_parse(answer.get("content", ""))
            if notes is not None:
                return notes
            ai_complete_forget(cache_key=cache_key)  # a rejected answer must not come back from the cache
        return None


def album_messages(album: Album, *, short: bool) -> list[dict]:
    known = [f"Title: {album.title}", f"Artist: {album.artist.name if album.artist else 'unknown'}"]
    if album.year:
        known.append(f"Year: {album.year}")
    if album.label:
        known.append(f"Label: {album.label.name}")
    if album.format:
        known.append(f"Format: {album.get_format_display()}")
    ask = "Write notes on this album.\n" + "\n".join(known)
    ask += "\n\nAnswer with this JSON object only:\n" + SHAPE.replace("<DESCRIPTION>", f"<{DESCRIPTION[short]}>")
    if short:
        ask += "\nKeep it short: your last answer was too long or not valid JSON."
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ask}]


def notes_parse(content: str) -> dict | None:
    """The notes in an answer: the outermost {...} (inside a code fence or text, or bare); None if unusable."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(content[start:end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("description"), str):
        return None
    description = _paragraphs(data["description"])
    if not description:
        return None
    return {
        "summary": clean_text(str(data.get("summary") or ""), SUMMARY_MAX),
        "description": description,
        "is_soundtrack": data.get("is_soundtrack") is True,
        "film": clean_text(str(data.get("film") or "")),
    }


def _paragraphs(text: str) -> str:
    """Text cleaned paragraph by paragraph, keeping the blank lines between them."""
    return "\n\n".join(p for p in (clean_text(part) for part in re.split(r"\n\s*\n", text)) if p)


def _drafts(album: Album, notes: dict) -> list[FactDraft]:
    model = settings.AI_MODEL
    evidence = (f"{settings.AI_BASE_URL.rstrip('/')}/chat/completions model={model}",)
    values = {"ai_summary": notes["summary"], "ai_description": notes["description"],
              "ai_is_soundtrack": notes["is_soundtrack"], "ai_film": notes["film"], "ai_model": model}
    return [FactDraft(ALBUM, album.pk, name, value, confidence=CONFIDENCE, evidence=evidence, kind="ai")
            for name, value in values.items()]


def _name(album: Album) -> str:
    return f"{album.artist.name} – {album.title}" if album.artist else album.title


provider_register(AiDescriptionProvider())
