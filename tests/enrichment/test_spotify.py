"""The Spotify provider against the fake Spotify, through the real spotipy client.

Scored id search (an exact name beats a decoy ranked first; near names give no id), batches of
50 artists / 20 albums, the Development-Mode fallback (403 on batches, no followers or
popularity: unavailable facts), the resilience cache on a second run, and failures that stay
with the artist they hit.
"""

import math

import pytest

from catalog.models import Album, Artist, ArtistTag, Image, Track
from enrichment.models import Fact
from enrichment.providers import PROVIDERS
from enrichment.providers.spotify import SpotifyProvider
from enrichment.service import albums_enrich, artists_enrich
from tests.factories import make_album, make_artist, make_track
from tests.fakes.server import Reply

pytestmark = pytest.mark.django_db

RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK = "4Z8W4fKeB5YxbusRsdQVPb", "6liAMWkVf5LH7YR9yfFy1Y", "6FXMGgJwohJLUSr5nVlf9X"
IN_RAINBOWS, DUMMY = "5vkqYmiPBYLaalcmjujWxK", "3539EbNgIdEDGBKkUf4wno"
AIR, AIR_SUPPLY = "5Gp2sLjuxkTqiPbcuPHoSg", "4xXCRXOfQKQ2gjWxNhNzYW"
UNKNOWN = "0000000000000000000000"


def spotify_artist_object(spotify_id: str, name: str, **fields) -> dict:
    return {"id": spotify_id, "name": name, "type": "artist", "genres": ["french pop"], "popularity": 50,
            "followers": {"href": None, "total": 1000},
            "images": [{"url": f"https://i.scdn.co/image/{spotify_id}", "width": 640, "height": 640}],
            "external_urls": {"spotify": f"https://open.spotify.com/artist/{spotify_id}"}, **fields}


def serve_search(fake, kind: str, results: dict[str, list[dict]]) -> None:
    """Search answers by exact query; other queries go on to the default route."""
    def answer(request, match):
        if request.param("type") != kind or request.param("q") not in results:
            return None
        return Reply(body={f"{kind}s": {"items": results[request.param("q")], "limit": 10, "offset": 0,
                                        "next": None, "previous": None, "total": len(results[request.param("q")])}})
    fake.route("spotify", "GET", r"/v1/search", answer)


def serve_artists(fake, artists: list[dict]) -> None:
    """The batch and single artist endpoints answering from `artists` (others: null / 404)."""
    known = {a["id"]: a for a in artists}
    fake.route("spotify", "GET", r"/v1/artists/?",
               lambda request, match: Reply(body={"artists": [known.get(i) for i in request.param("ids").split(",")]}))
    fake.route("spotify", "GET", r"/v1/artists/(?P<id>[0-9A-Za-z]{22})",
               lambda request, match: Reply(body=known[match["id"]]) if match["id"] in known
               else Reply(status=404, body={"error": {"status": 404, "message": "Resource not found"}}))


def development_mode(fake, kind: str = "artists", strip: tuple[str, ...] = ("followers", "popularity")) -> None:
    """403 on the batch endpoint; single objects without the fields a Development-Mode app no longer gets."""
    fake.route("spotify", "GET", rf"/v1/{kind}/?",
               lambda request, match: fake.fixture_reply("spotify/error_403_forbidden.json", status=403))
    objects = {item["id"]: item for item in fake.fixture_json(f"spotify/{kind}.json")[kind] if item}

    def single(request, match):
        found = objects.get(match["id"])
        if found is None:
            return Reply(status=404, body={"error": {"status": 404, "message": "Resource not found"}})
        return Reply(body={k: v for k, v in found.items() if k not in strip})
    fake.route("spotify", "GET", rf"/v1/{kind}/(?P<id>[0-9A-Za-z]{{22}})", single)


def api_requests(fake, path_contains: str = "/v1/") -> list:
    return fake.requests_to("spotify", path_contains)


def batch_requests(fake, kind: str = "artists") -> list:
    return [r for r in api_requests(fake) if r.path.rstrip("/") == f"/v1/{kind}"]


def fact(entity, field, entity_type="artist") -> Fact:
    return Fact.objects.get(entity_type=entity_type, entity_id=entity.pk, field=field, provider="spotify")


