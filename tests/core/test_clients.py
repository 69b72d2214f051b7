"""Each client parses the fixture payloads through its real library, against the fake server."""

import datetime as dt

import pytest

from core.clients.ai import ai_complete, ai_models
from core.clients.apify import apify_me, apify_monthly_listeners
from core.clients.discogs import discogs_collection_page, discogs_identity, discogs_release, discogs_user
from core.clients.lastfm import (
    lastfm_artist_info,
    lastfm_artist_similar,
    lastfm_artist_top_tags,
    lastfm_recent_tracks_page,
    lastfm_user_info,
)
from core.clients.spotify import spotify_albums, spotify_artist, spotify_artist_albums, spotify_artists, spotify_search
from core.clients.wikidata import wikidata_artists_by_spotify_id_query, wikidata_select
from core.resilience import NotFound

RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK = "4Z8W4fKeB5YxbusRsdQVPb", "6liAMWkVf5LH7YR9yfFy1Y", "6FXMGgJwohJLUSr5nVlf9X"


def test_it_reads_lastfm_user_and_recent_tracks_through_pylast(fake_services):
    assert lastfm_user_info()["playcount"] == 41203

    first = lastfm_recent_tracks_page(page=1, limit=4)
    assert (first.page, first.total_pages, first.total) == (1, 2, 6)
    assert first.tracks[0]["now_playing"] and first.tracks[0]["played_at_uts"] is None
    assert first.tracks[0]["artist"] == "Radiohead" and first.tracks[0]["album"] == "In Rainbows"
    assert all(track["played_at_uts"] for track in first.tracks[1:])
    second = lastfm_recent_tracks_page(page=2, limit=4)
    assert len(second.tracks) == 2 and any(track["album"] == "" for track in second.tracks)

    posted = fake_services.requests_to("lastfm")
    assert {r.method for r in posted} == {"POST"}
    assert posted[0].headers["User-Agent"].startswith("MusicJournal/")
    assert "github.com" in posted[0].headers["User-Agent"]


def test_it_reads_lastfm_artist_info_similar_and_tags(fake_services):
    info = lastfm_artist_info(name="Radiohead")
    assert info["name"] == "Radiohead" and info["listeners"] > 1_000_000 and info["userplaycount"]
    assert info["bio_summary"] and info["tags"]
    similar = lastfm_artist_similar(name="Radiohead", limit=5)
    assert similar and all(0 <= s["match"] <= 1 for s in similar)
    tags = lastfm_artist_top_tags(name="Radiohead")
    assert tags and all(0 <= t["weight"] <= 100 for t in tags)


def test_it_maps_lastfm_error_6_to_not_found_without_retrying(fake_services, recorded_sleeps):
    with pytest.raises(NotFound):
        lastfm_artist_info(name="Nobody At All")
    assert len(fake_services.requests_to("lastfm")) == 1
    assert recorded_sleeps == []


def test_it_reads_spotify_through_spotipy(fake_services):
    found = spotify_search(query="Portishead", kind="artist", limit=3)
    assert found[0]["id"] == PORTISHEAD
    artists = spotify_artists(ids=[RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK, "0000000000000000000000"])
    assert [a and a["name"] for a in artists] == ["Radiohead", "Portishead", "Massive Attack", None]
    assert spotify_artist(artist_id=RADIOHEAD)["followers"]["total"] > 0
    albums = spotify_albums(ids=["5vkqYmiPBYLaalcmjujWxK"])
    assert albums[0]["name"] == "In Rainbows" and albums[0]["label"]
    every_album = spotify_artist_albums(artist_id=RADIOHEAD, page_size=3)
    assert len(every_album) > 3  # followed `next` to the last page on the fake
    token_requests = fake_services.requests_to("spotify", "/api/token")
    assert len(token_requests) == 1 and token_requests[0].headers["Authorization"].startswith("Basic ")
    assert any(r.path == "/v1/artists/" for r in fake_services.requests_to("spotify"))


