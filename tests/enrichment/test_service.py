"""Enrichment's backbone: facts with their evidence, the chosen value on the row, providers isolated.

The providers here are small test providers (the real ones have their own tests against the
fake services); what is tested is what the service and the facts store do with any provider.
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Artist, ArtistSimilar, ArtistTag, Image, Tag
from enrichment import providers as registry
from enrichment.models import Fact
from enrichment.providers.base import ARTIST, FactDraft, Provider, ProviderResult
from enrichment.service import artists_enrich, artists_to_enrich
from enrichment.services.facts import fact_chosen
from tests.factories import make_artist

pytestmark = pytest.mark.django_db


class Answering(Provider):
    """Says the same facts about every artist it is asked about."""

    def __init__(self, id, facts, *, available=(True, "")):
        self.id, self.service, self.facts, self.available, self.asked = id, "wikidata", facts, available, []

    def is_available(self):
        return self.available

    def artists(self, artists, *, force=False):
        self.asked.append([a.pk for a in artists])
        return ProviderResult(self.id, calls=1, facts=[
            FactDraft(ARTIST, a.pk, name, value, confidence=confidence, evidence=(f"{self.id}:/artists/{a.pk}",),
                      unavailable=value is None)
            for a in artists for name, value, confidence in self.facts
        ])


class Broken(Provider):
    id, service = "broken", "wikidata"

    def artists(self, artists, *, force=False):
        raise KeyError("a bug in a provider")


@pytest.fixture
def providers(monkeypatch):
    """Replace the registry with the test's providers, in the order given."""
    def install(*items):
        monkeypatch.setattr(registry, "PROVIDERS", {p.id: p for p in items})
        return items
    return install


def test_facts_are_stored_with_their_evidence_and_the_values_copied_onto_the_row(providers):
    providers(Answering("first", [("popularity", 61, 1.0), ("bio", "A <b>band</b>\x00 from Bristol", 1.0),
                                  ("links", {"bandcamp": "https://x.bandcamp.com/"}, 1.0)]))
    artist = make_artist("Portishead")
    result = artists_enrich(artists=[artist])
    artist.refresh_from_db()
    assert (artist.popularity, artist.bio) == (61, "A <b>band</b> from Bristol") and artist.enriched_at
    fact = Fact.objects.get(entity_id=artist.pk, field="popularity")
    assert fact.provider == "first" and fact.evidence == [f"first:/artists/{artist.pk}"] and fact.expires_at
    assert Fact.objects.get(entity_id=artist.pk, field="links").value == {"bandcamp": "https://x.bandcamp.com/"}
    assert result.facts == 3 and result.entities == 1 and result.summary().startswith("1 enriched, 3 facts")


def test_when_sources_disagree_both_are_kept_and_the_surest_is_shown(providers):
    providers(Answering("first", [("popularity", 40, 0.6)]), Answering("second", [("popularity", 70, 0.9)]))
    artist = make_artist("Air")
    artists_enrich(artists=[artist])
    artist.refresh_from_db()
    facts = list(Fact.objects.filter(entity_id=artist.pk, field="popularity"))
    assert {(f.provider, f.value) for f in facts} == {("first", 40), ("second", 70)}
    assert artist.popularity == 70 and fact_chosen(facts).provider == "second"


def test_an_unavailable_field_is_recorded_as_unknown_never_as_zero(providers):
    providers(Answering("first", [("followers", None, 1.0)]))
    artist = make_artist("Björk")
    artists_enrich(artists=[artist])
    artist.refresh_from_db()
    fact = Fact.objects.get(entity_id=artist.pk, field="followers")
    assert fact.value is None and "unavailable" in fact.evidence and artist.followers is None


def test_relations_replace_only_their_own_providers_rows(providers):
    other = make_artist("Massive Attack")
    artist = make_artist("Portishead")
    ArtistTag.objects.create(artist=artist, tag=Tag.objects.create(name="Trip Hop", name_key="trip hop"),
                             source="discogs", weight=100)
    providers(Answering("first", [("tags", [["trip-hop", 100], ["Bristol", 40]], 1.0),
                                  ("similar", [["Massive Attack", 0.9], ["Not In The Library", 0.8]], 1.0),
                                  ("images", [{"url": "https://i.scdn.co/image/small", "width": 64},
                                              {"url": "https://i.scdn.co/image/big", "width": 640},
                                              {"url": "javascript:alert(1)", "width": 999}], 1.0)]))
    artists_enrich(artists=[artist])
    artists_enrich(artists=[artist])  # twice: still one row each
    assert sorted(ArtistTag.objects.filter(artist=artist).values_list("source", "weight")) == [
        ("discogs", 100), ("first", 40), ("first", 100)]
    assert list(ArtistSimilar.objects.filter(artist=artist).values_list("similar_id", flat=True)) == [other.pk]
    assert Image.objects.filter(artist=artist).count() == 2  # the javascript: URL is not an image
    artist.refresh_from_db()
    assert artist.image_url == "https://i.scdn.co/image/big"


