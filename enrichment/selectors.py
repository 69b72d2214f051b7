"""Enriched facts as pages show them: per field, the value used and where it came from, and the
other sources' values when they disagree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
