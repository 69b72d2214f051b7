"""Enriched facts as pages show them: per field, the value used and where it came from, and the
other sources' values when they disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from catalog.models import Album, Artist, Track
from core.resilience import breaker_state
from core.resilience.breaker import OPEN
from core.resilience.services import service_get
from enrichment.models import Fact
from enrichment.providers import providers_get
from enrichment.services.facts import fact_chosen


@dataclass(frozen=True)
class FieldFacts:
    field: str
    chosen: Fact | None
    others: list[Fact] = field(default_factory=list)  # the other providers' facts about this field

    @property
    def disagreeing(self) -> list[Fact]:
        """Other sources that know a different value."""
        if self.chosen is None:
            return []
        return [f for f in self.others if f.value is not None and f.value != self.chosen.value]

    @property
    def unavailable(self) -> bool:
        return self.chosen is None and any("unavailable" in (f.evidence or []) for f in self.others)


def facts_by_field(*, entity_type: str, entity_id: int) -> dict[str, FieldFacts]:
    """Every field some provider said something about, in one query."""
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for fact in Fact.objects.filter(entity_type=entity_type, entity_id=entity_id):
        grouped[fact.field].append(fact)
    result = {}
    for name, facts in grouped.items():
        chosen = fact_chosen(facts)
        result[name] = FieldFacts(name, chosen, [f for f in facts if f is not chosen])
    return result


def enrichment_paused() -> list[str]:
    """A line for each outside service of a provider whose breaker is open: what a page warns about,
    since that source's values may be out of date while the others go on filling in."""
    services = dict.fromkeys(provider.service for provider in providers_get())
    return [f"{service_get(service=service).label} is paused after repeated failures; its values may be out of date."
            for service in services if breaker_state(service=service).state == OPEN]


# --- Journal export -------------------------------------------------------------------------
FACT_EXPORT_BATCH_SIZE = 900  # ids a batch looks names up for: under any SQLite's 999 parameters
_FACT_ENTITIES = {Fact.Entity.ARTIST: (Artist, "name"), Fact.Entity.ALBUM: (Album, "title"),
                  Fact.Entity.TRACK: (Track, "title")}


def fact_export_rows(*, batch_size: int | None = None) -> Iterator[dict]:
    """Every fact with its evidence, by id, read in batches; each names its artist, album or track
    (None when that row is gone), so the journal's JSON export stands on its own."""
    batch_size = batch_size or FACT_EXPORT_BATCH_SIZE
    facts = Fact.objects.order_by("id").values_list(
        "id", "entity_type", "entity_id", "field", "value", "provider", "retrieved_at", "confidence", "evidence",
        "expires_at",
    )
    after = 0
    while rows := list(facts.filter(id__gt=after)[:batch_size]):
        names = _entity_names(rows)
        for _, entity_type, entity_id, name, value, provider, retrieved_at, confidence, evidence, expires_at in rows:
            yield {
                "entity_type": entity_type, "entity_id": entity_id,
                "entity_name": names.get((entity_type, entity_id)), "field": name, "value": value,
                "provider": provider, "retrieved_at": _utc_text(retrieved_at), "confidence": confidence,
                "evidence": evidence, "expires_at": _utc_text(expires_at),
            }
        after = rows[-1][0]
        if len(rows) < batch_size:
            return


def _entity_names(rows: list[tuple]) -> dict[tuple[str, int], str]:
    """(entity type, id) → name of the entities a batch of facts is about: a query per kind."""
    ids: dict[str, set[int]] = defaultdict(set)
    for _, entity_type, entity_id, *_ in rows:
        ids[entity_type].add(entity_id)
    names = {}
    for entity_type, wanted in ids.items():
        if entity_type in _FACT_ENTITIES:
            model, column = _FACT_ENTITIES[entity_type]
            for pk, name in model.objects.filter(pk__in=wanted).values_list("pk", column):
                names[(entity_type, pk)] = name
    return names


def _utc_text(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None
