"""The API answers the browser session or a personal bearer token, and nobody else."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import ApiToken


@pytest.mark.django_db
def test_it_refuses_an_anonymous_api_call(client):
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_it_accepts_the_browser_session(owner_client):
    response = owner_client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {"username": "owner", "is_staff": True}


@pytest.mark.django_db
def test_it_prints_a_token_once_and_accepts_it_as_bearer(client, owner):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "owner", "--name", "home-assistant", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    stored = ApiToken.objects.get(name="home-assistant")
    assert stored.token_hash != raw and raw not in stored.token_hash
    assert stored.token_hash == ApiToken.hash(raw)

    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["username"] == "owner"
    stored.refresh_from_db()
    assert stored.last_used_at is not None


@pytest.mark.django_db
def test_it_rejects_a_wrong_or_revoked_token(client, owner):
    _, raw = ApiToken.issue(user=owner, name="old")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer mj_not-a-real-token").status_code == 401
    ApiToken.objects.filter(name="old").delete()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
def test_it_refuses_a_token_for_an_unknown_user():
    with pytest.raises(CommandError, match="No active user named 'ghost'"):
        call_command("create_api_token", "ghost")


@pytest.mark.django_db
def test_the_openapi_spec_is_published(owner_client):
    response = owner_client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Music Journal API"


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_our_own_static_files(owner_client):
    html = owner_client.get("/api/v1/docs").content.decode()
    assert "static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


@pytest.mark.django_db
def test_favicon_ico_points_at_our_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
