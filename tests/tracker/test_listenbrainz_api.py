"""The ListenBrainz-compatible API (`/apis/listenbrainz/1/`): what real scrobblers send, what is refused, the limits."""

import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from core.models import ApiToken
from tests.fakes.lastfm_history import FakeLastfmHistory, FakePlay
from tracker.listenbrainz_api import MAX_LISTEN_PAYLOAD_SIZE, ListenRejected, submission_parse
from tracker.models import Scrobble, TrackerState
from tracker.selectors.dashboard import now_playing
from tracker.services.ingest import Play, scrobble_ingest
from tracker.services.lastfm import lastfm_poll

pytestmark = pytest.mark.django_db

SUBMIT = "/apis/listenbrainz/1/submit-listens"
VALIDATE = "/apis/listenbrainz/1/validate-token"
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-In", "X-RateLimit-Reset")
AN_HOUR_AGO = int(time.time()) - 3600


@pytest.fixture
def raw_token(owner):
    _token, raw = ApiToken.issue(user=owner, name="scrobbler")
    return raw


@pytest.fixture
def scrobbler(raw_token):
    """A ListenBrainz client: a token in the header, no cookie, and Django's CSRF check enforced."""
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {raw_token}")


def submit(client: Client, document):
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return client.post(SUBMIT, data=body, content_type="application/json")


def listen(at: int | None = AN_HOUR_AGO, artist="Portishead", title="Roads", album="Dummy", **info) -> dict:
    meta = {"artist_name": artist, "track_name": title}
    if album:
        meta["release_name"] = album
    if info:
        meta["additional_info"] = info
    return {"track_metadata": meta} if at is None else {"listened_at": at, "track_metadata": meta}


def single(**fields) -> dict:
    return {"listen_type": "single", "payload": [listen(**fields)]}


def an_import(count: int, *, start: int = AN_HOUR_AGO - 1000 * 240) -> dict:
    """`count` listens four minutes apart, over a dozen tracks of three artists."""
    artists = ["Portishead", "Massive Attack", "Björk"]
    return {"listen_type": "import", "payload": [
        listen(start + n * 240, artist=artists[n % 3], title=f"Track {n % 12}", album=f"Album {n % 4}",
               duration_ms=200_000 + n, submission_client="multi-scrobbler")
        for n in range(count)
    ]}


def assert_refused(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "error"} and body["code"] == status
    for word in words:
        assert word in body["error"], body["error"]
    assert all(name in response for name in RATE_HEADERS)


# --- what real clients send ---------------------------------------------------------------------
def test_it_stores_a_single_listen_as_pano_scrobbler_sends_it(scrobbler):
    document = {"listen_type": "single", "payload": [{
        "listened_at": AN_HOUR_AGO,
        "track_metadata": {
            "artist_name": "Portishead", "track_name": "Roads", "release_name": "Dummy",
            "additional_info": {"duration_ms": 305_000, "submission_client": "Pano Scrobbler",
                                "submission_client_version": "3.9.2", "media_player": "com.spotify.music"},
        },
    }]}
    response = submit(scrobbler, document)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    [play] = Scrobble.objects.select_related("track__artist", "album")
    assert (play.track.artist.name, play.track.title, play.album.title) == ("Portishead", "Roads", "Dummy")
    assert play.played_at == datetime.fromtimestamp(AN_HOUR_AGO, tz=UTC) and play.source == "listenbrainz"
    assert play.track.duration_ms == 305_000


def test_it_stores_a_single_listen_as_navidrome_sends_it(scrobbler):
    document = {"listen_type": "single", "payload": [{
        "listened_at": AN_HOUR_AGO,
        "track_metadata": {
            "artist_name": "Massive Attack", "track_name": "Teardrop", "release_name": "Mezzanine",
            "additional_info": {
                "submission_client": "Navidrome", "submission_client_version": "0.53.3 (13af8ed4)",
                "tracknumber": 3, "duration_ms": 330_000,
                "artist_names": ["Massive Attack"], "artist_mbids": ["10adbe5e-a2c0-4bf3-8249-2b4cbf6e6ca8"],
                "recording_mbid": "", "release_mbid": "b2c5e7a4-dcbd-4b4f-92a4-5b5c0c9b7f49",
            },
        },
    }]}
    assert submit(scrobbler, document).json() == {"status": "ok"}
    assert Scrobble.objects.get().track.title == "Teardrop"