def test_it_reads_discogs_through_discogs_client(fake_services):
    assert discogs_identity()["username"] == "rj_demo"
    assert discogs_user()["num_collection"] == 5
    first = discogs_collection_page(page=1, per_page=3)
    assert first["pagination"]["pages"] == 2 and len(first["items"]) == 3
    assert isinstance(first["items"][0]["date_added"], dt.datetime)
    second = discogs_collection_page(page=2, per_page=3)
    assert any(artist["name"] == "Air (2)" for item in second["items"]
               for artist in item["basic_information"]["artists"])
    release = discogs_release(release_id=11793225)
    assert release["title"] == "In Rainbows" and release["tracklist"] and release["labels"]
    sent = fake_services.requests_to("discogs")
    assert all(r.param("token") == fake_services.credentials["discogs_token"] for r in sent)
    assert "page=2" in str(sent[-2].query) or sent[-2].param("page") == "2"


def test_it_reads_wikidata_sparql_rows(fake_services):
    rows = wikidata_select(query=wikidata_artists_by_spotify_id_query(spotify_ids=[RADIOHEAD, PORTISHEAD]))
    radiohead = [row for row in rows if row["spotifyId"] == RADIOHEAD]
    assert len(radiohead) == 2 and {row["recordLabelLabel"] for row in radiohead}
    assert all("manager" not in row for row in rows if row["spotifyId"] == PORTISHEAD)
    sent = fake_services.requests_to("wikidata")[0]
    assert sent.headers["User-Agent"].startswith("MusicJournal/") and sent.param("format") == "json"


def test_it_reads_apify_monthly_listeners_with_the_token_in_a_header(fake_services):
    listeners = apify_monthly_listeners(spotify_ids=[RADIOHEAD, PORTISHEAD, MASSIVE_ATTACK])
    assert listeners == {RADIOHEAD: 47213388, PORTISHEAD: 6094217}
    assert apify_me()["username"] == "rj_demo"
    run = fake_services.requests_to("apify", "run-sync-get-dataset-items")[0]
    assert "token" not in run.query and run.headers["Authorization"].startswith("Bearer ")
    assert "augeas~spotify-monthly-listeners" in run.path


def test_it_reads_ai_completions_including_fenced_and_cut_off_ones(fake_services):
    assert "mistral24b" in ai_models()
    plain = ai_complete(messages=[{"role": "user", "content": "Notes on In Rainbows"}])
    assert plain["finish_reason"] == "stop" and '"summary"' in plain["content"]
    fake_services.route("ai", "POST", r"/v1/chat/completions", fixture="openai/chat_completion.truncated.json")
    cut = ai_complete(messages=[{"role": "user", "content": "again"}])
    assert cut["finish_reason"] == "length"
    fake_services.route("ai", "POST", r"/v1/chat/completions", fixture="openai/chat_completion.fenced_json.json")
    assert ai_complete(messages=[{"role": "user", "content": "fenced"}])["content"].lstrip().startswith("```")
    sent = fake_services.requests_to("ai", "/v1/chat/completions")[0]
    assert sent.json()["model"] == "mistral24b" and sent.headers["User-Agent"].startswith("MusicJournal/")


def test_a_discogs_error_body_without_a_message_is_an_outside_failure_not_a_crash(fake_services, recorded_sleeps):
    """discogs_client reads `message` from every error body; a proxy's JSON 5xx has none (a KeyError before)."""
    from core.resilience import Unavailable

    fake_services.fail("discogs", status=503, times=None, body={"error": "upstream down"})
    with pytest.raises(Unavailable, match="HTTP 503 without a message"):
        discogs_identity(retries=0)


def test_the_discogs_clients_timeouts_and_backoff_reach_the_library(fake_services):
    from core.clients.discogs import discogs_client_get

    fetcher = discogs_client_get()._fetcher.fetcher  # the library's own, inside our wrapper
    assert fetcher.backoff_enabled is False and fetcher.connect_timeout and fetcher.read_timeout