# --- finding the id ---------------------------------------------------------------------------
def test_it_finds_an_artist_by_name_and_stores_its_details(fake_services):
    portishead = make_artist("Portishead")  # search_artist.json: Portishead, Beth Gibbons, a tribute band

    result = artists_enrich(artists=[portishead], providers=["spotify"])

    assert result.warnings == []
    portishead.refresh_from_db()
    assert portishead.spotify_id == PORTISHEAD
    found = fact(portishead, "spotify_id")
    assert found.value == PORTISHEAD and found.confidence == 1.0
    assert any("/v1/search" in e and "Portishead" in e for e in found.evidence)
    assert (portishead.followers, portishead.popularity) == (2512907, 64)
    followers = fact(portishead, "followers")
    assert followers.value == 2512907 and f"spotify:GET /v1/artists?ids={PORTISHEAD}" in followers.evidence
    assert fact(portishead, "tags").value == [["trip hop", 100], ["downtempo", 100]]
    assert sorted((link.tag.name, link.weight) for link in ArtistTag.objects.filter(artist=portishead,
                                                                                    source="spotify")) == [
        ("downtempo", 100), ("trip hop", 100)]
    assert Image.objects.filter(artist=portishead, source="spotify").count() == 3
    assert portishead.image_url == "https://i.scdn.co/image/ab6761610000edc82f140cb3b6b8c6b4609b5c64"  # 640 px
    assert len(batch_requests(fake_services)) == 1


def test_the_exact_name_wins_over_a_decoy_that_spotify_ranks_first(fake_services):
    serve_search(fake_services, "artist", {"Air": [spotify_artist_object(AIR_SUPPLY, "Air Supply"),
                                                   spotify_artist_object(AIR, "AIR")]})
    serve_artists(fake_services, [spotify_artist_object(AIR_SUPPLY, "Air Supply", popularity=70),
                                  spotify_artist_object(AIR, "AIR", popularity=55)])
    air = make_artist("Air")

    artists_enrich(artists=[air], providers=["spotify"])

    air.refresh_from_db()
    assert air.spotify_id == AIR
    assert air.popularity == 55
    assert fact(air, "spotify_id").confidence == 1.0
    assert batch_requests(fake_services)[0].param("ids") == AIR


def test_no_id_is_set_when_spotify_only_has_near_names(fake_services):
    serve_search(fake_services, "artist", {"Air": [spotify_artist_object(AIR_SUPPLY, "Air Supply"),
                                                   spotify_artist_object("1" * 22, "The Air"),
                                                   spotify_artist_object("2" * 22, "Airiel")]})
    air = make_artist("Air")

    result = SpotifyProvider().artists([air])

    assert result.facts == [] and result.warnings == []
    assert any("no artist named Air" in note for note in result.notes)
    artists_enrich(artists=[air], providers=["spotify"])
    air.refresh_from_db()
    assert air.spotify_id is None and air.popularity is None
    assert not Fact.objects.filter(entity_id=air.pk, provider="spotify").exists()
    assert batch_requests(fake_services) == []  # no details asked for an artist not found


# --- batches and Development Mode ----------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 50, 51, 120])
def test_details_come_in_batches_of_50(fake_services, count):
    ids = [f"{n:022d}" for n in range(count)]
    serve_artists(fake_services, [spotify_artist_object(i, f"Band {n}") for n, i in enumerate(ids)])
    artists = [make_artist(f"Band {n}", spotify_id=i) for n, i in enumerate(ids)]

    result = SpotifyProvider().artists(artists)

    batches = batch_requests(fake_services)
    assert len(batches) == math.ceil(count / 50) == result.calls
    assert all(len(r.param("ids").split(",")) <= 50 for r in batches)
    assert len([f for f in result.facts if f.field == "popularity"]) == count
    assert api_requests(fake_services, "/v1/search") == []  # known ids are never searched


def test_enrich_service_makes_one_batch_request_per_50_artists(fake_services):
    ids = [f"{n:022d}" for n in range(120)]
    serve_artists(fake_services, [spotify_artist_object(i, f"Band {n}") for n, i in enumerate(ids)])
    artists = [make_artist(f"Band {n}", spotify_id=i) for n, i in enumerate(ids)]

    result = artists_enrich(artists=artists, providers=["spotify"])

    assert len(batch_requests(fake_services)) == 3 == result.providers["spotify"].calls
    assert Artist.objects.filter(popularity=50, followers=1000).count() == 120


def test_an_unknown_id_in_a_batch_is_a_warning_and_the_others_are_done(fake_services):
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    ghost = make_artist("Ghost", spotify_id=UNKNOWN)

    result = artists_enrich(artists=[radiohead, ghost], providers=["spotify"])

    assert result.warnings == [f"Spotify has no artist {UNKNOWN}"]
    radiohead.refresh_from_db()
    assert radiohead.popularity == 81
    assert not Fact.objects.filter(entity_id=ghost.pk, provider="spotify").exists()