def test_playing_now_sets_the_dashboard_now_playing_and_stores_no_play(scrobbler, owner_client):
    document = {"listen_type": "playing_now", "payload": [listen(None, artist="Beach House", title="Myth",
                                                                  album="Bloom", duration_ms=258_000)]}
    assert submit(scrobbler, document).json() == {"status": "ok"}
    assert Scrobble.objects.count() == 0
    playing = now_playing()
    assert (playing.artist.name, playing.title, playing.album.title) == ("Beach House", "Myth", "Bloom")
    state = TrackerState.load()
    since = state.now_playing_since
    assert since and state.now_playing_seen_at
    assert "Myth" in owner_client.get("/").content.decode()
    submit(scrobbler, document)  # the same track again: still playing since the first report
    assert TrackerState.load().now_playing_since == since


def test_an_import_of_1000_listens_stores_them_all(scrobbler):
    response = submit(scrobbler, an_import(1000))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert Scrobble.objects.filter(source="listenbrainz").count() == 1000


def test_resubmitting_the_same_listens_stores_nothing_more(scrobbler):
    submit(scrobbler, single())
    assert submit(scrobbler, single()).json() == {"status": "ok"}
    assert Scrobble.objects.count() == 1
    submit(scrobbler, an_import(300))
    submit(scrobbler, an_import(300))
    assert Scrobble.objects.count() == 301


# --- the same play from Last.fm -----------------------------------------------------------------
def test_a_play_submitted_here_and_polled_from_last_fm_is_stored_once(scrobbler, fake_services):
    FakeLastfmHistory([FakePlay(AN_HOUR_AGO, "Portishead", "Roads", "Dummy"),
                       FakePlay(AN_HOUR_AGO + 600, "Low", "Lullaby", "I Could Live in Hope")]).install(fake_services)
    submit(scrobbler, single(at=AN_HOUR_AGO + 20))  # the scrobbler's clock, 20 s off Last.fm's
    assert lastfm_poll(force=True).startswith("1 new play(s)")  # Lullaby, which only Last.fm saw
    rows = Scrobble.objects.order_by("played_at").values_list("track__title", "source")
    assert list(rows) == [("Roads", "listenbrainz"), ("Lullaby", "lastfm")]


def test_a_play_polled_from_last_fm_first_is_not_added_again_from_here(scrobbler):
    scrobble_ingest(plays=[Play(artist="Portishead", title="Roads", album="Dummy",
                                played_at=datetime.fromtimestamp(AN_HOUR_AGO, tz=UTC))], source="lastfm")
    assert submit(scrobbler, single(at=AN_HOUR_AGO + 40)).json() == {"status": "ok"}
    assert list(Scrobble.objects.values_list("source", flat=True)) == ["lastfm"]
    submit(scrobbler, single(at=AN_HOUR_AGO + 400))  # a later play of the same track is a new one
    assert Scrobble.objects.count() == 2


# --- refused, and nothing stored ----------------------------------------------------------------
def test_a_missing_or_wrong_token_is_401(scrobbler):
    assert_refused(submit(Client(enforce_csrf_checks=True), single()), 401, "Authorization header")
    wrong = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Token mj_not-a-token")
    assert_refused(submit(wrong, single()), 401, "Invalid authorization token")
    basic = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Basic b3duZXI6cGFzcw==")
    assert_refused(submit(basic, single()), 401, "Authorization header is invalid")
    assert Scrobble.objects.count() == 0


