"""Artists enriched through the API: by Spotify link or id, read back, refreshed past the caches, in batches.

The providers are Spotify's (when it is registered) against the fake services, and a small test
provider that always answers, so the tests hold whichever other providers exist. Every client
enforces CSRF and sends a bearer token, as a script does.
"""

import pytest
from django.test import Client

from catalog.models import Artist
from core.models import ApiToken, Job
from enrichment import providers as registry
from enrichment.models import Fact
from enrichment.providers.base import ARTIST, FactDraft, Provider, ProviderResult
from enrichment.services.artist_requests import BATCH_KIND, artists_batch_queue, spotify_artist_id_parse
from enrichment.tasks import enrichment_batch_task
from tests.factories import make_artist

pytestmark = pytest.mark.django_db

RADIOHEAD = "4Z8W4fKeB5YxbusRsdQVPb"  # in tests/fixtures/apis/spotify/artists.json
PORTISHEAD = "6liAMWkVf5LH7YR9yfFy1Y"
UNKNOWN = "0000000000000000000000"  # well formed, unknown to Spotify
ENRICH = "/api/v1/enrichment/artists/enrich"
BATCH = "/api/v1/enrichment/artists/batch/enrich"
SPOTIFY_REGISTERED = "spotify" in registry.PROVIDERS


def detail_url(pk) -> str:
    return f"/api/v1/enrichment/artists/{pk}"


def refresh_url(pk) -> str:
    return f"/api/v1/enrichment/artists/{pk}/refresh"


class Echo(Provider):
    """Knows every artist's bio, and that something went wrong; remembers whom it was asked about, and how."""

    id, service = "echo", "wikidata"

    def __init__(self):
        self.asked: list[tuple[list[int], bool]] = []

    def is_available(self):
        return True, ""

    def artists(self, artists, *, force=False):
        self.asked.append(([a.pk for a in artists], force))
        return ProviderResult(self.id, calls=1, warnings=[f"echo: no label for {a.name}" for a in artists], facts=[
            FactDraft(ARTIST, a.pk, "bio", f"About {a.name}", confidence=0.5, evidence=(f"echo:/artists/{a.pk}",))
            for a in artists
        ])


@pytest.fixture
def echo(monkeypatch):
    """The registry during the test: Spotify's provider if it exists, then Echo."""
    provider = Echo()
    chosen = {name: p for name, p in registry.PROVIDERS.items() if name == "spotify"}
    monkeypatch.setattr(registry, "PROVIDERS", {**chosen, provider.id: provider})
    return provider


@pytest.fixture
def token(owner):
    return ApiToken.issue(user=owner, name="scripts")[1]


@pytest.fixture
def api(token):
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client, url, body=None):
    return client.post(url, body if body is not None else {}, content_type="application/json")


# --- validation and auth --------------------------------------------------------------------------
@pytest.mark.parametrize("body, says", [
    ({}, "Give spotify_url"),
    ({"spotify_url": "", "spotify_artist_id": " "}, "Give spotify_url"),
    ({"spotify_url": f"https://open.spotify.com/artist/{RADIOHEAD}", "spotify_artist_id": RADIOHEAD}, "not both"),
    ({"spotify_artist_id": "abc"}, "spotify_artist_id must be a Spotify artist id"),
    ({"spotify_artist_id": RADIOHEAD[:-1] + "!"}, "spotify_artist_id must be"),
    ({"spotify_artist_id": RADIOHEAD + "x"}, "spotify_artist_id must be"),
    ({"spotify_url": f"https://open.spotify.com/album/{RADIOHEAD}"}, "spotify_url must be a link like"),
    ({"spotify_url": f"http://open.spotify.com/artist/{RADIOHEAD}"}, "spotify_url must be"),
    ({"spotify_url": f"https://open.spotify.com.evil.example/artist/{RADIOHEAD}"}, "spotify_url must be"),
    ({"spotify_url": RADIOHEAD}, "spotify_url must be"),
])
def test_a_bad_spotify_reference_is_a_422_naming_the_field(api, echo, fake_services, body, says):
    response = post(api, ENRICH, body)
    assert response.status_code == 422, response.content
    assert says in response.json()["detail"]
    assert not Artist.objects.exists() and not fake_services.requests_to("spotify") and not echo.asked