def test_development_mode_falls_back_one_by_one_and_records_unavailable_fields(fake_services):
    development_mode(fake_services)
    artists = [make_artist("Radiohead", spotify_id=RADIOHEAD), make_artist("Portishead", spotify_id=PORTISHEAD),
               make_artist("Massive Attack", spotify_id=MASSIVE_ATTACK)]

    result = artists_enrich(artists=artists, providers=["spotify"])

    assert result.warnings == []
    assert any("Development Mode" in note for note in result.notes)
    assert len(batch_requests(fake_services)) == 1  # refused once, then never asked again
    assert sorted(r.path for r in api_requests(fake_services) if r.path.rstrip("/") != "/v1/artists") == sorted(
        f"/v1/artists/{i}" for i in (RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK))
    for artist in artists:
        artist.refresh_from_db()
        assert artist.followers is None and artist.popularity is None
        for name in ("followers", "popularity"):
            missing = fact(artist, name)
            assert missing.value is None and "unavailable" in missing.evidence
            assert f"spotify:GET /v1/artists/{artist.spotify_id}" in missing.evidence
        assert fact(artist, "tags").value  # what the single endpoint still gives is stored
        assert artist.image_url.startswith("https://i.scdn.co/")
    assert result.providers["spotify"].calls == 4


# --- the cache, and failures -----------------------------------------------------------------------
def test_a_second_run_within_the_ttl_makes_no_outside_call(fake_services):
    artists = [make_artist("Portishead"), make_artist("Radiohead", spotify_id=RADIOHEAD)]
    artists_enrich(artists=artists, providers=["spotify"])
    asked = len(api_requests(fake_services))
    assert asked == 2  # one search, one batch

    again = artists_enrich(artists=list(Artist.objects.order_by("pk")), providers=["spotify"])

    assert len(api_requests(fake_services)) == asked
    assert again.facts > 0 and again.warnings == []
    artists_enrich(artists=list(Artist.objects.order_by("pk")), providers=["spotify"], force=True)
    assert len(api_requests(fake_services)) == asked + 1  # force: the batch again (both ids are known now)


def test_a_429_on_one_artist_is_a_warning_and_the_others_are_done(fake_services, recorded_sleeps):
    def search(request, match):
        if request.param("q") == "Broken Band":
            return fake_services.fixture_reply("spotify/error_429.json", status=429, headers={"Retry-After": "2"})
        return None
    fake_services.route("spotify", "GET", r"/v1/search", search)
    broken, portishead = make_artist("Broken Band"), make_artist("Portishead")

    result = artists_enrich(artists=[broken, portishead], providers=["spotify"])

    assert len(result.warnings) == 1 and "Broken Band" in result.warnings[0]
    assert recorded_sleeps and min(recorded_sleeps) >= 2  # Retry-After honoured
    portishead.refresh_from_db()
    broken.refresh_from_db()
    assert portishead.spotify_id == PORTISHEAD and portishead.popularity == 64
    assert broken.spotify_id is None


def test_a_5xx_a_404_and_a_malformed_answer_each_stay_with_their_artist(fake_services, recorded_sleeps, settings):
    settings.ENRICHMENT_CIRCUIT_BREAKER_THRESHOLD = 20  # four 503s in a row must not pause Spotify here
    development_mode(fake_services)
    fake_services.fail("spotify", status=503, times=None, path=RADIOHEAD)
    fake_services.route("spotify", "GET", rf"/v1/artists/{MASSIVE_ATTACK}",
                        lambda request, match: Reply(body="<html>oops</html>", content_type="text/html"))
    radiohead = make_artist("Radiohead", spotify_id=RADIOHEAD)
    massive = make_artist("Massive Attack", spotify_id=MASSIVE_ATTACK)
    ghost = make_artist("Ghost", spotify_id=UNKNOWN)
    portishead = make_artist("Portishead", spotify_id=PORTISHEAD)

    result = artists_enrich(artists=[radiohead, massive, ghost, portishead], providers=["spotify"])

    assert len(result.warnings) == 3
    assert any(RADIOHEAD in w and "503" in w for w in result.warnings)
    assert any(MASSIVE_ATTACK in w and "unreadable" in w for w in result.warnings)
    assert any(UNKNOWN in w for w in result.warnings)
    assert fact(portishead, "tags").value == [["trip hop", 100], ["downtempo", 100]]
    assert not Fact.objects.filter(entity_id__in=[radiohead.pk, massive.pk, ghost.pk], provider="spotify").exists()