def test_a_browser_session_is_no_token(owner_client):
    assert_refused(submit(owner_client, single()), 401)
    assert Scrobble.objects.count() == 0


def test_a_revoked_token_or_an_inactive_user_is_401(scrobbler, owner, raw_token):
    owner.is_active = False
    owner.save()
    assert_refused(submit(scrobbler, single()), 401)
    ApiToken.objects.all().delete()
    assert_refused(submit(scrobbler, single()), 401)


def test_using_the_token_marks_it_used(scrobbler):
    assert ApiToken.objects.get().last_used_at is None
    submit(scrobbler, single())
    assert ApiToken.objects.get().last_used_at is not None


def test_bad_json_is_400(scrobbler):
    assert_refused(submit(scrobbler, b'{"listen_type": "single", "payload": [}'), 400, "Cannot parse JSON")


def test_a_listen_without_listened_at_is_400(scrobbler):
    assert_refused(submit(scrobbler, single(at=None)), 400, "listened_at")
    assert Scrobble.objects.count() == 0


def test_a_listen_over_the_size_limit_is_400(scrobbler):
    big = single(comment="x" * 10_300)
    assert_refused(submit(scrobbler, big), 400, "10,240")
    assert submit(scrobbler, single(comment="x" * 9_000)).status_code == 200  # under it: fine
    assert Scrobble.objects.count() == 1


def test_a_request_over_the_payload_limit_is_400(scrobbler):
    document = an_import(1)
    body = orjson.dumps(document)
    padded = body[:-1] + b" " * (MAX_LISTEN_PAYLOAD_SIZE + 1 - len(body)) + b"}"  # valid JSON, one byte too many
    assert len(padded) == MAX_LISTEN_PAYLOAD_SIZE + 1
    assert_refused(submit(scrobbler, padded), 400, "10,240,000")
    assert Scrobble.objects.count() == 0


def test_two_listens_in_a_single_or_playing_now_are_400(scrobbler):
    for listen_type in ("single", "playing_now"):
        document = {"listen_type": listen_type, "payload": [listen(None if listen_type == "playing_now" else 1)] * 2}
        assert_refused(submit(scrobbler, document), 400, "only one")
    assert Scrobble.objects.count() == 0 and now_playing() is None


def test_an_import_of_1001_is_400_and_stores_nothing(scrobbler):
    assert_refused(submit(scrobbler, an_import(1001)), 400, "1,000")
    assert Scrobble.objects.count() == 0


def test_a_bad_listen_among_good_ones_stores_nothing(scrobbler):
    document = an_import(500)
    del document["payload"][321]["track_metadata"]["artist_name"]
    assert_refused(submit(scrobbler, document), 400, "listen 322", "artist_name")
    assert Scrobble.objects.count() == 0


def test_a_play_time_the_ingest_refuses_is_400_naming_it(scrobbler):
    assert_refused(submit(scrobbler, single(at=946_684_800)), 400, "2000-01-01", "played before 2002")
    future = int(time.time()) + 3600
    assert_refused(submit(scrobbler, single(at=future)), 400, "played in the future")
    assert Scrobble.objects.count() == 0


