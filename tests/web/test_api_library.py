"""GET /api/v1/artists/{id}, albums/{id}, tracks/{id}: play figures, owned copies, enrichment facts,
404s and authentication (bearer token, session, nobody)."""

from datetime import timedelta

import pytest
from django.test import Client

from core.models import ApiToken
from enrichment.models import Fact
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    portishead = make_artist("Portishead")
    dummy = make_album("Dummy", portishead, year=1994)
    vinyl = make_album("Dummy (Vinyl)", portishead, year=2014, format="Vinyl", discogs_release_id=11,
                       listened_album=dummy)
    make_copy(vinyl, instance_id=501, folder_name="Trip hop", rating=5)
    roads = make_track("Roads", dummy, duration_ms=305_000)
    start = utc(2024, 5, 1, 20)
    make_scrobble(roads, start, ms_played=300_000)
    make_scrobble(roads, start + timedelta(days=2), loved=True)
    make_scrobble(make_track("Glory Box", dummy), start + timedelta(minutes=6))
    Fact.objects.create(entity_type="artist", entity_id=portishead.pk, field="genres", value=["trip hop"],
                        provider="lastfm", confidence=0.8, evidence=["https://last.fm/music/Portishead"])
    Fact.objects.create(entity_type="artist", entity_id=portishead.pk, field="genres", value=["bristol"],
                        provider="spotify", confidence=0.9, evidence=["spotify:artist:6liAMWkVf5LH7YR9yfFy1Y"])
    return {"artist": portishead, "dummy": dummy, "vinyl": vinyl, "roads": roads, "start": start}


@pytest.fixture
def bearer(owner):
    _token, raw = ApiToken.issue(user=owner, name="automation")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_it_answers_an_artist_with_figures_copies_and_facts(bearer, library):
    response = bearer.get(f"/api/v1/artists/{library['artist'].pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Portishead" and body["url"] == f"/artists/{library['artist'].pk}/"
    assert body["plays"]["plays"] == 3 and body["plays"]["ms_played"] == 300_000 and body["plays"]["ms_plays"] == 1
    assert body["plays"]["first_played_at"].startswith("2024-05-01T20:00:00")
    assert [(c["discogs_instance_id"], c["album"]["name"], c["rating"]) for c in body["copies"]] == [
        (501, "Dummy (Vinyl)", 5)]
    facts = {(f["provider"], f["field"]): f for f in body["facts"]}
    assert facts[("lastfm", "genres")]["evidence"] == ["https://last.fm/music/Portishead"]
    assert facts[("lastfm", "genres")]["confidence"] == 0.8 and facts[("lastfm", "genres")]["retrieved_at"]
    assert sum(f["chosen"] for f in body["facts"]) == 1  # one value chosen per field


def test_it_answers_an_edition_with_its_listened_albums_plays_and_its_copy(bearer, library):
    body = bearer.get(f"/api/v1/albums/{library['vinyl'].pk}").json()
    assert body["listened_album"] == {"id": library["dummy"].pk, "name": "Dummy"}
    assert body["plays"]["plays"] == 3 and body["format"] == "Vinyl"
    assert [c["album"]["id"] for c in body["copies"]] == [library["vinyl"].pk]
    listened = bearer.get(f"/api/v1/albums/{library['dummy'].pk}").json()
    assert [c["album"]["id"] for c in listened["copies"]] == [library["vinyl"].pk]  # its owned edition's copy


def test_it_answers_a_track_with_its_albums_loved_and_copies(bearer, library):
    body = bearer.get(f"/api/v1/tracks/{library['roads'].pk}").json()
    assert body["title"] == "Roads" and body["artist"]["name"] == "Portishead" and body["loved"] is True
    assert body["plays"]["plays"] == 2 and body["url"] == f"/tracks/{library['roads'].pk}/"
    assert body["albums"] == [{"track_id": library["roads"].pk, "album": {"id": library["dummy"].pk, "name": "Dummy"},
                               "plays": 2, "owned": True}]
    assert [c["discogs_instance_id"] for c in body["copies"]] == [501]
    assert body["facts"] == []


@pytest.mark.parametrize("kind", ["artists", "albums", "tracks"])
def test_an_unknown_id_is_404_with_a_detail(bearer, db, kind):
    for pk in (999_999, 2**64):
        response = bearer.get(f"/api/v1/{kind}/{pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No {kind[:-1]} with id {pk}"}


@pytest.mark.parametrize("kind", ["artists", "albums", "tracks"])
def test_nobody_gets_401_and_a_wrong_token_too(client, library, kind):
    pk = {"artists": library["artist"].pk, "albums": library["dummy"].pk, "tracks": library["roads"].pk}[kind]
    assert client.get(f"/api/v1/{kind}/{pk}").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer mj_wrong").get(f"/api/v1/{kind}/{pk}").status_code == 401


def test_the_session_reads_without_a_csrf_token(owner, library):
    # Reads are safe methods: the session needs no CSRF token for them, as across the API.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get(f"/api/v1/tracks/{library['roads'].pk}").status_code == 200


def test_the_schemas_are_in_the_openapi_document(owner_client):
    spec = owner_client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/artists/{artist_id}", "/api/v1/albums/{album_id}", "/api/v1/tracks/{track_id}"):
        responses = spec["paths"][path]["get"]["responses"]
        assert {"200", "404"} <= set(responses)
    schemas = spec["components"]["schemas"]
    assert {"ArtistDetailOut", "AlbumDetailOut", "TrackDetailOut", "PlayFiguresOut", "CopyOut",
            "EntityFactOut"} <= set(schemas)
    assert set(schemas["EntityFactOut"]["properties"]) == {
        "field", "value", "provider", "retrieved_at", "confidence", "evidence", "expires_at", "chosen"}
