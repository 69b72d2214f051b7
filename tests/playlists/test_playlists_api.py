"""The playlists API as a script (bearer token) and a browser (session + CSRF token) meet it, CSRF
enforced: list with a cursor, make by hand or by an algorithm, read, edit, delete, export, and the
algorithms; 401 without credentials, 404 for an unknown playlist, 422 for what cannot be made."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from lxml import etree

from core.models import ApiToken
from playlists.models import Playlist, PlaylistTrack
from tests.factories import make_album, make_artist, make_listening_history, make_track, utc

pytestmark = pytest.mark.django_db

API = "/api/v1/playlists"
JSON = "application/json"


def _bearer(owner) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user=owner, name='t')[1]}")


def _browser(owner) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    browser.get("/settings/")  # a page sets the CSRF cookie, whose token the page's scripts send back
    browser.defaults["HTTP_X_CSRFTOKEN"] = browser.cookies["csrftoken"].value
    return browser


@pytest.fixture(params=["token", "session"])
def caller(request, owner) -> Client:
    return _bearer(owner) if request.param == "token" else _browser(owner)


@pytest.fixture
def history():
    return make_listening_history(plays_per_day=5, days=3)


@pytest.fixture
def tracks():
    album = make_album("Dummy", make_artist("Portishead"))
    return [make_track(title, album, number=n, duration_ms=200_000 + n) for n, title in
            enumerate(("Mysterons", "Sour Times", "Strangers"), start=1)]


def _generate(caller, **body):
    return caller.post(f"{API}/generate", {"algorithm": "top", "seed": 7, **body}, content_type=JSON)


def test_it_generates_a_playlist_and_answers_201_with_it(caller, history):
    response = _generate(caller, params={"period": "30d", "length": 3}, name="My week", refresh_weekly=True)
    assert response.status_code == 201, response.content
    body = response.json()
    playlist = Playlist.objects.get()
    assert body["id"] == playlist.pk and body["name"] == "My week" and body["algorithm"] == "top"
    assert body["params"]["period"] == "30d" and body["seed"] == 7 and body["refresh_weekly"] is True
    assert body["refreshed_at"] and body["track_count"] == 3 == len(body["entries"])
    stored = list(playlist.entries.order_by("position").select_related("track"))
    assert [(e["position"], e["track"]["id"], e["reason"]) for e in body["entries"]] == [
        (entry.position, entry.track_id, entry.reason) for entry in stored]
    first = body["entries"][0]
    assert first["reason"].startswith("#1 ") and first["artist"]["name"] in {"Portishead", "Massive Attack"}
    assert first["album"]["name"] in {"Dummy", "Mezzanine"} and first["duration_ms"] > 0
    assert body["duration_ms"] == sum(e["duration_ms"] for e in body["entries"])


def test_the_same_seed_draws_the_same_playlist(caller, history):
    first = _generate(caller, params={"shuffle": True}).json()
    second = _generate(caller, params={"shuffle": True}).json()
    assert [e["track"]["id"] for e in first["entries"]] == [e["track"]["id"] for e in second["entries"]]


@pytest.mark.parametrize(("body", "message"), [
    ({"params": {"period": "someday"}}, "period: "),
    ({"params": {"length": 0}}, "length: "),
    ({"params": {"lenght": 10}}, "top takes no parameter 'lenght'"),
    ({"algorithm": "astrology"}, "No algorithm 'astrology'"),
    ({"seed": -1}, "seed: must be between"),
])
def test_bad_generate_requests_get_422_with_one_line_and_make_nothing(caller, history, body, message):
    response = _generate(caller, **body)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert detail.startswith(message) and "\n" not in detail
    assert not Playlist.objects.exists()


def test_an_empty_history_gets_422_with_the_generators_reason(caller):
    response = _generate(caller)
    assert response.status_code == 422
    assert response.json()["detail"] == "No plays in last 30 days: pick a longer period."


def test_it_makes_a_playlist_by_hand(caller, tracks):
    ids = [tracks[2].pk, tracks[0].pk]
    response = caller.post(API, {"name": "  Mine  ", "description": "By hand", "track_ids": ids}, content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["description"], body["algorithm"], body["seed"]) == ("Mine", "By hand", "", None)
    assert [(e["position"], e["track"]["id"], e["track"]["name"]) for e in body["entries"]] == [
        (1, tracks[2].pk, "Strangers"), (2, tracks[0].pk, "Mysterons")]
    assert list(Playlist.objects.get().entries.values_list("track_id", flat=True)) == ids


def test_a_hand_made_playlist_with_an_unknown_track_is_422(caller, tracks):
    response = caller.post(API, {"name": "Ghosts", "track_ids": [tracks[0].pk, 999_999, 888_888]},
                           content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"] == "No track with id 888888, 999999"
    assert not Playlist.objects.exists()


@pytest.mark.parametrize("body", [{"name": "   "}, {"name": "x" * 201}, {}])
def test_a_hand_made_playlist_needs_a_name(caller, tracks, body):
    response = caller.post(API, {**body, "track_ids": [tracks[0].pk]}, content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "name"
    assert not Playlist.objects.exists()


def _hand_made(tracks, name="Mine") -> Playlist:
    playlist = Playlist.objects.create(name=name)
    for position, track in enumerate(tracks, start=1):
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=position, reason=f"Reason {position}")
    return playlist


def test_it_shows_one_playlist_with_its_entries_in_order(caller, tracks):
    playlist = _hand_made(tracks)
    body = caller.get(f"{API}/{playlist.pk}").json()
    assert [e["track"]["name"] for e in body["entries"]] == ["Mysterons", "Sour Times", "Strangers"]
    assert body["entries"][1] == {
        "position": 2, "track": {"id": tracks[1].pk, "name": "Sour Times"},
        "artist": {"id": tracks[1].artist_id, "name": "Portishead"},
        "album": {"id": tracks[1].album_id, "name": "Dummy"}, "duration_ms": 200_002, "reason": "Reason 2"}
    assert {"algorithm", "params", "seed", "prompt", "model_used", "details", "refresh_weekly",
            "refreshed_at"} <= set(body)


def test_patch_reorders_the_tracks_keeping_their_reasons_and_renames(caller, tracks):
    playlist = _hand_made(tracks)
    new_order = [tracks[2].pk, tracks[0].pk, tracks[1].pk]
    response = caller.patch(f"{API}/{playlist.pk}", {"track_ids": new_order, "name": "Reordered",
                                                     "refresh_weekly": True}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(e["track"]["id"], e["reason"]) for e in body["entries"]] == [
        (tracks[2].pk, "Reason 3"), (tracks[0].pk, "Reason 1"), (tracks[1].pk, "Reason 2")]
    playlist.refresh_from_db()
    assert (playlist.name, playlist.refresh_weekly) == ("Reordered", True)
    assert list(playlist.entries.order_by("position").values_list("track_id", flat=True)) == new_order


def test_patch_leaves_what_it_is_not_given(caller, tracks):
    playlist = _hand_made(tracks)
    body = caller.patch(f"{API}/{playlist.pk}", {"description": "Rain"}, content_type=JSON).json()
    assert (body["name"], body["description"], len(body["entries"])) == ("Mine", "Rain", 3)


def test_patch_with_an_unknown_track_changes_nothing(caller, tracks):
    playlist = _hand_made(tracks)
    response = caller.patch(f"{API}/{playlist.pk}", {"name": "Renamed", "track_ids": [tracks[0].pk, 424242]},
                            content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"] == "No track with id 424242"
    playlist.refresh_from_db()
    assert playlist.name == "Mine" and playlist.entries.count() == 3


def test_delete_removes_the_playlist_and_its_entries(caller, tracks):
    playlist = _hand_made(tracks)
    response = caller.delete(f"{API}/{playlist.pk}")
    assert response.status_code == 204
    assert not Playlist.objects.exists() and not PlaylistTrack.objects.exists()
    assert caller.get(f"{API}/{playlist.pk}").status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    ("get", ""), ("patch", ""), ("delete", ""), ("get", "/export?format=csv"),
])
def test_an_unknown_playlist_is_404(caller, method, path):
    response = getattr(caller, method)(f"{API}/31337{path}", {} if method == "patch" else None, content_type=JSON)
    assert response.status_code == 404
    assert response.json()["detail"] == "No playlist with id 31337"


@pytest.mark.parametrize(("format", "content_type"), [
    ("m3u8", "audio/x-mpegurl; charset=utf-8"),
    ("xspf", "application/xspf+xml; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"),
])
def test_it_exports_a_playlist_as_a_streamed_attachment(caller, tracks, format, content_type):
    playlist = _hand_made(tracks, name='Rainy "Sunday"')
    response = caller.get(f"{API}/{playlist.pk}/export", {"format": format})
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="rainy-sunday.{format}"'
    body = b"".join(response.streaming_content).decode()
    if format == "m3u8":
        assert body.splitlines()[:4] == ["#EXTM3U", '#PLAYLIST:Rainy "Sunday"', "#EXTINF:200,Portishead - Mysterons",
                                         "Portishead - Mysterons"]
    elif format == "xspf":
        document = etree.fromstring(body.encode())
        titles = document.findall(".//{http://xspf.org/ns/0/}track/{http://xspf.org/ns/0/}title")
        assert [t.text for t in titles] == ["Mysterons", "Sour Times", "Strangers"]
        info = document.findtext(".//{http://xspf.org/ns/0/}info")
        assert info == f"http://testserver/albums/{tracks[0].album_id}/"
    else:
        rows = list(csv.reader(io.StringIO(body)))
        assert [row[:3] for row in rows[1:]] == [["1", "Portishead", "Mysterons"], ["2", "Portishead", "Sour Times"],
                                                 ["3", "Portishead", "Strangers"]]


def test_an_unknown_export_format_is_422(caller, tracks):
    playlist = _hand_made(tracks)
    assert caller.get(f"{API}/{playlist.pk}/export", {"format": "pls"}).status_code == 422


def test_it_lists_the_algorithms_with_parameters_from_their_forms(caller):
    response = caller.get(f"{API}/algorithms")
    assert response.status_code == 200
    top = next(a for a in response.json() if a["name"] == "top")
    assert top["label"] == "Top of a period" and top["description"] and top["uses_ai"] is False
    parameters = {p["name"]: p for p in top["parameters"]}
    assert parameters["period"] == {"name": "period", "type": "string", "required": False, "default": "30d",
                                    "help": "7d, 30d, 90d, year, all, a year (2024) or a month (2024-03).",
                                    "choices": None}
    assert parameters["shuffle"]["type"] == "boolean"
    assert (parameters["length"]["type"], parameters["length"]["default"]) == ("integer", 30)
    assert {"minutes", "max_per_artist"} <= set(parameters)


def test_the_list_pages_newest_first_by_cursor(caller, tracks):
    base = utc(2024, 5, 1)
    made = [Playlist.objects.create(name=f"P{n}", created_at=base + timedelta(days=n // 2)) for n in range(5)]
    _hand_made(tracks[:2], name="With tracks").delete()  # a gap in the ids
    PlaylistTrack.objects.create(playlist=made[4], track=tracks[0], position=1)
    expected = sorted(made, key=lambda p: (p.created_at, p.pk), reverse=True)  # two pairs share created_at
    seen, cursor, pages = [], "", 0
    while True:
        page = caller.get(API, {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += page["items"]
        pages += 1
        assert page["total"] == 5
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and [item["id"] for item in seen] == [p.pk for p in expected]
    assert (seen[0]["track_count"], seen[0]["duration_ms"], seen[1]["track_count"]) == (1, 200_001, 0)


@pytest.mark.parametrize("query", [{"cursor": "yesterday"}, {"limit": 0}, {"limit": 101}])
def test_the_list_refuses_a_bad_cursor_or_limit(caller, query):
    assert caller.get(API, query).status_code == 400


def test_a_session_write_needs_its_csrf_token(owner, history):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    refused = browser.post(f"{API}/generate", {"algorithm": "top"}, content_type=JSON)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not Playlist.objects.exists()
    assert browser.get(API).status_code == 200  # reads need no CSRF token


@pytest.mark.parametrize(("method", "path"), [
    ("get", ""), ("post", ""), ("post", "/generate"), ("get", "/algorithms"), ("get", "/1"), ("patch", "/1"),
    ("delete", "/1"), ("get", "/1/export"),
])
def test_no_or_wrong_credentials_get_401(tracks, method, path):
    playlist = _hand_made(tracks)
    url = f"{API}{path}".replace("/1", f"/{playlist.pk}")
    for caller in (Client(enforce_csrf_checks=True), Client(HTTP_AUTHORIZATION="Bearer mj_not-a-real-token")):
        response = getattr(caller, method)(url, {} if method in {"post", "patch"} else None, content_type=JSON)
        assert response.status_code == 401, (method, url)
    assert Playlist.objects.get().entries.count() == 3
