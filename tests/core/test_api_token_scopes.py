"""Personal API tokens end to end: made on the settings page (shown once), listed, scoped, revoked."""

import re
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.test import Client

from core.models import ApiToken
from playlists.models import Playlist
from tracker.models import Scrobble

pytestmark = pytest.mark.django_db

READ_ONLY = {"detail": "This token is read-only."}
SUBMIT = "/apis/listenbrainz/1/submit-listens"


def bearer(raw: str) -> Client:
    """An automation: a token in the header, no cookie, and Django's CSRF check enforced."""
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


def create_on_settings_page(client, *, name: str, scope: str | None = None) -> tuple[str, str]:
    data = {"action": "create_token", "name": name} | ({"scope": scope} if scope else {})
    page = client.post("/settings/", data).content.decode()
    return re.search(r'value="(mj_[^"]+)" aria-label="New API token"', page).group(1), page


def test_it_shows_a_new_token_once_then_lists_it_with_name_created_last_used_and_scope(owner_client):
    raw, page = create_on_settings_page(owner_client, name="home-dashboard", scope="read")
    token = ApiToken.objects.get(name="home-dashboard")
    assert token.token_hash == ApiToken.hash(raw) and raw not in token.token_hash
    assert token.scope == ApiToken.READ

    listed = owner_client.get("/settings/").content.decode()
    assert raw not in listed  # shown only in the answer to the form that made it
    assert "home-dashboard" in listed and f"{token.prefix}…" in listed and "Read only" in listed
    row = listed[listed.index("home-dashboard"):]
    assert "never" in row[:row.index("</tr>")]

    assert bearer(raw).get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    row = owner_client.get("/settings/").content.decode()
    row = row[row.index("home-dashboard"):]
    assert token.last_used_at.strftime("%Y") in row[:row.index("</tr>")]
    assert "never" not in row[:row.index("</tr>")]


def test_it_makes_a_read_write_token_unless_read_only_is_chosen(owner_client):
    create_on_settings_page(owner_client, name="no-scope-sent")
    create_on_settings_page(owner_client, name="forged-scope", scope="admin")
    assert set(ApiToken.objects.values_list("scope", flat=True)) == {ApiToken.WRITE}


def test_a_revoked_token_gets_401_afterwards(owner_client):
    raw, _ = create_on_settings_page(owner_client, name="phone")
    assert bearer(raw).get("/api/v1/me").status_code == 200
    token = ApiToken.objects.get(name="phone")
    owner_client.post("/settings/", {"action": "revoke_token", "token_id": token.pk})
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 401 and "detail" in response.json()


def test_nobody_else_may_revoke_my_token(owner, other_user, client):
    token, raw = ApiToken.issue(user=owner, name="mine")
    client.force_login(other_user)
    client.post("/settings/", {"action": "revoke_token", "token_id": token.pk})
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert bearer(raw).get("/api/v1/me").status_code == 200


def test_a_read_only_token_reads_but_may_not_write(owner):
    _, raw = ApiToken.issue(user=owner, name="dashboard", scope=ApiToken.READ)
    automation = bearer(raw)
    assert automation.get("/api/v1/playlists").status_code == 200

    response = automation.post("/api/v1/playlists", {"name": "Not allowed"}, content_type="application/json")
    assert response.status_code == 403 and response.json() == READ_ONLY
    response = automation.delete("/api/v1/playlists/1")
    assert response.status_code == 403 and response.json() == READ_ONLY
    assert not Playlist.objects.exists()


def test_a_read_write_token_writes_without_a_csrf_token(owner):
    _, raw = ApiToken.issue(user=owner, name="n8n", scope=ApiToken.WRITE)
    response = bearer(raw).post("/api/v1/playlists", {"name": "From n8n"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Playlist.objects.filter(name="From n8n").exists()


def test_the_command_makes_a_read_only_token(owner):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "owner", "--name", "grafana", "--read-only", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(name="grafana").scope == ApiToken.READ
    assert "read only" in err.getvalue() and raw not in err.getvalue()
    response = bearer(raw).post("/api/v1/playlists", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and response.json() == READ_ONLY

    call_command("create_api_token", "owner", "--name", "scripts", stdout=StringIO(), stderr=StringIO())
    assert ApiToken.objects.get(name="scripts").scope == ApiToken.WRITE


def test_listenbrainz_refuses_a_read_only_token_on_submit_but_validates_it(owner):
    _, raw = ApiToken.issue(user=owner, name="scrobbler", scope=ApiToken.READ)
    scrobbler = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {raw}")
    body = {"listen_type": "single", "payload": [
        {"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga"}}]}
    response = scrobbler.post(SUBMIT, data=orjson.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "error": "This token is read-only."}
    assert not Scrobble.objects.exists()
    assert scrobbler.get("/apis/listenbrainz/1/validate-token").json()["valid"] is True

    _, raw = ApiToken.issue(user=owner, name="scrobbler-rw")
    scrobbler = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {raw}")
    response = scrobbler.post(SUBMIT, data=orjson.dumps(body), content_type="application/json")
    assert response.status_code == 200 and Scrobble.objects.count() == 1


def test_the_session_still_needs_its_csrf_token_to_write(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get("/api/v1/playlists").status_code == 200
    response = browser.post("/api/v1/playlists", {"name": "No CSRF"}, content_type="application/json")
    assert response.status_code == 403
    assert not Playlist.objects.exists()
