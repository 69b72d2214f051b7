"""Connecting the Spotify account from the settings page, and the playlist's "Export to Spotify" button."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from core.models import ServiceAccount
from core.services.service_accounts import service_account_connect, service_account_token
from tests.playlists.test_spotify_export import REDIRECT_URL, library_playlist

pytestmark = pytest.mark.django_db


@pytest.fixture
def spotify(fake_services, settings):
    settings.SPOTIFY_REDIRECT_URL = REDIRECT_URL
    settings.SPOTIFY_REFRESH_TOKEN = ""
    return fake_services


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def connect(client) -> dict[str, str]:
    """Press "Connect Spotify", agree on Spotify's login page: the query Spotify sends back."""
    started = client.get(reverse("spotify_connect"))
    assert started.status_code == 302
    login_page = requests.get(started["Location"], allow_redirects=False, timeout=5)
    assert login_page.status_code == 303
    back = urlsplit(login_page.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URL
    return {key: values[0] for key, values in parse_qs(back.query).items()}


def connect_and_return(client):
    return client.get(reverse("spotify_callback"), connect(client))


class TestConnect:
    def test_it_sends_the_owner_to_spotifys_login_page_for_the_export_scope(self, owner_client, spotify):
        started = owner_client.get(reverse("spotify_connect"))
        url = urlsplit(started["Location"])
        query = parse_qs(url.query)
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{spotify.base_url}/spotify/authorize"
        assert query["client_id"] == [spotify.credentials["spotify_client_id"]]
        assert query["redirect_uri"] == [REDIRECT_URL] and query["response_type"] == ["code"]
        assert query["scope"] == ["playlist-modify-private"]
        assert query["state"] == [owner_client.session["spotify_oauth_state"]] and len(query["state"][0]) >= 32

    def test_it_stores_the_refresh_token_encrypted_and_names_the_account(self, owner_client, spotify):
        answer = connect_and_return(owner_client)
        assert answer.status_code == 302 and answer["Location"] == f"{reverse('settings')}#spotify"
        assert messages_of(answer) == ["Spotify connected as RJ Demo: playlists can be exported to it."]
        refresh_token = spotify.spotify_user.refresh_token
        account = ServiceAccount.objects.get(service="spotify")
        assert account.account_name == "RJ Demo" and refresh_token not in account.token_encrypted
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM core_serviceaccount")
            assert refresh_token not in repr(cursor.fetchall())  # not in the database as plain text
        assert service_account_token(service="spotify") == refresh_token
        [exchange] = [r for r in spotify.requests_to("spotify", "/api/token")
                      if r.param("grant_type") == "authorization_code"]
        assert exchange.param("code") == spotify.spotify_user.code and exchange.param("redirect_uri") == REDIRECT_URL

    def test_the_settings_page_shows_the_account_but_never_its_token(self, owner_client, spotify):
        connect_and_return(owner_client)
        html = owner_client.get(reverse("settings")).content.decode()
        assert "Connected as <strong>RJ Demo</strong>" in html
        assert reverse("spotify_disconnect") in html and reverse("spotify_connect") not in html
        assert spotify.spotify_user.refresh_token not in html
        assert ServiceAccount.objects.get().token_encrypted not in html

    def test_it_refuses_an_answer_whose_state_is_not_the_one_sent(self, owner_client, spotify):
        answer = dict(connect(owner_client), state="forged-by-someone-else")
        response = owner_client.get(reverse("spotify_callback"), answer)
        assert "does not belong to a connection started here" in messages_of(response)[0]
        assert not ServiceAccount.objects.exists()
        assert not [r for r in spotify.requests_to("spotify", "/api/token")
                    if r.param("grant_type") == "authorization_code"]

    def test_a_state_serves_once(self, owner_client, spotify):
        answer = connect(owner_client)
        owner_client.get(reverse("spotify_callback"), answer)
        ServiceAccount.objects.all().delete()
        replayed = owner_client.get(reverse("spotify_callback"), answer)
        assert "does not belong to a connection started here" in messages_of(replayed)[-1]
        assert not ServiceAccount.objects.exists()

    def test_a_refused_login_says_so_and_stores_nothing(self, owner_client, spotify):
        spotify.spotify_user.deny = True
        response = connect_and_return(owner_client)
        assert messages_of(response) == ["Spotify was not connected: access was not granted."]
        assert not ServiceAccount.objects.exists()

    def test_a_code_spotify_refuses_says_so_and_stores_nothing(self, owner_client, spotify):
        answer = dict(connect(owner_client), code="a-code-spotify-never-gave")
        response = owner_client.get(reverse("spotify_callback"), answer)
        assert messages_of(response) == ["Spotify was not connected: token request refused (invalid_grant)."]
        assert not ServiceAccount.objects.exists()

    def test_it_disconnects(self, owner_client, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo", refresh_token="AQC-some-token")
        response = owner_client.post(reverse("spotify_disconnect"))
        assert messages_of(response) == ["Spotify disconnected."] and not ServiceAccount.objects.exists()
        html = owner_client.get(reverse("settings")).content.decode()
        assert reverse("spotify_connect") in html and "Connected as" not in html

    def test_without_a_redirect_url_it_names_the_setting_instead_of_offering_a_button(self, owner_client, spotify,
                                                                                      settings):
        settings.SPOTIFY_REDIRECT_URL = ""
        html = owner_client.get(reverse("settings")).content.decode()
        assert "Export to Spotify is not configured: set SPOTIFY_REDIRECT_URL." in html
        assert reverse("spotify_connect") not in html
        refused = owner_client.get(reverse("spotify_connect"))
        assert messages_of(refused) == ["Export to Spotify is not configured: set SPOTIFY_REDIRECT_URL."]
        assert not spotify.requests_to("spotify")

    def test_a_token_stored_under_another_secret_key_asks_to_connect_again(self, owner_client, owner, spotify,
                                                                            settings):
        service_account_connect(service="spotify", account_name="RJ Demo", refresh_token="AQC-some-token")
        settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789"
        owner_client.force_login(owner)  # the new key ended the session too
        html = owner_client.get(reverse("settings")).content.decode()
        assert "no longer opens (SECRET_KEY changed): connect the account again" in html
        assert reverse("spotify_connect") in html

    def test_someone_who_is_not_the_owner_can_neither_connect_nor_disconnect(self, client, other_user, spotify):
        client.force_login(other_user)
        assert client.get(reverse("spotify_connect")).status_code == 403
        assert client.post(reverse("spotify_disconnect")).status_code == 403
        assert client.get(reverse("spotify_callback"), {"state": "x", "code": "y"}).status_code == 403
        assert reverse("spotify_connect") not in client.get(reverse("settings")).content.decode()


def export_partial(playlist, user) -> str:
    request = RequestFactory().get("/playlists/")
    request.user = user
    return render_to_string("playlists/partials/spotify_export.html", {"playlist": playlist}, request=request)


class TestExportButton:
    def test_it_exports_and_answers_the_link_the_count_and_the_tracks_left_out(self, owner_client, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo",
                                refresh_token=spotify.spotify_user.refresh_token)
        playlist = library_playlist()
        response = owner_client.post(reverse("playlist_spotify_export", args=[playlist.pk]), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        [spotify_id] = spotify.spotify_user.playlists
        assert response.status_code == 200 and "<html" not in html
        assert f'href="https://open.spotify.com/playlist/{spotify_id}"' in html
        assert "4 of 5 tracks matched" in html
        assert "A Song Nobody Pressed" in html and "The Unknowns (2)" in html

    def test_without_javascript_it_goes_back_to_the_playlist_with_a_summary(self, owner_client, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo",
                                refresh_token=spotify.spotify_user.refresh_token)
        playlist = library_playlist()
        response = owner_client.post(reverse("playlist_spotify_export", args=[playlist.pk]))
        [spotify_id] = spotify.spotify_user.playlists
        assert response.status_code == 302 and response["Location"] == playlist.get_absolute_url()
        assert messages_of(response) == [f"Exported to Spotify (https://open.spotify.com/playlist/{spotify_id}): "
                                         "4 of 5 tracks matched, 1 not found."]

    def test_the_partial_shows_the_button_once_the_account_is_connected(self, owner, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo", refresh_token="AQC-some-token")
        playlist = library_playlist()
        html = export_partial(playlist, owner)
        assert f'hx-post="{reverse("playlist_spotify_export", args=[playlist.pk])}"' in html
        assert f'hx-target="#spotify-export-result-{playlist.pk}"' in html
        assert f'id="spotify-export-result-{playlist.pk}"' in html and "Export to Spotify</button>" in html

    def test_without_configuration_the_partial_explains_in_one_line_and_has_no_button(self, owner, settings):
        settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = settings.SPOTIFY_REDIRECT_URL = ""
        html = export_partial(library_playlist(), owner)
        assert "<button" not in html and "hx-post" not in html
        [line] = [line for line in html.splitlines() if 'data-spotify-export="unavailable"' in line]
        assert ("Export to Spotify is not configured: set SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and "
                "SPOTIFY_REDIRECT_URL.") in line
        assert f'href="{reverse("settings")}#spotify"' in line

    def test_configured_but_not_connected_the_partial_says_to_connect(self, owner, spotify):
        html = export_partial(library_playlist(), owner)
        assert "<button" not in html and "connect it on the settings page" in html

    def test_a_failed_export_answers_an_alert_the_page_can_swap_in(self, owner_client, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo", refresh_token="AQC-revoked")
        playlist = library_playlist()
        response = owner_client.post(reverse("playlist_spotify_export", args=[playlist.pk]), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and 'role="alert"' in html
        assert "Spotify refused the saved connection" in html and "connect the account again" in html
        assert not spotify.spotify_user.playlists

    def test_someone_who_is_not_the_owner_cannot_export(self, client, other_user, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo",
                                refresh_token=spotify.spotify_user.refresh_token)
        client.force_login(other_user)
        playlist = library_playlist()
        assert client.post(reverse("playlist_spotify_export", args=[playlist.pk])).status_code == 403
        assert not spotify.spotify_user.playlists
        html = export_partial(playlist, other_user)
        assert "<button" not in html and "Only the owner" in html

    def test_an_unknown_playlist_is_404(self, owner_client, spotify):
        assert owner_client.post(reverse("playlist_spotify_export", args=[999_999])).status_code == 404
