"""The Spotify export against the fake Spotify: matching, creating, updating, remaking, and failing well."""

import pytest

from catalog.models import Track
from core.clients.spotify_user import NotConnected
from core.models import ServiceAccount
from core.resilience import AuthFailed
from core.services.service_accounts import service_account_connect, service_account_token
from playlists.models import Playlist, PlaylistTrack
from playlists.services import spotify_export
from playlists.services.spotify_export import (
    NO_MATCH,
    NOT_SEARCHED,
    playlist_spotify_export,
    track_match_score,
)
from tests.factories import make_album, make_artist, make_track

pytestmark = pytest.mark.django_db

REDIRECT_URL = "https://journal.example.org/settings/spotify/callback/"
NUDE, RECKONER, ROADS = "oVjJKDzB2Dyn9Zl3aV2tD7", "BAv4r9MV0vMo3XobqA67hM", "3rreSJjEUElgHByiG7MKls"
TEARDROP_MASSIVE_ATTACK, TEARDROP_COVER = "67Hna13dNDkZvBpTXRIaOJ", "2Wn3SEnRPQ9WzPNBeFC5ES"


def library_playlist() -> Playlist:
    """Five tracks: one with its Spotify id, three Spotify finds by search, one it does not have."""
    radiohead, portishead = make_artist("Radiohead"), make_artist("Portishead")
    in_rainbows = make_album("In Rainbows", artist=radiohead)
    tracks = [
        make_track("Nude", album=in_rainbows, spotify_id=NUDE, duration_ms=255_000),
        make_track("Reckoner", album=in_rainbows, duration_ms=290_000),
        make_track("Teardrop", artist=make_artist("Massive Attack"), duration_ms=330_500),
        make_track("Roads", album=make_album("Dummy", artist=portishead)),  # length unknown
        make_track("A Song Nobody Pressed", artist=make_artist("The Unknowns (2)"), duration_ms=200_000),
    ]
    playlist = Playlist.objects.create(name="Rainy Sunday", description="Slow records,\nmostly owned.")
    PlaylistTrack.objects.bulk_create(
        PlaylistTrack(playlist=playlist, track=track, position=n) for n, track in enumerate(tracks, start=1))
    return playlist


@pytest.fixture
def spotify(fake_services, settings):
    """The fake Spotify, the export configured, and the fake's account connected."""
    settings.SPOTIFY_REDIRECT_URL = REDIRECT_URL
    settings.SPOTIFY_REFRESH_TOKEN = ""
    service_account_connect(service="spotify", account_name="RJ Demo",
                            refresh_token=fake_services.spotify_user.refresh_token)
    return fake_services


def track_uris(*ids: str) -> list[str]:
    return [f"spotify:track:{i}" for i in ids]


