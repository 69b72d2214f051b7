"""Enrichment, orchestrated: which artists and albums to ask about, every provider at once, facts stored.

`artists_enrich` and `albums_enrich` run the chosen providers concurrently on chunks of 50 (the
batch size of Spotify's and Apify's many-at-once calls); one provider that fails or is not
configured becomes a warning and never stops the others. The command, the schedules, the API
and the page's "Refresh" all call these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from catalog.models import Album, Artist
from enrichment.providers import providers_get
from enrichment.providers.base import Provider, ProviderResult
from enrichment.services.facts import facts_store

CHUNK = 50
MODES = ("backfill", "incremental", "stale")
NEW_WITHIN = timedelta(days=7)  # incremental: first heard (created) this recently
STALE_AFTER = timedelta(days=90)


@dataclass
class ProviderSummary:
    provider: str
    available: bool = True
    reason: str = ""
    calls: int = 0
    facts: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class EnrichResult:
    entities: int = 0
    facts: int = 0
    applied: int = 0
    providers: dict[str, ProviderSummary] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [w for summary in self.providers.values() for w in summary.warnings]

    def summary(self) -> str:
        ran = [f"{s.provider} {s.facts:,}" for s in self.providers.values() if s.available]
        skipped = [s.provider for s in self.providers.values() if not s.available]
        text = f"{self.entities:,} enriched, {self.facts:,} facts ({', '.join(ran) or 'no provider ran'})"
        if skipped:
            text += f"; not configured: {', '.join(skipped)}"
        if self.warnings:
            text += f"; {len(self.warnings)} warning(s)"
        return text


def artists_to_enrich(*, mode: str) -> QuerySet:
    """backfill: never enriched; incremental: new in the last 7 days; stale: not refreshed in 90 days,
    the most played first (by their albums' play figures, which the catalog keeps)."""
    now = timezone.now()
    qs = {
        "backfill": Artist.objects.filter(enriched_at__isnull=True),
        "incremental": Artist.objects.filter(created_at__gte=now - NEW_WITHIN),
        "stale": Artist.objects.filter(Q(enriched_at__lt=now - STALE_AFTER)),
    }[mode]
    return qs.annotate(plays=Sum("primary_albums__play_count")).order_by("-plays", "pk")


def albums_to_enrich(*, mode: str) -> QuerySet:
    now = timezone.now()
    qs = {
        "backfill": Album.objects.filter(enriched_at__isnull=True),
        "incremental": Album.objects.filter(created_at__gte=now - NEW_WITHIN),
        "stale": Album.objects.filter(enriched_at__lt=now - STALE_AFTER),
    }[mode]
    return qs.select_related("artist").order_by("-play_count", "pk")


def artist_enrich(*, artist: Artist, providers: list[str] | None = None, force: bool = False) -> EnrichResult:
    """One artist, every provider (or those named); `force` bypasses their caches."""
    return artists_enrich(artists=[artist], providers=providers, force=force)


def album_enrich(*, album: Album, providers: list[str] | None = None, force: bool = False) -> EnrichResult:
    return albums_enrich(albums=[album], providers=providers, force=force)


def artists_enrich(*, artists: Sequence[Artist], providers: list[str] | None = None, force: bool = False,
                   on_progress: Callable[[int, int], None] | None = None) -> EnrichResult:
    """Ask every provider about `artists`, store what they found; `force` bypasses their caches."""
    return _enrich(list(artists), "artists", providers_get(providers), force=force, on_progress=on_progress)


def albums_enrich(*, albums: Sequence[Album], providers: list[str] | None = None, force: bool = False,
                  on_progress: Callable[[int, int], None] | None = None) -> EnrichResult:
    return _enrich(list(albums), "albums", providers_get(providers), force=force, on_progress=on_progress)


def _enrich(entities: list, method: str, providers: list[Provider], *, force: bool, on_progress) -> EnrichResult:
    result = EnrichResult()
    ready = []
    for provider in providers:
        available, reason = provider.is_available()
        result.providers[provider.id] = ProviderSummary(provider.id, available=available, reason=reason)
        if available:
            ready.append(provider)
    # Those that match by outside ids answer after the others, so they see the ids found this very run.
    phases = [p for p in ([p for p in ready if not p.matches_by_ids], [p for p in ready if p.matches_by_ids]) if p]
    for start in range(0, len(entities), CHUNK):
        chunk = entities[start:start + CHUNK]
        for number, phase in enumerate(phases):
            if number:
                chunk = _reloaded(chunk)
            for answer in _ask_all(phase, method, chunk, force=force):
                _record(result, answer)
        result.entities += len(chunk)
        if on_progress:
            on_progress(result.entities, len(entities))
    return result


def _record(result: EnrichResult, answer: ProviderResult) -> None:
    summary = result.providers[answer.provider]
    summary.calls += answer.calls
    summary.warnings += answer.warnings
    result.notes += answer.notes
    stored = facts_store(provider=answer.provider, drafts=answer.facts)
    summary.facts += stored.facts
    summary.warnings += stored.warnings
    result.facts += stored.facts
    result.applied += stored.applied


def _reloaded(chunk: list) -> list:
    """The same rows as stored now (with the ids the first phase found), in the same order."""
    if not chunk:
        return chunk
    fresh = type(chunk[0]).objects.select_related(*(["artist"] if isinstance(chunk[0], Album) else [])).in_bulk(
        [row.pk for row in chunk])
    return [fresh.get(row.pk, row) for row in chunk]


def _ask_all(providers: list[Provider], method: str, chunk: list, *, force: bool) -> list[ProviderResult]:
    """Every provider's answer for one chunk, concurrently when ENRICHMENT_PARALLEL (each in its thread)."""
    if not settings.ENRICHMENT_PARALLEL or len(providers) < 2:
        return [_ask(provider, method, chunk, force=force, own_thread=False) for provider in providers]
    with ThreadPoolExecutor(max_workers=len(providers), thread_name_prefix="enrich") as pool:
        futures = [pool.submit(_ask, provider, method, chunk, force=force, own_thread=True) for provider in providers]
        return [future.result() for future in futures]


def _ask(provider: Provider, method: str, chunk: list, *, force: bool, own_thread: bool) -> ProviderResult:
    try:
        return getattr(provider, method)(chunk, force=force)
    except Exception as exc:  # a provider's bug must not stop the others; it is reported
        return ProviderResult(provider.id, warnings=[f"{provider.id}: stopped on {exc.__class__.__name__}"])
    finally:
        if own_thread:
            connection.close()  # the thread's own database connection (breaker, metrics, cache)