@pytest.mark.parametrize(("body", "words"), [
    (b"[" * 5000 + b"]" * 5000, "Cannot parse JSON"),  # deeper than any parser should follow
    (orjson.dumps(single(deep="D")).replace(b'"D"', b"[" * 600 + b"]" * 600), "nested too deeply"),
    (orjson.dumps(single(at=2**63)), "played in the future"),
    (orjson.dumps(single(at=2**63)).replace(b"9223372036854775808", b"18446744073709551616"),
     "played in the future"),  # past 64 bits: read as a float
    (orjson.dumps(single(at=-2**63)), "played before 2002"),
    (orjson.dumps(single(at=True)), "integer Unix time"),
    (orjson.dumps(single(at="yesterday")), "integer Unix time"),
    (orjson.dumps(single(at=[1])), "integer Unix time"),
    (b'{"listen_type": "single", "payload": [{"listened_at": NaN, "track_metadata": {}}]}', "Cannot parse JSON"),
    (orjson.dumps(single(artist="Portis\x00head")), "unicode null"),
    (orjson.dumps(single(title="\x00")), "unicode null"),
    (orjson.dumps(single(artist=" \t ")), "artist_name is empty"),
    (orjson.dumps(single(artist=42)), "single string"),
    (orjson.dumps(single(album=["Dummy"])), "release_name must be a single string"),
    (orjson.dumps([single()]), "expected an object"),
    (b'"single"', "expected an object"),
    (b"", "Cannot parse JSON"),
    (orjson.dumps({"listen_type": "single", "payload": "Portishead - Roads"}), "list of listens"),
    (orjson.dumps({"listen_type": "single", "payload": []}), "does not contain any listens"),
    (orjson.dumps({"listen_type": "single"}), "list of listens"),
    (orjson.dumps({"listen_type": "scrobble", "payload": [listen()]}), "valid listen_type"),
    (orjson.dumps({"payload": [listen()]}), "valid listen_type"),
    (orjson.dumps({"listen_type": "single", "payload": ["Roads"]}), "JSON object"),
    (orjson.dumps({"listen_type": "single", "payload": [{"listened_at": AN_HOUR_AGO}]}), "track_metadata"),
    (orjson.dumps({"listen_type": "single", "payload": [{**listen(), "user": "me"}]}), "top level keys"),
    (orjson.dumps({"listen_type": "playing_now", "payload": [listen()]}), "must not contain listened_at"),
    (orjson.dumps(single(duration_ms=-5)), "positive integer"),
    (orjson.dumps(single(duration="long")), "positive integer"),
    (orjson.dumps(single(duration=10**12)), "too large"),
    (orjson.dumps(single(duration=300, duration_ms=300_000)), "both duration and duration_ms"),
    (b"\xff\xfe{\x00}", "Cannot parse JSON"),  # not UTF-8
    ("{\"listen_type\": \"single\", \"payload\": [{\"listened_at\": 1, \"track_metadata\": {\"artist_name\": "
     "\"caf\xe9\"}}]}".encode("latin-1"), "Cannot parse JSON"),  # Latin-1, not UTF-8
], ids=lambda value: None if isinstance(value, bytes) else value)
def test_hostile_input_is_400_never_500(scrobbler, body, words):
    assert_refused(submit(scrobbler, body), 400, words)
    assert Scrobble.objects.count() == 0 and now_playing() is None


def test_additional_info_that_is_not_an_object_is_400(scrobbler):
    document = single()
    document["payload"][0]["track_metadata"]["additional_info"] = "Pano Scrobbler"
    assert_refused(submit(scrobbler, document), 400, "additional_info")


def test_wrong_methods_are_405(scrobbler):
    response = scrobbler.get(SUBMIT)
    assert_refused(response, 405)
    assert response["Allow"] == "POST"
    response = scrobbler.post(VALIDATE)
    assert_refused(response, 405)
    assert response["Allow"] == "GET"


def test_a_trailing_slash_reaches_the_same_endpoint(scrobbler):
    assert scrobbler.post(SUBMIT + "/", orjson.dumps(single()), content_type="application/json").status_code == 200
    assert scrobbler.get(VALIDATE + "/").json()["valid"] is True


# --- validate-token -----------------------------------------------------------------------------
def test_validate_token_says_valid_with_the_user_name(scrobbler, raw_token):
    for response in (scrobbler.get(VALIDATE), Client().get(VALIDATE, {"token": raw_token})):
        assert response.status_code == 200
        assert response.json() == {"code": 200, "message": "Token valid.", "valid": True, "user_name": "owner"}


def test_validate_token_says_invalid_and_asks_for_a_token(db):
    response = Client(HTTP_AUTHORIZATION="Token mj_wrong").get(VALIDATE)
    assert response.status_code == 200
    assert response.json() == {"code": 200, "message": "Token invalid.", "valid": False}
    assert_refused(Client().get(VALIDATE), 400, "Authorization token")