class TestFirstExport:
    def test_it_creates_a_private_playlist_of_the_tracks_matched_by_id_and_by_search(self, spotify):
        playlist = library_playlist()
        result = playlist_spotify_export(playlist=playlist)

        [(spotify_id, held)] = spotify.spotify_user.playlists.items()
        assert held["public"] is False and held["name"] == "Rainy Sunday"
        assert held["description"] == "Slow records, mostly owned."  # Spotify keeps no line breaks
        assert held["uris"] == track_uris(NUDE, RECKONER, TEARDROP_MASSIVE_ATTACK, ROADS)
        assert result.created and result.spotify_playlist_id == spotify_id
        assert result.url == f"https://open.spotify.com/playlist/{spotify_id}"
        assert (result.matched, result.total) == (4, 5)
        assert [(miss.position, miss.track.title, miss.reason) for miss in result.unmatched] == [
            (5, "A Song Nobody Pressed", NO_MATCH)]
        playlist.refresh_from_db()
        assert playlist.spotify_id == spotify_id

    def test_it_calls_the_endpoints_development_mode_apps_still_have(self, spotify):
        playlist_spotify_export(playlist=library_playlist())
        [create] = spotify.requests_to("spotify", "/v1/me/playlists")
        assert create.method == "POST" and create.json()["public"] is False
        assert [r.method for r in spotify.requests_to("spotify", "/items")] == ["PUT"]
        assert not spotify.requests_to("spotify", "/tracks") and not spotify.requests_to("spotify", "/v1/users/")
        searches = spotify.requests_to("spotify", "/v1/search")
        assert [r.param("q") for r in searches] == [
            "track:Reckoner artist:Radiohead", "track:Teardrop artist:Massive Attack", "track:Roads artist:Portishead",
            "track:A Song Nobody Pressed artist:The Unknowns"]  # no search for the track that has its id
        assert all(r.param("type") == "track" and int(r.param("limit")) <= 10 for r in searches)

    def test_it_keeps_the_ids_found_by_search_on_the_tracks(self, spotify):
        playlist_spotify_export(playlist=library_playlist())
        assert dict(Track.objects.values_list("title", "spotify_id")) == {
            "Nude": NUDE, "Reckoner": RECKONER, "Teardrop": TEARDROP_MASSIVE_ATTACK, "Roads": ROADS,
            "A Song Nobody Pressed": None}

    def test_it_leaves_an_id_on_the_track_that_already_holds_it(self, spotify):
        playlist = library_playlist()
        live = make_track("Reckoner (Live)", artist=Track.objects.get(title="Reckoner").artist, spotify_id=RECKONER)
        result = playlist_spotify_export(playlist=playlist)
        assert Track.objects.get(title="Reckoner").spotify_id is None  # Track.spotify_id is unique
        live.refresh_from_db()
        assert live.spotify_id == RECKONER
        assert spotify.spotify_user.playlists[result.spotify_playlist_id]["uris"][1] == f"spotify:track:{RECKONER}"

    def test_it_sends_long_playlists_a_hundred_tracks_at_a_time(self, spotify):
        artist = make_artist("Radiohead")
        ids = [f"{n:022d}" for n in range(1, 151)]
        playlist = Playlist.objects.create(name="Long")
        PlaylistTrack.objects.bulk_create(
            PlaylistTrack(playlist=playlist, position=n, track=make_track(f"Song {n}", artist=artist, spotify_id=i))
            for n, i in enumerate(ids, start=1))
        result = playlist_spotify_export(playlist=playlist)
        assert spotify.spotify_user.playlists[result.spotify_playlist_id]["uris"] == track_uris(*ids)
        assert [(r.method, len(r.json()["uris"] if r.method == "PUT" else r.json()))
                for r in spotify.requests_to("spotify", "/items")] == [("PUT", 100), ("POST", 50)]


class TestLaterExports:
    def test_a_second_export_replaces_the_items_of_the_same_playlist(self, spotify):
        playlist = library_playlist()
        first = playlist_spotify_export(playlist=playlist)
        PlaylistTrack.objects.filter(playlist=playlist, position=2).delete()
        Playlist.objects.filter(pk=playlist.pk).update(name="Rainy Monday")
        playlist.refresh_from_db()

        second = playlist_spotify_export(playlist=playlist)
        assert not second.created and second.spotify_playlist_id == first.spotify_playlist_id
        assert list(spotify.spotify_user.playlists) == [first.spotify_playlist_id]
        held = spotify.spotify_user.playlists[first.spotify_playlist_id]
        assert held["name"] == "Rainy Monday" and held["public"] is False
        assert held["uris"] == track_uris(NUDE, TEARDROP_MASSIVE_ATTACK, ROADS)
        assert len(spotify.requests_to("spotify", "/v1/me/playlists")) == 1
        # The ids found the first time are used again; the one search left is answered from the cache.
        assert len(spotify.requests_to("spotify", "/v1/search")) == 4
        assert [miss.track.title for miss in second.unmatched] == ["A Song Nobody Pressed"]

    def test_a_playlist_deleted_on_spotify_is_made_anew(self, spotify):
        playlist = library_playlist()
        first = playlist_spotify_export(playlist=playlist)
        spotify.spotify_user.playlists.clear()

        second = playlist_spotify_export(playlist=playlist)
        assert second.created and second.spotify_playlist_id != first.spotify_playlist_id
        assert spotify.spotify_user.playlists[second.spotify_playlist_id]["uris"] == track_uris(
            NUDE, RECKONER, TEARDROP_MASSIVE_ATTACK, ROADS)
        playlist.refresh_from_db()
        assert playlist.spotify_id == second.spotify_playlist_id


