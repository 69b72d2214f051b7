"""One outside service down (its breaker open) degrades its own facts only: the real providers of
the others still fill in through the real clients, and the artist page says which source is paused."""

import pytest
from django.conf import settings

from catalog.models import Artist
from core.resilience import breaker_state
from core.resilience.breaker import breaker_admit, breaker_record_failure
from enrichment.models import Fact
from enrichment.service import artists_enrich
from tests.factories import make_artist


def open_breaker(service: str) -> None:
    for _ in range(settings.ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD):
        breaker_record_failure(service=service, admission=breaker_admit(service=service))
    assert breaker_state(service=service).state == "open"


@pytest.mark.django_db
def test_spotify_down_lets_lastfm_fill_in_and_the_page_warns(fake_services, owner_client):
    artist = make_artist("Radiohead", spotify_id="4Z8W4fKeB5YxbusRsdQVPb")
    open_breaker("spotify")
    result = artists_enrich(artists=[artist], providers=["spotify", "lastfm"])
    artist.refresh_from_db()
    assert artist.lastfm_listeners and Fact.objects.filter(provider="lastfm", entity_id=artist.pk).exists()
    assert not Fact.objects.filter(provider="spotify").exists()
    assert any("paused" in warning.lower() or "spotify" in warning.lower() for warning in result.warnings)
    assert fake_services.requests_to("spotify") == []  # failing fast: no request to a service that is down
    html = owner_client.get(f"/artists/{artist.pk}/").content.decode()
    assert "Spotify is paused after repeated failures" in html
    assert Artist.objects.get(pk=artist.pk).enriched_at is not None


@pytest.mark.django_db
def test_the_dashboard_says_which_source_is_paused(owner_client):
    assert "is paused" not in owner_client.get("/").content.decode()
    open_breaker("lastfm")
    assert "Last.fm is paused after repeated failures" in owner_client.get("/").content.decode()
