"""What a provider is: it turns one outside service's answers (through core.clients) into facts.

A provider never writes to the database and never raises an outside failure to its caller: it
returns a `ProviderResult` whose facts the service stores (enrichment.services.facts) and whose
warnings the caller shows. A field the service does not give (Spotify's followers for an app in
Development Mode, say) is a fact with `unavailable` set — recorded as unknown, never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.models import Album, Artist
from core.resilience.services import service_not_configured

ARTIST, ALBUM, TRACK = "artist", "album", "track"  # enrichment.Fact.Entity values


@dataclass(frozen=True)
class FactDraft:
    """One value a provider found about one entity, with its evidence."""

    entity_type: str  # ARTIST, ALBUM or TRACK
    entity_id: int
    field: str  # a model field (popularity, bio, spotify_id…) or a relation: tags, similar, images, links
    value: Any = None  # JSON-able; tags: [[name, weight 0-100]], similar: [[name, match 0-1]], images: [{url…}]
    confidence: float = 1.0  # 0-1: how sure the match and the value are
    evidence: tuple[str, ...] = ()  # request ids, URLs
    kind: str = "default"  # its cache lifetime (core.resilience.services.TTL_DEFAULTS, ENRICHMENT_CACHE_TTL_*)
    unavailable: bool = False  # the service does not give this field here


@dataclass
class ProviderResult:
    provider: str
    facts: list[FactDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what happened, in plain words
    warnings: list[str] = field(default_factory=list)  # what went wrong, safe to show
    calls: int = 0  # calls asked of the service (the resilience layer may answer some from its cache)


class Provider:
    """One outside source of facts. Subclasses set `id` and `service` and override what they know."""

    id: str = ""
    service: str = ""  # the ServiceSpec it talks to
    batch_size: int = 50  # entities per call where the service takes many at once
    matches_by_ids: bool = False  # it matches entities by outside ids (Spotify's…) that others find first

    def is_available(self) -> tuple[bool, str]:
        """Whether it can run now, and if not, why (one line)."""
        error = service_not_configured(service=self.service)
        return (False, str(error)) if error else (True, "")

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        return ProviderResult(self.id)

    def albums(self, albums: list[Album], *, force: bool = False) -> ProviderResult:
        return ProviderResult(self.id)
