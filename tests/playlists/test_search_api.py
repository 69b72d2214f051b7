"""GET /api/v1/search: hits of every kind with their page and plays, one kind on demand, 400 for
an empty or over-long query, 401 without a login."""

from datetime import timedelta

import pytest

from playlists.models import Playlist
from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db
API = "/api/v1/search"


@pytest.fixture
def library():
    artist = make_artist("Sigur Rós")
    album = make_album("Ágætis byrjun", artist=artist)
    track = make_track("Svefn-g-englar", album=album, artist=artist)
    for n in range(3):
        make_scrobble(track, utc(2024, 1, 1) + timedelta(hours=n))
    Playlist.objects.create(name="Sigur evenings")
    return artist, album, track


def test_it_answers_hits_of_every_kind_with_the_schema(owner_client, library):
    artist, album, track = library
    body = owner_client.get(API, {"q": "sigur"}).json()
    assert body["q"] == "sigur"
    assert body["hits"] == [
        {"type": "artist", "id": artist.pk, "name": "Sigur Rós", "subtitle": "", "url": f"/artists/{artist.pk}/",
         "plays": 3},
        {"type": "playlist", "id": Playlist.objects.get().pk, "name": "Sigur evenings", "subtitle": "0 tracks",
         "url": f"/playlists/{Playlist.objects.get().pk}/", "plays": 0},
    ]
    tracks = owner_client.get(API, {"q": "svefn", "type": "track"}).json()["hits"]
    assert tracks == [{"type": "track", "id": track.pk, "name": "Svefn-g-englar",
                       "subtitle": "Sigur Rós — Ágætis byrjun", "url": f"/tracks/{track.pk}/", "plays": 3}]
    albums = owner_client.get(API, {"q": "byrjun", "type": "album"}).json()["hits"]
    assert [(hit["id"], hit["subtitle"], hit["plays"]) for hit in albums] == [(album.pk, "Sigur Rós", album.play_count)]


def test_it_limits_hits_per_kind(owner_client):
    artist = make_artist("Boards of Canada")
    for n in range(5):
        make_track(f"Roygbiv {n}", artist=artist)
    assert len(owner_client.get(API, {"q": "roygbiv", "limit": 2}).json()["hits"]) == 2


@pytest.mark.parametrize("q", ["", "   ", "x" * 201])
def test_it_refuses_an_empty_or_over_long_query(owner_client, q):
    response = owner_client.get(API, {"q": q})
    assert response.status_code == 400 and "q" in response.json()["detail"]


@pytest.mark.parametrize("params", [{"q": "a", "type": "song"}, {"q": "a", "limit": 0}, {"q": "a", "limit": 51}])
def test_it_refuses_a_bad_type_or_limit(owner_client, params):
    assert owner_client.get(API, params).status_code == 422


@pytest.mark.parametrize("q", ["\x00", "%", "_", '"', "'", '"*', "NEAR(", "a*", "\\"])
def test_hostile_queries_answer_200_or_400(owner_client, library, q):
    assert owner_client.get(API, {"q": q}).status_code in (200, 400)


def test_it_needs_a_login(client, library):
    assert client.get(API, {"q": "sigur"}).status_code == 401


def test_it_is_in_the_openapi_document(owner_client):
    spec = owner_client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/search"]["get"]
    assert {"200", "400"} <= set(operation["responses"])