def test_an_id_another_artist_holds_is_kept_as_a_fact_not_forced_onto_the_row(providers):
    make_artist("Air", spotify_id="5Hk1_taken_id")
    artist = make_artist("AIR (French band)")
    providers(Answering("first", [("spotify_id", "5Hk1_taken_id", 1.0), ("popularity", 55, 1.0)]))
    result = artists_enrich(artists=[artist])
    artist.refresh_from_db()
    assert artist.spotify_id is None and artist.enriched_at and "clash" in result.warnings[0]


def test_one_failing_or_unconfigured_provider_never_stops_the_others(providers):
    working = Answering("working", [("popularity", 12, 1.0)])
    idle = Answering("idle", [("bio", "never asked", 1.0)], available=(False, "Idle is not configured: set IDLE_KEY"))
    providers(Broken(), idle, working)
    artist = make_artist("Sigur Rós")
    result = artists_enrich(artists=[artist])
    artist.refresh_from_db()
    assert artist.popularity == 12 and idle.asked == []
    assert result.warnings == ["broken: stopped on KeyError"]
    assert "not configured: idle" in result.summary()


def test_artists_are_asked_about_in_chunks_of_fifty(providers):
    provider, = providers(Answering("first", [("popularity", 1, 1.0)]))
    artists = [make_artist(f"Band {n}") for n in range(120)]
    artists_enrich(artists=artists)
    assert [len(chunk) for chunk in provider.asked] == [50, 50, 20]


def test_modes_choose_never_enriched_new_or_stale_artists():
    from datetime import timedelta

    from django.utils import timezone

    never = make_artist("Never")
    fresh = make_artist("Fresh")
    stale = make_artist("Stale")
    Artist.objects.filter(pk=fresh.pk).update(enriched_at=timezone.now())
    Artist.objects.filter(pk=stale.pk).update(enriched_at=timezone.now() - timedelta(days=100),
                                              created_at=timezone.now() - timedelta(days=400))
    assert set(artists_to_enrich(mode="backfill")) == {never}
    assert stale not in set(artists_to_enrich(mode="incremental"))
    assert set(artists_to_enrich(mode="stale")) == {stale}


def test_a_dry_run_asks_nothing_and_writes_nothing(providers, capsys):
    provider, = providers(Answering("first", [("popularity", 1, 1.0)]))
    make_artist("Boards of Canada")
    with CaptureQueriesContext(connection) as queries:
        call_command("enrich", "--dry-run")
    out = capsys.readouterr().out
    assert "first: would ask about 1 artists" in out and "Boards of Canada" in out and "nothing was asked" in out
    assert provider.asked == [] and not Fact.objects.exists()
    assert all(q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE")) for q in queries)


def test_the_command_enriches_and_ends_with_a_summary(providers, capsys):
    providers(Answering("first", [("popularity", 33, 1.0)]))
    make_artist("Boards of Canada")
    call_command("enrich", "--mode", "backfill", "--provider", "first")
    assert "Artists: 1 enriched, 1 facts (first 1)" in capsys.readouterr().out
    assert Artist.objects.get().popularity == 33
    with pytest.raises(CommandError, match="unknown provider nope; known: first"):
        call_command("enrich", "--provider", "nope")


@pytest.mark.django_db(transaction=True)
def test_providers_answer_concurrently_each_in_its_thread(providers, settings):
    import threading

    both_asking = threading.Barrier(2, timeout=5)  # only met if the two providers run at the same time

    class Waiting(Answering):
        def artists(self, artists, *, force=False):
            both_asking.wait()
            return super().artists(artists, force=force)

    settings.ENRICHMENT_PARALLEL = True
    providers(Waiting("first", [("popularity", 5, 1.0)]), Waiting("second", [("bio", "x", 1.0)]))
    artist = make_artist("Autechre")
    result = artists_enrich(artists=[artist])
    artist.refresh_from_db()
    assert result.warnings == [] and (artist.popularity, artist.bio) == (5, "x")


def test_providers_that_match_by_an_outside_id_see_the_ids_found_in_the_same_run(providers):
    class Finder(Answering):
        pass

    class Matcher(Answering):
        matches_by_ids = True

        def artists(self, artists, *, force=False):
            self.seen = [a.spotify_id for a in artists]
            return ProviderResult(self.id, facts=[FactDraft(ARTIST, a.pk, "monthly_listeners", 1000)
                                                  for a in artists if a.spotify_id])

    matcher = Matcher("matcher", [])
    providers(matcher, Finder("finder", [("spotify_id", "4Z8W4fKeB5YxbusRsdQVPb", 1.0)]))
    artist = make_artist("Radiohead")
    artists_enrich(artists=[artist])
    artist.refresh_from_db()
    assert matcher.seen == ["4Z8W4fKeB5YxbusRsdQVPb"] and artist.monthly_listeners == 1000