@pytest.mark.parametrize("url", [
    f"https://open.spotify.com/artist/{RADIOHEAD}",
    f"https://open.spotify.com/artist/{RADIOHEAD}/",
    f"https://open.spotify.com/artist/{RADIOHEAD}?si=a1B2c3D4e5F6g7H8",
    f"https://open.spotify.com/intl-de/artist/{RADIOHEAD}?si=x",
    f"  https://open.spotify.com/intl-fr/artist/{RADIOHEAD}  ",
])
def test_the_link_forms_spotify_shares_give_the_id(url):
    assert spotify_artist_id_parse(url=url, artist_id=None) == RADIOHEAD


@pytest.mark.parametrize("method, url", [
    ("post", ENRICH), ("post", BATCH), ("get", detail_url(1)), ("post", refresh_url(1)),
])
def test_no_token_is_a_401(owner, method, url):
    response = getattr(Client(enforce_csrf_checks=True), method)(url, {}, content_type="application/json")
    assert response.status_code == 401


def test_a_session_write_still_needs_its_csrf_token(owner, echo):
    artist = make_artist("Air")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(refresh_url(artist.pk)).status_code == 403
    assert browser.get(detail_url(artist.pk)).status_code == 200 and not echo.asked
    browser.get("/settings/")  # a page sets the CSRF cookie
    with_token = browser.post(refresh_url(artist.pk), HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert with_token.status_code == 200 and len(echo.asked) == 1


# --- one artist -----------------------------------------------------------------------------------
def test_enrich_adds_the_artist_under_spotifys_name_and_answers_with_every_fact(api, echo, fake_services):
    response = post(api, ENRICH, {"spotify_url": f"https://open.spotify.com/intl-de/artist/{RADIOHEAD}?si=abc"})
    assert response.status_code == 200, response.content
    artist = Artist.objects.get(spotify_id=RADIOHEAD)
    assert artist.name == "Radiohead" and artist.enriched_at
    body = response.json()
    assert body["artist"]["id"] == artist.pk and body["artist"]["spotify_id"] == RADIOHEAD
    assert body["artist"]["bio"] == "About Radiohead" and body["artist"]["enriched_at"]
    bio = next(f for f in body["facts"] if f["field"] == "bio")
    assert bio["provider"] == "echo" and bio["value"] == "About Radiohead" and bio["confidence"] == 0.5
    assert bio["evidence"] == [f"echo:/artists/{artist.pk}"] and bio["retrieved_at"] and bio["expires_at"]
    assert len(body["facts"]) == Fact.objects.filter(entity_type=ARTIST, entity_id=artist.pk).count()
    assert "echo: no label for Radiohead" in body["warnings"]
    assert body["summary"].startswith("1 enriched")
    assert echo.asked == [([artist.pk], False)]
    if SPOTIFY_REGISTERED:
        assert (body["artist"]["followers"], body["artist"]["popularity"]) == (11873450, 81)
        followers = next(f for f in body["facts"] if f["field"] == "followers")
        assert followers["provider"] == "spotify" and followers["evidence"][0].startswith("spotify:GET /v1/artists")


def test_enrich_of_a_known_spotify_id_asks_spotify_nothing_to_find_it(api, echo, fake_services):
    artist = make_artist("Radiohead", spotify_id=RADIOHEAD)
    response = post(api, ENRICH, {"spotify_artist_id": RADIOHEAD})
    assert response.status_code == 200 and response.json()["artist"]["id"] == artist.pk
    assert Artist.objects.count() == 1 and not fake_services.requests_to("spotify", f"/artists/{RADIOHEAD}")


def test_enrich_links_the_librarys_namesake_instead_of_adding_a_twin(api, echo, fake_services):
    scrobbled = make_artist("PORTISHEAD")
    response = post(api, ENRICH, {"spotify_artist_id": PORTISHEAD})
    assert response.status_code == 200 and response.json()["artist"]["id"] == scrobbled.pk
    scrobbled.refresh_from_db()
    assert scrobbled.spotify_id == PORTISHEAD and Artist.objects.count() == 1


def test_a_namesake_that_is_another_spotify_artist_is_a_409(api, echo, fake_services):
    make_artist("Radiohead", spotify_id="1" * 22)
    response = post(api, ENRICH, {"spotify_artist_id": RADIOHEAD})
    assert response.status_code == 409 and "111" in response.json()["detail"]
    assert Artist.objects.count() == 1 and not echo.asked


def test_an_id_spotify_does_not_know_is_a_404(api, echo, fake_services):
    response = post(api, ENRICH, {"spotify_artist_id": UNKNOWN})
    assert response.status_code == 404
    assert response.json()["detail"] == f"Spotify has no artist {UNKNOWN}"
    assert not Artist.objects.exists() and not echo.asked


def test_spotify_down_is_a_503_and_adds_nothing(api, echo, fake_services, recorded_sleeps):
    fake_services.fail("spotify", status=503, times=None, path="/v1/artists")
    response = post(api, ENRICH, {"spotify_artist_id": RADIOHEAD})
    assert response.status_code == 503 and RADIOHEAD in response.json()["detail"]
    assert not Artist.objects.exists() and not echo.asked


def test_spotify_refusing_our_credentials_is_a_502(api, echo, fake_services):
    fake_services.reject_auth("spotify")
    response = post(api, ENRICH, {"spotify_artist_id": RADIOHEAD})
    assert response.status_code == 502 and "Spotify could not be asked" in response.json()["detail"]


def test_spotify_not_configured_is_a_503_naming_the_setting(api, echo, settings):
    settings.SPOTIFY_CLIENT_ID = ""
    response = post(api, ENRICH, {"spotify_artist_id": RADIOHEAD})
    assert response.status_code == 503 and "SPOTIFY_CLIENT_ID" in response.json()["detail"]


def test_get_answers_the_same_shape_and_asks_nobody(api, echo):
    artist = make_artist("Air", popularity=55)
    Fact.objects.create(entity_type=ARTIST, entity_id=artist.pk, field="popularity", value=55, provider="spotify",
                        confidence=0.9, evidence=["spotify:GET /v1/artists?ids=x"])
    Fact.objects.create(entity_type=ARTIST, entity_id=make_artist("Other").pk, field="bio", value="x", provider="echo")
    response = api.get(detail_url(artist.pk))
    assert response.status_code == 200 and not echo.asked
    body = response.json()
    assert set(body) == {"artist", "facts", "warnings", "summary"}
    assert body["warnings"] == [] and body["summary"] is None
    assert {"id", "name", "spotify_id", "popularity", "followers", "bio", "enriched_at"} <= set(body["artist"])
    assert (body["artist"]["name"], body["artist"]["popularity"]) == ("Air", 55)
    assert body["facts"] == [{"field": "popularity", "value": 55, "provider": "spotify", "confidence": 0.9,
                              "evidence": ["spotify:GET /v1/artists?ids=x"], "expires_at": None,
                              "retrieved_at": body["facts"][0]["retrieved_at"]}]


@pytest.mark.parametrize("pk", [999, 0, 2**63])
def test_an_unknown_or_impossible_artist_id_is_a_404(api, echo, pk):
    for response in (api.get(detail_url(pk)), api.post(refresh_url(pk))):
        assert response.status_code == 404 and response.json()["detail"] == f"No artist with id {pk}"
    assert not echo.asked


def test_refresh_asks_again_past_the_caches(api, echo, fake_services):
    artist = make_artist("Radiohead", spotify_id=RADIOHEAD)
    assert post(api, ENRICH, {"spotify_artist_id": RADIOHEAD}).status_code == 200
    assert post(api, ENRICH, {"spotify_artist_id": RADIOHEAD}).status_code == 200
    spotify_calls = len(fake_services.requests_to("spotify", "/artists"))
    response = api.post(refresh_url(artist.pk))
    assert response.status_code == 200 and response.json()["artist"]["id"] == artist.pk
    assert echo.asked == [([artist.pk], False), ([artist.pk], False), ([artist.pk], True)]
    if SPOTIFY_REGISTERED:  # the second enrich came from Spotify's cache, the refresh did not
        assert spotify_calls == 1 and len(fake_services.requests_to("spotify", "/artists")) == 2


# --- batches --------------------------------------------------------------------------------------
def test_a_batch_is_a_job_that_enriches_each_artist_and_reports(api, echo, django_capture_on_commit_callbacks):
    air, moloko = make_artist("Air"), make_artist("Moloko")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, BATCH, {"artist_ids": [moloko.pk, air.pk]})
    assert response.status_code == 202, response.content
    body = response.json()
    job = Job.objects.get(pk=body["job_id"])
    assert job.kind == BATCH_KIND and body["progress_url"] == f"/api/v1/jobs/{job.pk}" and body["status"]
    assert echo.asked == [([moloko.pk, air.pk], False)]  # one chunk (the batch paths), in the order asked
    progress = api.get(body["progress_url"]).json()
    assert progress["status"] == "succeeded" and (progress["done"], progress["total"]) == (2, 2)
    assert progress["result"]["artists"] == 2 and progress["result"]["facts"] >= 2
    assert {"echo: no label for Air", "echo: no label for Moloko"} <= set(progress["result"]["warnings"])
    assert progress["message"].startswith("2 enriched")
    assert Artist.objects.get(pk=air.pk).bio == "About Air"


