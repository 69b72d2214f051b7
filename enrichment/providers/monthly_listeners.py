"""Spotify monthly listeners, which Spotify's API does not give, from an Apify actor run.

One synchronous run per up to 50 artists with a Spotify id (the client layer runs at most five
at once). A run over 300 s answers 408: the batch is then split in halves, each tried once,
down to single artists, instead of repeating a run that already took too long — so the run
is made without the resilience layer's retries (they would repeat it, and trip the breaker).
"""

from __future__ import annotations

from django.conf import settings

from catalog.models import Artist
from core.clients.apify import apify_monthly_listeners
from core.resilience import ServiceError
from enrichment.providers import provider_register
from enrichment.providers.base import ARTIST, FactDraft, Provider, ProviderResult

RUN_TIMEOUT = 408  # Apify's answer to a synchronous run longer than 300 s


class MonthlyListenersProvider(Provider):
    id = "monthly_listeners"
    service = "apify"
    batch_size = 50
    matches_by_ids = True  # by Spotify ids, found by the providers that answer first

    def artists(self, artists: list[Artist], *, force: bool = False) -> ProviderResult:
        result = ProviderResult(self.id)
        with_id = [a for a in artists if a.spotify_id]
        if len(with_id) < len(artists):
            result.notes.append(f"Monthly listeners: {len(artists) - len(with_id)} artist(s) without a Spotify id "
                                "skipped")
        for start in range(0, len(with_id), self.batch_size):
            self._run(with_id[start:start + self.batch_size], result, force=force)
        return result

    def _run(self, artists: list[Artist], result: ProviderResult, *, force: bool) -> None:
        try:
            result.calls += 1
            found = apify_monthly_listeners(spotify_ids=[a.spotify_id for a in artists], force_refresh=force,
                                            retries=0)
        except ServiceError as error:
            if error.status == RUN_TIMEOUT and len(artists) > 1:
                half = (len(artists) + 1) // 2
                self._run(artists[:half], result, force=force)
                self._run(artists[half:], result, force=force)
            else:
                result.warnings.append(f"Apify: monthly listeners of {len(artists)} artist(s) not read: {error}")
            return
        evidence = f"apify:POST /v2/acts/{settings.APIFY_ACTOR}/run-sync-get-dataset-items"
        missing = []
        for artist in artists:
            listeners = found.get(artist.spotify_id)
            if listeners is None or listeners < 0:
                missing.append(artist.name)
                continue
            result.facts.append(FactDraft(ARTIST, artist.pk, "monthly_listeners", listeners, confidence=1.0,
                                          evidence=(evidence, f"https://open.spotify.com/artist/{artist.spotify_id}"),
                                          kind="monthly_listeners"))
        if missing:
            result.notes.append(f"Monthly listeners: none found for {', '.join(missing)}")


provider_register(MonthlyListenersProvider())
