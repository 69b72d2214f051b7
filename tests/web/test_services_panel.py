"""The settings page's services panel, its test-connection button and /api/v1/enrichment/metrics."""

import pytest
from django.core.cache import cache
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse

from core.clients.wikidata import wikidata_ask
from core.models import ApiToken, ServiceMetric
from core.resilience.services import SERVICES

SECRET_NAMES = ("LASTFM_API_KEY", "LASTFM_API_SECRET", "SPOTIFY_CLIENT_SECRET", "DISCOGS_TOKEN", "APIFY_TOKEN",
                "AI_API_KEY")


def render_panel() -> str:
    request = RequestFactory().get("/settings/")
    return Template("{% load services %}{% services_panel %}").render(RequestContext(request))


def test_it_shows_not_configured_and_the_missing_variable_names(db, settings):
    for name in ("LASTFM_API_KEY", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "DISCOGS_TOKEN", "APIFY_TOKEN",
                 "AI_API_KEY"):
        setattr(settings, name, "")
    html = render_panel()
    assert html.count("not configured") == 5
    assert "set LASTFM_API_KEY" in html and "set DISCOGS_TOKEN" in html and "set AI_API_KEY" in html
    assert 'id="service-wikidata"' in html


def test_it_shows_figures_and_breaker_state_of_each_service(fake_services, recorded_sleeps):
    fake_services.fail("wikidata", status=503, times=1)
    wikidata_ask(query="ASK {}")
    html = render_panel()
    row = html.split('id="service-wikidata"')[1].split("</tr>")[0]
    assert "100%" in row and "ms" in row and "closed" in row and "never" not in row
    for service in SERVICES:
        assert f'hx-post="/settings/services/{service}/test/"' in html
    assert html.count("csrfmiddlewaretoken") == len(SERVICES)  # the forms also work without htmx


def test_it_never_shows_a_secret_value(fake_services, owner_client, settings):
    html = render_panel() + owner_client.get("/settings/").content.decode()
    for service in SERVICES:
        html += owner_client.post(f"/settings/services/{service}/test/", HTTP_HX_REQUEST="true").content.decode()
    html += owner_client.get("/api/v1/enrichment/metrics").content.decode()
    for name in SECRET_NAMES:
        assert getattr(settings, name) not in html


def test_it_renders_with_garbage_in_the_cache(fake_services, owner_client):
    cache.set("mj:breaker:spotify:opened", object.__name__)
    cache.set("mj:breaker:spotify:failures", "many")
    assert "Spotify" in render_panel()
    assert owner_client.get("/settings/").status_code == 200


@pytest.mark.parametrize("service, expected", [
    ("lastfm", "Last.fm: user `rj_demo` found, 41,203 scrobbles"),
    ("spotify", "Spotify: token granted, search works"),
    ("discogs", "Discogs: token works for `rj_demo`, 5 records in the collection"),
    ("wikidata", "Wikidata: SPARQL endpoint answered"),
    ("apify", "Apify (monthly listeners): token works for account `rj_demo`"),
    ("ai", "AI notes: endpoint answered, model `mistral24b` is available"),
])
def test_it_answers_test_connection_in_plain_words(fake_services, owner_client, service, expected):
    response = owner_client.post(reverse("service_test", args=[service]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert expected in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"').replace("&#96;", "`")
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize("service, expected", [
    ("lastfm", "Last.fm: API key rejected — check LASTFM_API_KEY"),
    ("discogs", "Discogs: token rejected — check DISCOGS_TOKEN"),
    ("apify", "token rejected — check APIFY_TOKEN"),
    ("ai", "AI notes: API key rejected — check AI_API_KEY"),
])
def test_it_names_the_variable_to_check_when_credentials_are_refused(fake_services, owner_client, service, expected):
    fake_services.reject_auth(service)
    body = owner_client.post(reverse("service_test", args=[service]), HTTP_HX_REQUEST="true").content.decode()
    assert expected in body


def test_it_says_not_configured_instead_of_failing(fake_services, owner_client, settings):
    settings.APIFY_TOKEN = ""
    body = owner_client.post(reverse("service_test", args=["apify"]), HTTP_HX_REQUEST="true").content.decode()
    assert "not configured — set APIFY_TOKEN" in body
    assert fake_services.requests_to("apify") == []


def test_it_explains_an_unreachable_service(fake_services, owner_client):
    fake_services.fail("wikidata", status=503, times=None)
    body = owner_client.post(reverse("service_test", args=["wikidata"]), HTTP_HX_REQUEST="true").content.decode()
    assert "unreachable or failing" in body and "WIKIDATA_SPARQL_URL" in body


def test_it_serves_a_full_page_without_htmx(fake_services, owner_client):
    response = owner_client.post(reverse("service_test", args=["wikidata"]))
    assert response.status_code == 200 and "<html" in response.content.decode()
    assert "Back to settings" in response.content.decode()


def test_it_keeps_test_connection_from_visitors_and_get(fake_services, owner_client, other_user):
    anonymous = Client()
    assert anonymous.post(reverse("service_test", args=["lastfm"])).status_code == 302
    visitor = Client()
    visitor.force_login(other_user)
    assert visitor.post(reverse("service_test", args=["lastfm"])).status_code == 403
    assert owner_client.get(reverse("service_test", args=["lastfm"])).status_code == 405
    assert owner_client.post("/settings/services/myspace/test/").status_code == 404
    assert fake_services.requests_to("lastfm") == []


def test_it_serves_the_same_figures_through_the_api(fake_services, owner, client, recorded_sleeps):
    fake_services.fail("wikidata", status=503, times=1)
    wikidata_ask(query="ASK {}")
    _, raw = ApiToken.issue(user=owner)
    response = client.get("/api/v1/enrichment/metrics", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    by_service = {row["service"]: row for row in response.json()["services"]}
    assert set(by_service) == set(SERVICES)
    stored = ServiceMetric.objects.get(service="wikidata")
    wikidata = by_service["wikidata"]
    assert (wikidata["requests"], wikidata["retries"], wikidata["successes"]) == (stored.requests, 1, 1)
    assert wikidata["success_rate"] == 1.0 and wikidata["breaker"]["state"] == "closed"
    assert by_service["lastfm"]["configured"] is True


def test_it_refuses_metrics_without_authentication(db, client):
    assert client.get("/api/v1/enrichment/metrics").status_code == 401


def test_it_renders_every_page_without_any_credential(owner_client, settings):
    from web.context_processors import NAVIGATION

    for name in ("LASTFM_API_KEY", "LASTFM_USERNAME", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "DISCOGS_TOKEN",
                 "DISCOGS_USERNAME", "APIFY_TOKEN", "AI_API_KEY"):
        setattr(settings, name, "")
    for url_name, _label in NAVIGATION:
        assert owner_client.get(reverse(url_name)).status_code == 200, url_name
    page = owner_client.get(reverse("settings")).content.decode()
    assert "not configured" in page and "set LASTFM_API_KEY, LASTFM_USERNAME" in page
    assert owner_client.get("/api/v1/enrichment/metrics").status_code == 200
