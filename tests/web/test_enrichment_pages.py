"""Enriched facts on the pages: a source marker beside each value, both values when sources disagree,
"Refresh" as a background job, and the settings page's coverage, staleness and last run."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from catalog.models import AlbumInfo, Artist
from core.models import Job
from enrichment import providers as registry
from enrichment.models import Fact
from enrichment.providers.base import ALBUM, ARTIST, FactDraft, Provider, ProviderResult
from enrichment.services.facts import facts_store
from enrichment.services.runs import enrich_run
from tests.factories import make_album, make_artist

pytestmark = pytest.mark.django_db


class Counting(Provider):
    """Gives every artist a popularity and every album a label fact; counts what it is asked."""

    id, service = "counting", "wikidata"

    def __init__(self):
        self.asked = []

    def artists(self, artists, *, force=False):
        self.asked.append(("artists", [a.pk for a in artists], force))
        return ProviderResult(self.id, facts=[FactDraft(ARTIST, a.pk, "popularity", 42, evidence=("counting:1",))
                                              for a in artists])

    def albums(self, albums, *, force=False):
        self.asked.append(("albums", [a.pk for a in albums], force))
        return ProviderResult(self.id, facts=[FactDraft(ALBUM, a.pk, "label", "Go! Beat") for a in albums])


@pytest.fixture
def counting(monkeypatch):
    provider = Counting()
    monkeypatch.setattr(registry, "PROVIDERS", {provider.id: provider})
    return provider


def test_an_enriched_value_has_a_source_marker_and_disagreeing_sources_both_show(owner_client):
    artist = make_artist("Portishead")
    facts_store(provider="spotify", drafts=[FactDraft(ARTIST, artist.pk, "popularity", 64, confidence=0.9,
                                                      evidence=("https://open.spotify.com/artist/6liAMWkVf5LH7YR9yfFy1Y",))])
    facts_store(provider="wikidata", drafts=[FactDraft(ARTIST, artist.pk, "popularity", 12, confidence=0.4)])
    facts_store(provider="spotify", drafts=[FactDraft(ARTIST, artist.pk, "followers", None, unavailable=True)])
    html = owner_client.get(f"/artists/{artist.pk}/").content.decode()
    assert "64 / 100" in html and 'class="source"' in html
    assert "https://open.spotify.com/artist/6liAMWkVf5LH7YR9yfFy1Y" in html and "90% sure" in html
    assert "Other sources say: 12 (wikidata)" in html
    assert "not available" in html  # followers: Spotify gives none to this app, shown as unknown, not 0


def test_profile_links_from_the_facts_show_and_only_https_ones(owner_client):
    artist = make_artist("Björk")
    facts_store(provider="wikidata", drafts=[FactDraft(ARTIST, artist.pk, "links", {
        "Bandcamp": "https://bjork.bandcamp.com/", "Evil": "javascript:alert(1)"})])
    html = owner_client.get(f"/artists/{artist.pk}/").content.decode()
    assert 'href="https://bjork.bandcamp.com/"' in html and "javascript:alert" not in html


def test_album_notes_show_their_source(owner_client):
    album = make_album("Dummy", make_artist("Portishead"))
    facts_store(provider="ai_description", drafts=[
        FactDraft(ALBUM, album.pk, "ai_description", "A record of the Bristol sound.", confidence=0.6),
        FactDraft(ALBUM, album.pk, "ai_summary", "Debut album.", confidence=0.6),
        FactDraft(ALBUM, album.pk, "ai_model", "mistral24b", confidence=0.6)])
    assert AlbumInfo.objects.get(album=album).model_used == "mistral24b"
    html = owner_client.get(f"/albums/{album.pk}/").content.decode()
    assert "A record of the Bristol sound." in html and "60% sure" in html


def test_refresh_asks_the_sources_again_in_the_background(owner_client, counting, django_capture_on_commit_callbacks):
    artist = make_artist("Air")
    with django_capture_on_commit_callbacks(execute=True):
        html = owner_client.post(f"/artists/{artist.pk}/refresh/", HTTP_HX_REQUEST="true").content.decode()
    assert 'class="job-progress' in html
    job = Job.objects.get(kind="enrichment_refresh")
    assert job.status == Job.Status.SUCCEEDED and job.result["facts"] == 1  # the test worker runs it at once
    assert counting.asked == [("artists", [artist.pk], True)]  # past the caches
    assert Artist.objects.get(pk=artist.pk).popularity == 42
    assert owner_client.post("/artists/999999/refresh/").status_code == 404
    album = make_album("Moon Safari", artist)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/albums/{album.pk}/refresh/").status_code == 302
    assert Fact.objects.get(entity_type="album", entity_id=album.pk).value == "Go! Beat"


def test_a_scheduled_run_enriches_the_newest_arrivals_and_leaves_its_summary_on_the_settings_page(
        owner_client, counting):
    old = make_artist("Old")
    Artist.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    new = make_artist("New")
    summary = enrich_run(mode="new", limit=1)
    assert counting.asked[0] == ("artists", [new.pk], False) and summary.startswith("Artists: 1 enriched")
    run = Job.objects.get(kind="enrichment_run")
    assert run.status == Job.Status.SUCCEEDED and run.result["artists"] == 1
    html = owner_client.get("/settings/").content.decode()
    assert "Enrichment" in html and "Artists enriched" in html and "1 of 2 · 50%" in html
    assert "counting</strong> — <span class=\"ok\">ready" in html and summary[:40] in html


def test_the_runs_are_scheduled_at_their_times(db):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    new = Schedule.objects.get(name="enrich new arrivals")
    weekly = Schedule.objects.get(name="enrich weekly")
    nightly = Schedule.objects.get(name="enrich stale nightly")
    assert (new.schedule_type, new.minutes) == (Schedule.MINUTES, 5)
    assert weekly.cron == "0 7 * * 0" and nightly.cron == "0 2 * * *"
    local = timezone.localtime(weekly.next_run)
    assert (local.weekday(), local.hour, local.minute) == (6, 7, 0)  # the next Sunday 07:00, not now
    assert timezone.localtime(nightly.next_run).hour == 2


def test_the_refresh_and_resume_forms_carry_their_csrf_token(owner, counting, django_capture_on_commit_callbacks):
    """The test client waives CSRF; a browser does not: each form must post its page's token."""
    import re

    from django.test import Client

    from tests.conftest import OWNER_PASSWORD

    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username=owner.username, password=OWNER_PASSWORD)
    artist = make_artist("Air")
    page = browser.get(f"/artists/{artist.pk}/").content.decode()
    form = re.search(r'<form class="enrich-refresh".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert browser.post(f"/artists/{artist.pk}/refresh/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        bar = browser.post(f"/artists/{artist.pk}/refresh/", {"csrfmiddlewaretoken": token}, HTTP_HX_REQUEST="true")
    assert bar.status_code == 200 and Job.objects.get(kind="enrichment_refresh").status == Job.Status.SUCCEEDED
    failed = Job.objects.create(kind="discogs_sync", status=Job.Status.FAILED, checkpoint={"next_page": 2})
    progress = browser.get(f"/jobs/{failed.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', progress).group(1)
    assert browser.post(f"/jobs/{failed.pk}/resume/").status_code == 403
    assert browser.post(f"/jobs/{failed.pk}/resume/", {"csrfmiddlewaretoken": token}).status_code == 302