class TestFailures:
    def test_it_waits_as_long_as_a_429_asks_and_retries_a_5xx(self, spotify, recorded_sleeps):
        spotify.fail("spotify", status=429, retry_after=7, times=1, path="/items")
        spotify.fail("spotify", status=503, times=1, path="/v1/search")
        result = playlist_spotify_export(playlist=library_playlist())
        assert 7 in recorded_sleeps and len(recorded_sleeps) == 2  # Retry-After, then one backoff for the 503
        assert result.matched == 4
        assert spotify.spotify_user.playlists[result.spotify_playlist_id]["uris"] == track_uris(
            NUDE, RECKONER, TEARDROP_MASSIVE_ATTACK, ROADS)

    def test_a_search_spotify_keeps_failing_stops_the_searching_but_not_the_export(self, spotify, recorded_sleeps):
        spotify.fail("spotify", status=503, times=None, path="/v1/search")
        result = playlist_spotify_export(playlist=library_playlist())
        assert result.matched == 1 and "search failed" in result.search_stopped
        assert {miss.reason for miss in result.unmatched} == {NOT_SEARCHED}
        assert len(spotify.requests_to("spotify", "/v1/search")) == 2  # one search, tried twice, then no more

    def test_searching_stops_when_its_time_is_up(self, spotify, monkeypatch):
        monkeypatch.setattr(spotify_export, "SEARCH_BUDGET_SECONDS", -1.0)
        result = playlist_spotify_export(playlist=library_playlist())
        assert not spotify.requests_to("spotify", "/v1/search")
        assert result.matched == 1 and len(result.unmatched) == 4
        assert {miss.reason for miss in result.unmatched} == {NOT_SEARCHED} and "stopped" in result.search_stopped

    def test_a_refresh_token_spotify_revoked_is_an_auth_failure_and_nothing_is_made(self, spotify):
        service_account_connect(service="spotify", account_name="RJ Demo", refresh_token="AQC-revoked")
        with pytest.raises(AuthFailed, match="invalid_grant"):
            playlist_spotify_export(playlist=library_playlist())
        assert not spotify.spotify_user.playlists

    def test_it_refuses_without_a_connected_account_before_asking_spotify(self, spotify):
        ServiceAccount.objects.all().delete()
        with pytest.raises(NotConnected, match="settings page"):
            playlist_spotify_export(playlist=library_playlist())
        assert not spotify.requests_to("spotify")

    def test_it_refuses_an_empty_playlist(self, spotify):
        with pytest.raises(spotify_export.SpotifyExportRefused, match="no tracks"):
            playlist_spotify_export(playlist=Playlist.objects.create(name="Empty"))
        assert not spotify.requests_to("spotify")


class TestRefreshTokens:
    def test_the_environment_refresh_token_works_without_a_stored_one(self, spotify, settings):
        ServiceAccount.objects.all().delete()
        settings.SPOTIFY_REFRESH_TOKEN = spotify.spotify_user.refresh_token
        result = playlist_spotify_export(playlist=library_playlist())
        assert result.created and spotify.spotify_user.playlists
        [refresh] = [r for r in spotify.requests_to("spotify", "/api/token")
                     if r.param("grant_type") == "refresh_token"]
        assert refresh.param("refresh_token") == settings.SPOTIFY_REFRESH_TOKEN

    def test_the_environment_refresh_token_wins_over_the_stored_one(self, spotify, settings):
        service_account_connect(service="spotify", account_name="Someone else", refresh_token="AQC-other-account")
        settings.SPOTIFY_REFRESH_TOKEN = spotify.spotify_user.refresh_token
        assert playlist_spotify_export(playlist=library_playlist()).created

    def test_a_refresh_token_spotify_replaced_is_stored_in_place_of_the_old_one(self, spotify):
        old = spotify.spotify_user.refresh_token
        spotify.spotify_user.rotate_refresh_token = True
        playlist_spotify_export(playlist=library_playlist())
        assert spotify.spotify_user.refresh_token != old
        assert service_account_token(service="spotify") == spotify.spotify_user.refresh_token


class TestMatchScore:
    def teardrop(self, duration_ms=330_500):
        return make_track("Teardrop", artist=make_artist("Massive Attack"), duration_ms=duration_ms)

    def candidate(self, artist, duration_ms, name="Teardrop"):
        return {"id": "x" * 22, "name": name, "artists": [{"name": artist}], "duration_ms": duration_ms}

    def test_the_same_title_by_another_artist_is_no_match(self):
        track = self.teardrop()
        assert track_match_score(track, self.candidate("Massive Attack", 330_773)) > 0.99
        assert track_match_score(track, self.candidate("José González", 199_813)) < spotify_export.MATCH_THRESHOLD

    def test_edition_words_and_accents_do_not_lower_the_score(self):
        track = make_track("Sour Times", artist=make_artist("Portishead"), duration_ms=254_000)
        remaster = self.candidate("PORTISHEAD", 254_173, name="Sour Times (Remastered 2014)")
        assert track_match_score(track, remaster) > 0.99

    def test_a_far_off_length_lowers_the_score_but_alone_does_not_reject(self):
        track = self.teardrop()
        score = track_match_score(track, self.candidate("Massive Attack", 600_000))
        assert spotify_export.MATCH_THRESHOLD < score < 0.9