@pytest.mark.parametrize("ids, says", [
    ([], "must list 1 to 50"),
    (list(range(1, 52)), "must list 1 to 50 artist ids, not 51"),
    ([0], "must be ids from 1 to"),
    ([2**63], "must be ids from 1 to"),
])
def test_a_batch_of_none_too_many_or_impossible_ids_is_a_422(api, echo, ids, says):
    response = post(api, BATCH, {"artist_ids": ids})
    assert response.status_code == 422 and says in response.json()["detail"]
    assert not Job.objects.exists()


def test_a_batch_with_an_id_twice_is_a_422_naming_it(api, echo):
    air = make_artist("Air")
    response = post(api, BATCH, {"artist_ids": [air.pk, air.pk]})
    assert response.status_code == 422 and response.json()["detail"] == f"artist_ids lists {air.pk} more than once."
    assert not Job.objects.exists()


def test_a_batch_naming_unknown_artists_is_a_404_naming_them(api, echo):
    air = make_artist("Air")
    response = post(api, BATCH, {"artist_ids": [air.pk, 998, 999]})
    assert response.status_code == 404 and response.json()["detail"] == "No artist with id 998, 999"
    assert not Job.objects.exists()


def test_a_batch_artist_gone_before_the_run_is_a_warning(echo):
    air, gone = make_artist("Air"), make_artist("Gone")
    job = artists_batch_queue(artist_ids=[air.pk, gone.pk])  # its task waits for a commit that never comes here
    gone_id = gone.pk
    gone.delete()
    enrichment_batch_task(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["artists"] == 1
    assert f"Artist {gone_id} is gone from the library" in job.result["warnings"]
    assert job.message.endswith("; 1 gone from the library")
    assert enrichment_batch_task(job.pk) == f"job {job.pk} is not waiting to run"  # a task delivered twice


# --- rate limit -----------------------------------------------------------------------------------
def test_the_eleventh_enrichment_call_in_a_minute_is_a_429_with_retry_after(api, echo, other_user):
    artist = make_artist("Air")
    for _ in range(10):
        assert api.post(refresh_url(artist.pk)).status_code == 200
    for refused in (api.post(refresh_url(artist.pk)), post(api, ENRICH, {"spotify_artist_id": RADIOHEAD}),
                    post(api, BATCH, {"artist_ids": [artist.pk]})):
        assert refused.status_code == 429 and "Too many enrichment requests" in refused.json()["detail"]
        assert 0 < int(refused["Retry-After"]) <= 60
    assert len(echo.asked) == 10
    assert api.get(detail_url(artist.pk)).status_code == 200  # reading is not limited
    someone_else = Client(enforce_csrf_checks=True,
                          HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=other_user, name='x')[1]}")
    assert someone_else.post(refresh_url(artist.pk)).status_code == 200  # per user


def test_the_limit_is_a_setting(api, echo, settings):
    settings.ENRICHMENT_API_RATE_LIMIT = 2
    artist = make_artist("Air")
    assert [api.post(refresh_url(artist.pk)).status_code for _ in range(3)] == [200, 200, 429]
