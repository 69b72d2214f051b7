"""Store what providers found as facts (the evidence trail), and copy the chosen values onto the rows.

One `Fact` per (entity, field, provider), replaced by each new answer, with its lifetime by kind.
Where providers disagree the value shown is the most confident one, then the one of the provider
listed first (enrichment.providers.PROVIDERS); the others stay as facts, so a page can show both.
Relations are kept per source: each provider's tags, similar artists and images replace that
provider's own rows only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Album, AlbumInfo, AlbumTag, Artist, ArtistSimilar, ArtistTag, Image, Label, Tag, Track
from core.normalize import clean_text, name_key
from core.resilience.services import cache_ttl
from enrichment import providers
from enrichment.models import Fact
from enrichment.providers.base import ALBUM, ARTIST, TRACK, FactDraft

MODELS = {ARTIST: Artist, ALBUM: Album, TRACK: Track}
RELATIONS = {"tags", "similar", "images"}
_IMAGE_FIELD = {ARTIST: ("image_url", None), ALBUM: ("cover_url", "thumb_url")}


@dataclass
class FactsStored:
    facts: int = 0
    applied: int = 0  # values copied onto rows
    warnings: list[str] = field(default_factory=list)


def facts_store(*, provider: str, drafts: list[FactDraft]) -> FactsStored:
    """Record `provider`'s drafts, then bring the touched rows in line with the chosen facts."""
    stored = FactsStored()
    if not drafts:
        return stored
    now = timezone.now()
    rows = [
        Fact(entity_type=d.entity_type, entity_id=d.entity_id, field=d.field, provider=provider,
             value=None if d.unavailable else _storable(d.value), confidence=max(0.0, min(1.0, float(d.confidence))),
             evidence=list(d.evidence) + (["unavailable"] if d.unavailable else []), retrieved_at=now,
             expires_at=now + timedelta(seconds=cache_ttl(kind=d.kind)))
        for d in _last_per_key(drafts)
    ]
    with transaction.atomic():
        Fact.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["entity_type", "entity_id", "field", "provider"],
            update_fields=["value", "confidence", "evidence", "retrieved_at", "expires_at"])
        stored.facts = len(rows)
        touched: dict[tuple[str, int], set[str]] = defaultdict(set)
        for row in rows:
            touched[(row.entity_type, row.entity_id)].add(row.field)
        for (entity_type, entity_id), fields in touched.items():
            stored.applied += _apply(entity_type, entity_id, fields, provider=provider, now=now,
                                     warnings=stored.warnings)
    return stored


def _storable(value):
    """A JSON value every database takes: PostgreSQL's jsonb refuses NUL characters in strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    return value


def _last_per_key(drafts: list[FactDraft]) -> list[FactDraft]:
    latest = {}
    for draft in drafts:
        latest[(draft.entity_type, draft.entity_id, draft.field)] = draft
    return list(latest.values())


def fact_chosen(facts: list[Fact]) -> Fact | None:
    """Of one field's facts from several providers, the one to show: known, most confident, first provider."""
    order = {name: index for index, name in enumerate(providers.PROVIDERS)}
    known = [f for f in facts if f.value is not None]
    known.sort(key=lambda f: (-f.confidence, order.get(f.provider, len(order)), -f.retrieved_at.timestamp()))
    return known[0] if known else None


def _apply(entity_type: str, entity_id: int, fields: set[str], *, provider: str, now, warnings: list[str]) -> int:
    model = MODELS[entity_type]
    row = model.objects.filter(pk=entity_id).first()
    if row is None:
        return 0
    facts = defaultdict(list)
    for fact in Fact.objects.filter(entity_type=entity_type, entity_id=entity_id, field__in=fields - RELATIONS):
        facts[fact.field].append(fact)
    changed = []
    for name, candidates in facts.items():
        chosen = fact_chosen(candidates)
        if chosen is None or not _is_plain_field(model, name):
            continue
        value = _fit(model, name, chosen.value)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    if entity_type == ARTIST and "principal_label" in facts and _principal_label_apply(
            row, fact_chosen(facts["principal_label"])):
        changed.append("principal_label")
    mine = Fact.objects.filter(entity_type=entity_type, entity_id=entity_id, provider=provider,
                               field__in=fields & RELATIONS).exclude(value=None)
    applied = len(changed)
    if entity_type == ALBUM and any(name.startswith("ai_") for name in fields):
        applied += _album_info_apply(row, facts)
    for fact in mine:
        applied += _apply_relation(row, entity_type, fact, changed)
    if hasattr(row, "enriched_at"):
        row.enriched_at = now
        changed.append("enriched_at")
    try:
        with transaction.atomic():
            row.save(update_fields=sorted(set(changed)))
    except IntegrityError:  # an id another row already holds: keep the facts, not the clash
        warnings.append(f"{row}: {', '.join(sorted(set(changed) - {'enriched_at'}))} clash with another "
                        f"{entity_type}; kept as facts only")
        model.objects.filter(pk=row.pk).update(**({"enriched_at": now} if hasattr(row, "enriched_at") else {}))
    return applied


def _is_plain_field(model, name: str) -> bool:
    try:
        model_field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 — a fact with no column of its own (links, label candidates…)
        return False
    return model_field.concrete and not model_field.is_relation and not model_field.primary_key


