"""ETag / Last-Modified on the API's read endpoints: 304 while nothing changed, for a fraction of the
queries; a new version after a new play; never another user's ETag."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from catalog.models import CollectionItem
from catalog.services.artist_merge import artist_merge
from core.models import ApiToken
from playlists.models import Playlist, PlaylistTrack
from playlists.services.playlists import playlist_entry_move
from tests.factories import make_album, make_artist, make_copy, make_scrobble, make_track, utc
from tracker.models import Scrobble

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    dummy = make_album("Dummy", make_artist("Portishead"), year=1994, discogs_release_id=7)
    make_copy(dummy, instance_id=1)
    roads, glory = make_track("Roads", dummy), make_track("Glory Box", dummy)
    for day in range(5):
        make_scrobble(roads, utc(2024, 5, 1 + day, 20))
        make_scrobble(glory, utc(2024, 5, 1 + day, 20, 6))
    return {"roads": roads, "glory": glory, "dummy": dummy, "artist": dummy.artist}


def _bearer(user) -> Client:
    _token, raw = ApiToken.issue(user=user, name="poller")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def bearer(owner):
    return _bearer(owner)


READS = [
    "/api/v1/history/tracks", "/api/v1/history/timeline?date=2024-05-03", "/api/v1/collection/albums",
    "/api/v1/collection/artists", "/api/v1/analytics/top?period=all", "/api/v1/analytics/over-time?period=all",
    "/api/v1/playlists",
]


def _entity_urls(library):
    return [f"/api/v1/artists/{library['artist'].pk}", f"/api/v1/albums/{library['dummy'].pk}",
            f"/api/v1/tracks/{library['roads'].pk}"]


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_every_read_endpoint_answers_304_to_its_own_etag(bearer, library):
    for url in READS + _entity_urls(library):
        first, _ = _get(bearer, url)
        assert first.status_code == 200, url
        etag = first["ETag"]
        assert etag.startswith('W/"') and first["Cache-Control"] == "private, no-cache"
        assert "Authorization" in first["Vary"] and "Cookie" in first["Vary"]
        again, _ = _get(bearer, url, if_none_match=etag)
        assert again.status_code == 304, url
        assert again.content == b"" and again["ETag"] == etag


def test_a_304_costs_far_fewer_queries_than_the_answer(bearer, library):
    url = f"/api/v1/tracks/{library['roads'].pk}"
    first, full = _get(bearer, url)
    again, revalidated = _get(bearer, url, if_none_match=first["ETag"])
    assert again.status_code == 304 and revalidated < full - 4
    history = "/api/v1/analytics/top?period=all"
    first, full = _get(bearer, history)
    again, revalidated = _get(bearer, history, if_none_match=first["ETag"])
    assert again.status_code == 304 and revalidated < full


def test_a_new_play_gives_a_new_etag(bearer, library):
    urls = ["/api/v1/history/tracks", f"/api/v1/tracks/{library['roads'].pk}", "/api/v1/analytics/top?period=all"]
    etags = {url: bearer.get(url)["ETag"] for url in urls}
    make_scrobble(library["roads"], utc(2024, 6, 1, 9))
    for url in urls:
        response = bearer.get(url, headers={"if-none-match": etags[url]})
        assert response.status_code == 200, url
        assert response["ETag"] != etags[url]


def test_a_removed_play_gives_a_new_etag_too(bearer, library):
    etag = bearer.get("/api/v1/history/tracks")["ETag"]
    library["roads"].scrobbles.order_by("played_at").first().delete()  # not the newest: the max id stays
    assert bearer.get("/api/v1/history/tracks", headers={"if-none-match": etag}).status_code == 200


def _changed(client, url, change) -> bool:
    """Whether `url` answers anew, not 304, to the ETag it gave before `change`."""
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    change()
    return client.get(url, headers={"if-none-match": etag}).status_code == 200


def test_a_loved_flag_on_an_old_play_gives_a_new_etag(bearer, library):
    oldest = library["roads"].scrobbles.order_by("played_at").first()
    assert _changed(bearer, "/api/v1/history/tracks",
                    lambda: Scrobble.objects.filter(pk=oldest.pk).update(loved=True))  # no signal, no save()
    assert bearer.get("/api/v1/history/tracks", {"loved": "1"}).json()["items"][0]["id"] == oldest.pk


@pytest.mark.parametrize("url", ["/api/v1/history/tracks", "/api/v1/collection/albums", "/api/v1/playlists"])
def test_a_name_fixed_by_hand_gives_a_new_etag(bearer, library, url):
    artist = library["artist"]

    def rename():  # what the admin's change form does: save() the row
        artist.name = "Portishead (UK)"
        artist.save()

    assert _changed(bearer, url, rename)


def test_an_album_edited_by_hand_gives_the_collection_a_new_etag(bearer, library):
    album = library["dummy"]

    def retitle():
        album.title = "Dummy (Remastered)"
        album.save(update_fields=["title"])

    assert _changed(bearer, "/api/v1/collection/albums", retitle)
    assert bearer.get("/api/v1/collection/albums").json()["items"][0]["title"] == "Dummy (Remastered)"


def test_an_artist_merge_gives_a_new_etag(bearer, library):
    duplicate = make_artist("Portishead UK")
    make_scrobble(make_track("Roads", make_album("Dummy (Live)", duplicate)), utc(2024, 5, 1, 8))
    assert _changed(bearer, "/api/v1/history/tracks",
                    lambda: artist_merge(target=library["artist"], others=[duplicate]))


def test_nothing_changed_keeps_the_etag_after_a_write_elsewhere(bearer, library):
    etag = bearer.get("/api/v1/history/tracks")["ETag"]
    Playlist.objects.create(name="Elsewhere")
    assert bearer.get("/api/v1/history/tracks", headers={"if-none-match": etag}).status_code == 304


def test_the_collection_etag_follows_its_copies(bearer, library):
    etag = bearer.get("/api/v1/collection/albums")["ETag"]
    CollectionItem.objects.update(removed_at=utc(2024, 7, 1))
    response = bearer.get("/api/v1/collection/albums", headers={"if-none-match": etag})
    assert response.status_code == 200 and response.json()["items"] == []


def test_the_playlists_etag_follows_a_moved_entry(bearer, library):
    playlist = Playlist.objects.create(name="Bristol")
    PlaylistTrack.objects.create(playlist=playlist, track=library["roads"], position=1)
    second = PlaylistTrack.objects.create(playlist=playlist, track=library["glory"], position=2)
    url = f"/api/v1/playlists/{playlist.pk}"
    etag = bearer.get(url)["ETag"]
    playlist_entry_move(playlist, entry_id=second.pk, offset=-1)
    assert bearer.get(url, headers={"if-none-match": etag}).status_code == 200


def test_an_etag_is_never_another_users(bearer, library):
    url = f"/api/v1/tracks/{library['roads'].pk}"
    etag = bearer.get(url)["ETag"]
    visitor = get_user_model().objects.create_user("visitor", "v@example.com", "visitor-password-123")
    response = _bearer(visitor).get(url, headers={"if-none-match": etag})
    assert response.status_code == 200 and response["ETag"] != etag


def test_an_etag_belongs_to_its_query(bearer, library):
    etag = bearer.get("/api/v1/history/tracks?limit=1")["ETag"]
    assert bearer.get("/api/v1/history/tracks?limit=2", headers={"if-none-match": etag}).status_code == 200


def test_no_304_without_authentication(client, bearer, library):
    url = f"/api/v1/tracks/{library['roads'].pk}"
    etag = bearer.get(url)["ETag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 401


def test_if_modified_since_answers_304_until_a_new_play(bearer, library):
    url = "/api/v1/history/tracks"
    first = bearer.get(url)
    modified = first["Last-Modified"]
    assert bearer.get(url, headers={"if-modified-since": modified}).status_code == 304
    make_scrobble(library["roads"], utc(2024, 6, 1, 9), created_at=utc(2099, 1, 1))
    assert bearer.get(url, headers={"if-modified-since": modified}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(bearer, library):
    url = "/api/v1/history/tracks"
    later = http_date((utc(2099, 1, 1) + timedelta(days=1)).timestamp())
    response = bearer.get(url, headers={"if-none-match": 'W/"stale"', "if-modified-since": later})
    assert response.status_code == 200


def test_an_error_answer_has_no_etag(bearer, db):
    response = bearer.get("/api/v1/tracks/999999")
    assert response.status_code == 404 and "ETag" not in response