def test_not_configured(fake_services, settings):
    settings.SPOTIFY_CLIENT_ID = settings.SPOTIFY_CLIENT_SECRET = ""
    assert PROVIDERS["spotify"].is_available() == (
        False, "Spotify is not configured: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET")

    result = artists_enrich(artists=[make_artist("Portishead")], providers=["spotify"])

    summary = result.providers["spotify"]
    assert not summary.available and "SPOTIFY_CLIENT_ID" in summary.reason
    assert api_requests(fake_services) == [] and not Fact.objects.exists()


# --- albums --------------------------------------------------------------------------------------
def test_it_finds_an_album_and_stores_cover_label_and_missing_track_durations(fake_services):
    radiohead = make_artist("Radiohead")
    album = make_album("In Rainbows", radiohead)  # search_album.json: In Rainbows, then In Rainbows Disk 2
    fifteen_step = make_track("15 Step", album)
    nude = make_track("Nude", album, duration_ms=1000)
    bonus = make_track("Not On Spotify", album)

    result = albums_enrich(albums=[album], providers=["spotify"])

    assert result.warnings == []
    album.refresh_from_db()
    assert album.spotify_id == IN_RAINBOWS and fact(album, "spotify_id", "album").confidence == 1.0
    assert album.spotify_url == f"https://open.spotify.com/album/{IN_RAINBOWS}"
    assert album.cover_url.endswith("ab6761610000ce246ff729d3d62f0c94cd230ff8")  # 640 px
    assert album.thumb_url.endswith("ab6761610000c029fc61967b63617729e4d10c62")  # 64 px
    label = fact(album, "label", "album")
    assert label.value == "XL Recordings" and f"spotify:GET /v1/albums?ids={IN_RAINBOWS}" in label.evidence
    assert album.label is None  # the label resolver links it, not this provider
    duration = Fact.objects.get(entity_type="track", entity_id=fifteen_step.pk, field="duration_ms")
    assert duration.value == 237173 and duration.provider == "spotify"
    assert Track.objects.get(pk=fifteen_step.pk).duration_ms == 237173
    assert Track.objects.get(pk=nude.pk).duration_ms == 1000
    assert not Fact.objects.filter(entity_type="track", entity_id__in=[nude.pk, bonus.pk]).exists()
    search = api_requests(fake_services, "/v1/search")[0]
    assert (search.param("q"), search.param("type")) == ("album:In Rainbows artist:Radiohead", "album")


def test_an_album_with_only_near_titles_gets_no_id(fake_services):
    serve_search(fake_services, "album", {"album:In Rainbows artist:Radiohead": [
        fake_services.fixture_json("spotify/search_album.json")["albums"]["items"][1]]})  # "In Rainbows Disk 2"
    album = make_album("In Rainbows", make_artist("Radiohead"))

    albums_enrich(albums=[album], providers=["spotify"])

    album.refresh_from_db()
    assert album.spotify_id is None and album.cover_url == ""
    assert batch_requests(fake_services, "albums") == []


def test_an_album_by_someone_else_gets_no_id(fake_services):
    album = make_album("In Rainbows", make_artist("Radiohead Tribute"))
    serve_search(fake_services, "album", {"album:In Rainbows artist:Radiohead Tribute":
                                          fake_services.fixture_json("spotify/search_album.json")["albums"]["items"]})

    result = SpotifyProvider().albums([album])

    assert result.facts == []


def test_albums_come_in_batches_of_20(fake_services):
    artist = make_artist("Portishead")
    albums = [make_album(f"Record {n}", artist, spotify_id=f"{n:022d}") for n in range(25)]

    result = SpotifyProvider().albums(albums)

    assert len(batch_requests(fake_services, "albums")) == 2 == result.calls
    assert len(result.warnings) == 25  # none of these ids is on the fake


def test_albums_in_development_mode_fall_back_one_by_one_and_a_missing_label_is_unavailable(fake_services):
    development_mode(fake_services, "albums", strip=("label",))
    portishead = make_artist("Portishead")
    dummy = make_album("Dummy", portishead, spotify_id=DUMMY)
    roads = make_track("Roads", dummy)
    ghost = make_album("Ghost", portishead, spotify_id=UNKNOWN)

    result = albums_enrich(albums=[dummy, ghost], providers=["spotify"])

    assert len(result.warnings) == 1 and UNKNOWN in result.warnings[0]
    label = fact(dummy, "label", "album")
    assert label.value is None and "unavailable" in label.evidence
    assert f"spotify:GET /v1/albums/{DUMMY}" in label.evidence
    assert Track.objects.get(pk=roads.pk).duration_ms == 305173
    assert Album.objects.get(pk=dummy.pk).cover_url.startswith("https://i.scdn.co/")