# --- limits -------------------------------------------------------------------------------------
def test_the_default_limit_is_1000_requests_in_10_seconds(scrobbler):
    response = scrobbler.get(VALIDATE)
    assert response["X-RateLimit-Limit"] == "1000" and 1 <= int(response["X-RateLimit-Reset-In"]) <= 10
    assert 0 <= int(response["X-RateLimit-Reset"]) - time.time() <= 10


def test_every_answer_carries_rate_limit_headers_that_count_down(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = "50/1h"  # a window no test run straddles
    answers = [scrobbler.get(VALIDATE), submit(scrobbler, single()), submit(scrobbler, b"not json"),
               scrobbler.get(SUBMIT), submit(Client(HTTP_AUTHORIZATION="Token mj_wrong"), single())]
    assert [response.status_code for response in answers] == [200, 200, 400, 405, 401]
    for response in answers:
        assert all(name in response for name in RATE_HEADERS)
    assert [response["X-RateLimit-Remaining"] for response in answers[:4]] == ["49", "48", "47", "46"]
    assert answers[4]["X-RateLimit-Remaining"] == "49"  # no valid token: its address's own window
    assert 1 <= int(answers[1]["X-RateLimit-Reset-In"]) <= 3600


def test_past_the_limit_it_answers_429_and_stores_nothing(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = "2/1h"
    assert submit(scrobbler, single(at=AN_HOUR_AGO)).status_code == 200
    assert submit(scrobbler, single(at=AN_HOUR_AGO + 300))["X-RateLimit-Remaining"] == "0"
    refused = submit(scrobbler, single(at=AN_HOUR_AGO + 600))
    assert_refused(refused, 429, "Too many requests")
    assert refused["X-RateLimit-Remaining"] == "0" and int(refused["Retry-After"]) >= 1
    assert Scrobble.objects.count() == 2
    # Another token has its own window.
    _token, other = ApiToken.issue(user=ApiToken.objects.get().user, name="second phone")
    assert submit(Client(HTTP_AUTHORIZATION=f"Token {other}"), single(at=AN_HOUR_AGO + 900)).status_code == 200


def test_an_address_sending_wrong_tokens_gets_429_even_with_the_right_one(scrobbler, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    wrong = Client(HTTP_AUTHORIZATION="Token mj_guess")
    for _ in range(3):
        assert_refused(submit(wrong, single()), 401)
    assert_refused(submit(scrobbler, single()), 429, "wrong tokens")
    assert_refused(scrobbler.get(VALIDATE), 429, "wrong tokens")
    assert Scrobble.objects.count() == 0


def test_an_empty_limit_lifts_it(scrobbler, settings):
    settings.LISTENBRAINZ_RATE_LIMIT = ""
    response = submit(scrobbler, single())
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response


# --- the parser alone, and the settings page ----------------------------------------------------
def test_the_parser_returns_plays_or_a_one_line_reason():
    now = timezone.now()
    listen_type, plays = submission_parse(orjson.dumps(single(duration=300)), now=now)
    assert listen_type == "single"
    assert plays == [Play(artist="Portishead", title="Roads", album="Dummy",
                          played_at=datetime.fromtimestamp(AN_HOUR_AGO, tz=UTC), duration_ms=300_000)]
    _, [playing] = submission_parse(orjson.dumps({"listen_type": "playing_now", "payload": [listen(None)]}), now=now)
    assert playing.played_at == now
    with pytest.raises(ListenRejected) as rejected:
        submission_parse(orjson.dumps(single(at=int((now + timedelta(hours=2)).timestamp()))), now=now)
    assert "\n" not in str(rejected.value)


def test_the_settings_page_says_where_to_point_a_scrobbler(owner_client):
    page = owner_client.get("/settings/").content.decode()
    assert "http://testserver/apis/listenbrainz" in page
