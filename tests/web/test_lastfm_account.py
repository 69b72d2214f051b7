"""Connecting the Last.fm account for scrobbling from the settings page: Last.fm's web auth page, its
callback with a token, auth.getSession through pylast, the session key stored encrypted."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.urls import reverse

from core.clients.lastfm_user import lastfm_session_key
from core.models import ServiceAccount
from core.services.service_accounts import service_account_connect, service_account_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def lastfm(fake_services, settings):
    settings.LASTFM_AUTH_URL = f"{fake_services.base_url}/lastfm/api/auth/"
    settings.LASTFM_SESSION_KEY = ""
    return fake_services


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def connect(client) -> tuple[str, dict[str, str]]:
    """Press "Connect Last.fm", agree on Last.fm's page: the callback path and query it sends back to."""
    started = client.get(reverse("lastfm_connect"))
    assert started.status_code == 302
    auth_page = requests.get(started["Location"], allow_redirects=False, timeout=5)
    assert auth_page.status_code == 302
    back = urlsplit(auth_page.headers["Location"])
    return back.path, {key: values[0] for key, values in parse_qs(back.query).items()}


def test_it_sends_the_owner_to_lastfms_auth_page_with_a_callback_carrying_its_state(owner_client, lastfm):
    started = owner_client.get(reverse("lastfm_connect"))
    url = urlsplit(started["Location"])
    query = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{lastfm.base_url}/lastfm/api/auth/"
    assert query["api_key"] == [lastfm.credentials["lastfm_api_key"]]
    callback = urlsplit(query["cb"][0])
    assert callback.path == reverse("lastfm_callback")
    assert parse_qs(callback.query)["state"] == [owner_client.session["lastfm_auth_state"]]
    assert len(owner_client.session["lastfm_auth_state"]) >= 32


def test_the_callback_stores_the_session_key_encrypted_and_names_the_account(owner_client, lastfm):
    path, answer = connect(owner_client)
    assert path == reverse("lastfm_callback") and answer["token"] == lastfm.lastfm_user.token
    response = owner_client.get(path, answer)
    assert response.status_code == 302 and response["Location"] == f"{reverse('settings')}#lastfm-account"
    assert messages_of(response) == [
        "Last.fm connected as rj_demo: the records you log as played are scrobbled there too."]
    key = lastfm.lastfm_user.session_key
    account = ServiceAccount.objects.get(service="lastfm")
    assert account.account_name == "rj_demo" and key not in account.token_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_serviceaccount")
        assert key not in repr(cursor.fetchall())
    assert service_account_token(service="lastfm") == key == lastfm_session_key()
    [exchange] = [r for r in lastfm.requests_to("lastfm") if r.param("method") == "auth.getSession"]
    assert exchange.param("token") == lastfm.lastfm_user.token and len(exchange.param("api_sig")) == 32


def test_the_settings_page_shows_the_account_but_never_its_key(owner_client, lastfm):
    owner_client.get(*connect(owner_client))
    html = owner_client.get(reverse("settings")).content.decode()
    assert "Connected as <strong>rj_demo</strong>" in html and "logged plays are scrobbled there" in html
    assert reverse("lastfm_disconnect") in html and reverse("lastfm_connect") not in html
    assert lastfm.lastfm_user.session_key not in html
    assert ServiceAccount.objects.get().token_encrypted not in html


def test_a_callback_whose_state_is_not_the_one_sent_is_refused(owner_client, lastfm):
    path, answer = connect(owner_client)
    response = owner_client.get(path, dict(answer, state="forged-by-someone-else"))
    assert "does not belong to a connection started here" in messages_of(response)[0]
    assert not ServiceAccount.objects.exists()
    assert not [r for r in lastfm.requests_to("lastfm") if r.param("method") == "auth.getSession"]


def test_a_token_lastfm_refuses_says_so_and_stores_nothing(owner_client, lastfm):
    path, answer = connect(owner_client)
    response = owner_client.get(path, dict(answer, token="not-a-token-lastfm-gave"))
    assert messages_of(response) == ["Last.fm was not connected: Last.fm error 4: Invalid authentication token "
                                     "supplied."]
    assert not ServiceAccount.objects.exists()


def test_without_the_api_secret_it_names_the_setting_instead_of_offering_a_button(owner_client, lastfm, settings):
    settings.LASTFM_API_SECRET = ""
    html = owner_client.get(reverse("settings")).content.decode()
    assert "Scrobbling to Last.fm is not configured: set LASTFM_API_SECRET." in html
    assert reverse("lastfm_connect") not in html
    refused = owner_client.get(reverse("lastfm_connect"))
    assert messages_of(refused) == ["Scrobbling to Last.fm is not configured: set LASTFM_API_SECRET."]


def test_a_session_key_from_the_environment_wins(owner_client, lastfm, settings):
    service_account_connect(service="lastfm", account_name="rj_demo", refresh_token="stored-key")
    settings.LASTFM_SESSION_KEY = "environment-key"
    assert lastfm_session_key() == "environment-key"
    html = owner_client.get(reverse("settings")).content.decode()
    assert "Connected through <code>LASTFM_SESSION_KEY</code>" in html and "environment-key" not in html
    response = owner_client.post(reverse("lastfm_disconnect"))
    assert messages_of(response) == ["Last.fm disconnected for scrobbling. LASTFM_SESSION_KEY is still set: logged "
                                     "plays keep going to that account."]
    assert not ServiceAccount.objects.exists()


def test_it_disconnects(owner_client, lastfm):
    service_account_connect(service="lastfm", account_name="rj_demo", refresh_token="some-session-key")
    response = owner_client.post(reverse("lastfm_disconnect"))
    assert messages_of(response) == ["Last.fm disconnected for scrobbling."] and not ServiceAccount.objects.exists()
    assert reverse("lastfm_connect") in owner_client.get(reverse("settings")).content.decode()


def test_only_the_owner_connects(client, other_user, lastfm):
    client.force_login(other_user)
    assert client.get(reverse("lastfm_connect")).status_code == 403
    assert client.get(reverse("lastfm_callback"), {"token": "x", "state": "y"}).status_code == 403
    assert client.post(reverse("lastfm_disconnect")).status_code == 403
    assert reverse("lastfm_connect") not in client.get(reverse("settings")).content.decode()