def _fit(model, name: str, value):
    """A fact's value as its column takes it: text cleaned and cut, numbers as ints."""
    model_field = model._meta.get_field(name)
    if model_field.get_internal_type() in ("CharField", "URLField", "TextField"):
        return clean_text(str(value), getattr(model_field, "max_length", None)) if value is not None else ""
    if model_field.get_internal_type().endswith("IntegerField"):
        return int(value)
    return value


def _apply_relation(row, entity_type: str, fact: Fact, changed: list[str]) -> int:
    if fact.field == "tags":
        return _tags_apply(row, entity_type, fact)
    if fact.field == "similar" and entity_type == ARTIST:
        return _similar_apply(row, fact)
    if fact.field == "images" and entity_type in _IMAGE_FIELD:
        return _images_apply(row, entity_type, fact, changed)
    return 0


def _tags_apply(row, entity_type: str, fact: Fact) -> int:
    link_model, owner = (ArtistTag, "artist") if entity_type == ARTIST else (AlbumTag, "album")
    wanted = {}
    for name, weight in fact.value or []:
        name = clean_text(str(name), 100)
        if name and name_key(name) not in wanted:
            wanted[name_key(name)] = (name, max(0, min(100, int(weight))))
    tags = {t.name_key: t for t in Tag.objects.filter(name_key__in=list(wanted))}
    for key, (name, _) in wanted.items():
        if key not in tags:
            tags[key], _ = Tag.objects.get_or_create(name_key=key, defaults={"name": name})
    link_model.objects.filter(**{owner: row}, source=fact.provider).delete()
    link_model.objects.bulk_create([link_model(**{owner: row}, tag=tags[key], source=fact.provider, weight=weight)
                                    for key, (_, weight) in wanted.items()])
    return len(wanted)


def _similar_apply(artist: Artist, fact: Fact) -> int:
    """Similar artists that are in the library; the others stay in the fact."""
    matches = {name_key(str(name)): float(match) for name, match in fact.value or []}
    known = {a.name_key: a for a in Artist.objects.filter(name_key__in=list(matches)).exclude(pk=artist.pk)}
    ArtistSimilar.objects.filter(artist=artist, source=fact.provider).delete()
    ArtistSimilar.objects.bulk_create([
        ArtistSimilar(artist=artist, similar=other, match=max(0.0, min(1.0, matches[key])), source=fact.provider)
        for key, other in known.items()
    ])
    return len(known)


def _images_apply(row, entity_type: str, fact: Fact, changed: list[str]) -> int:
    """Each image in its size; the largest becomes the picture or cover, the smallest (≥ 64 px) the thumbnail."""
    images = [i for i in fact.value or [] if isinstance(i, dict) and str(i.get("url", "")).startswith("https://")]
    kind = Image.Kind.PICTURE if entity_type == ARTIST else Image.Kind.COVER
    owner = {"artist": row} if entity_type == ARTIST else {"album": row}
    Image.objects.filter(**owner, source=fact.provider).delete()
    Image.objects.bulk_create([Image(**owner, url=i["url"][:500], kind=kind, source=fact.provider,
                                     width=i.get("width"), height=i.get("height")) for i in images])
    if images:
        by_size = sorted(images, key=lambda i: i.get("width") or 0)
        main, thumb = _IMAGE_FIELD[entity_type]
        setattr(row, main, by_size[-1]["url"][:500])
        changed.append(main)
        small = next((i for i in by_size if (i.get("width") or 0) >= 64), by_size[0])
        if thumb:
            setattr(row, thumb, small["url"][:500])
            changed.append(thumb)
    return len(images)


# --- AI notes (enrichment.providers.ai_description) ---------------------------------------------
def _album_info_apply(album: Album, facts: dict[str, list[Fact]]) -> int:
    """The album's AI notes (`AlbumInfo`) from its chosen `ai_*` facts, once there is a description."""
    chosen = {name: fact_chosen(candidates) for name, candidates in facts.items() if name.startswith("ai_")}
    if chosen.get("ai_description") is None:
        return 0

    def value(name: str):
        return chosen[name].value if chosen.get(name) is not None else None

    AlbumInfo.objects.update_or_create(album=album, defaults={
        "summary": clean_text(str(value("ai_summary") or ""), AlbumInfo._meta.get_field("summary").max_length),
        "description": str(value("ai_description")).replace("\x00", ""),
        "is_soundtrack": value("ai_is_soundtrack") is True,
        "film": clean_text(str(value("ai_film") or ""), AlbumInfo._meta.get_field("film").max_length),
        "model_used": clean_text(str(value("ai_model") or ""), AlbumInfo._meta.get_field("model_used").max_length),
        "generated_at": timezone.now(),
    })
    return 1


# --- principal label (enrichment.providers.label_resolver) ----------------------------------------
def _principal_label_apply(artist: Artist, fact: Fact | None) -> bool:
    """Link the artist to the `Label` the chosen `principal_label` fact names (by name key, created if
    absent); whether it changed. A foreign key, so the plain-field copy above skips it."""
    name = clean_text(str(fact.value), Label._meta.get_field("name").max_length) if fact is not None else ""
    if not name:
        return False
    label = Label.objects.filter(name_key=name_key(name)).order_by("pk").first()
    if label is None:
        label, _ = Label.objects.get_or_create(name_key=name_key(name), discogs_id=None, defaults={"name": name})
    if artist.principal_label_id == label.pk:
        return False
    artist.principal_label = label
    return True
