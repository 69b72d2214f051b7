"""Every page: who may see it, its empty state, its data, escaping, and bounded queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ArtistSimilar
from core.models import ApiToken
from playlists.models import Playlist, PlaylistTrack
from tests.factories import make_album, make_artist, make_copy, make_listening_history, make_scrobble, make_track
from tracker.models import Scrobble, TrackerState

pytestmark = pytest.mark.django_db

# name, kwargs-needing-objects?, heading
PAGES = [
    ("dashboard", "Dashboard"),
    ("journal", "Journal"),
    ("timeline", "Timeline"),
    ("collection", "Collection"),
    ("analytics", "Analytics"),
    ("playlists", "Playlists"),
    ("settings", "Settings"),
]

EMPTY_STATES = {
    "dashboard": ["LASTFM_USERNAME", "LASTFM_API_KEY", "python manage.py import_history PATH"],
    "journal": ["LASTFM_USERNAME", "python manage.py import_history PATH"],
    "timeline": ["LASTFM_API_KEY", "python manage.py import_history PATH"],
    "analytics": ["LASTFM_API_KEY", "python manage.py import_history PATH"],
    "collection": ["DISCOGS_USERNAME", "DISCOGS_TOKEN", "Sync Discogs", "python manage.py sync_discogs"],
    "playlists": ["No playlists yet", "python manage.py generate_playlist"],
    "settings": ["LASTFM_USERNAME", "DISCOGS_TOKEN", "import_history PATH", "No tokens yet"],
}


def _detail_urls():
    album = make_album("Dummy", make_artist("Portishead"), year=1994)
    return [
        (reverse("album_detail", args=[album.pk]), "Dummy"),
        (reverse("artist_detail", args=[album.artist_id]), "Portishead"),
    ]


def _all_urls():
    return [(reverse(name), heading) for name, heading in PAGES] + _detail_urls()


def test_it_redirects_anonymous_visitors_to_login(client):
    for url, _heading in _all_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_shows_every_page_with_its_heading_to_the_owner(owner_client):
    for url, heading in _all_urls():
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert f"<h1>{heading}</h1>" in response.content.decode(), url


def test_it_shows_a_page_to_any_logged_in_user(client, other_user):
    client.force_login(other_user)
    assert client.get(reverse("journal")).status_code == 200


@pytest.mark.parametrize("name", list(EMPTY_STATES))
def test_it_says_what_to_do_next_on_an_empty_database(owner_client, name):
    html = owner_client.get(reverse(name)).content.decode()
    for text in EMPTY_STATES[name]:
        assert text in html, f"{name}: missing {text!r}"


def test_it_disables_the_sync_discogs_button_while_the_collection_is_empty(owner_client):
    html = owner_client.get(reverse("collection")).content.decode()
    assert '<button type="button" class="button" disabled' in html


def test_it_answers_healthz_anonymously_with_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"]["ok"] is True


def test_it_logs_out(owner_client):
    response = owner_client.post(reverse("logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("dashboard")).status_code == 302


def test_it_renders_the_login_page_anonymously(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_it_logs_in_through_the_form(client, owner):
    from tests.conftest import OWNER_PASSWORD

    response = client.post(reverse("login"), {"username": "owner", "password": OWNER_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


class TestWithData:
    @pytest.fixture
    def history(self):
        plays = make_listening_history(plays_per_day=5, days=3)
        album = plays[0].album
        make_copy(album, instance_id=7, date_added=timezone.now())
        return plays

    def test_it_shows_recent_plays_today_and_top_artists_on_the_dashboard(self, owner_client, history):
        html = owner_client.get(reverse("dashboard")).content.decode()
        assert "Recent plays" in html
        assert "Roads" in html and "Teardrop" in html
        assert "Portishead" in html and "Massive Attack" in html
        assert "LASTFM_API_KEY" not in html  # no empty state once there are plays

    def test_it_shows_now_playing_only_while_fresh(self, owner_client, history):
        state = TrackerState.load()
        state.now_playing_track = history[0].track.album.tracks.get(title="Glory Box")
        state.now_playing_seen_at = timezone.now()
        state.save()
        assert "Glory Box" in owner_client.get(reverse("dashboard")).context["now_playing"].title
        state.now_playing_seen_at = timezone.now() - timedelta(hours=1)
        state.save()
        assert owner_client.get(reverse("dashboard")).context["now_playing"] is None

    def test_it_groups_the_journal_by_day(self, owner_client, history):
        html = owner_client.get(reverse("journal")).content.decode()
        assert html.count('class="day-head"') == 3
        assert html.count('<li class="play') == 15

    def test_it_filters_the_journal(self, owner_client, history):
        portishead = (history[0].artist if history[0].artist.name == "Portishead"
                      else Scrobble.objects.filter(artist__name="Portishead").first().artist)
        response = owner_client.get(reverse("journal"), {"artist": portishead.pk})
        assert {p.artist_id for p in response.context["page"].plays} == {portishead.pk}
        response = owner_client.get(reverse("journal"), {"q": "teardrop"})
        assert {p.track.title for p in response.context["page"].plays} == {"Teardrop"}
        Scrobble.objects.filter(pk=history[0].pk).update(loved=True)
        response = owner_client.get(reverse("journal"), {"loved": "1"})
        assert [p.pk for p in response.context["page"].plays] == [history[0].pk]

    def test_it_pages_the_journal_by_keyset_without_gaps_or_repeats(self, owner_client, history, monkeypatch):
        monkeypatch.setattr("tracker.selectors.journal.PAGE_SIZE", 4)
        seen, url, pages = [], reverse("journal"), 0
        while True:
            response = owner_client.get(url, HTTP_HX_REQUEST="true") if pages else owner_client.get(url)
            page = response.context["page"]
            seen += [p.pk for p in page.plays]
            pages += 1
            if not page.next_cursor:
                break
            assert f"before={page.next_cursor}" in response.content.decode()
            url = f"{reverse('journal')}?before={page.next_cursor}"
        expected = list(Scrobble.objects.order_by("-played_at", "-id").values_list("pk", flat=True))
        assert seen == expected
        assert pages == 4

    def test_it_answers_load_more_with_only_the_rows_fragment(self, owner_client, history, monkeypatch):
        monkeypatch.setattr("tracker.selectors.journal.PAGE_SIZE", 4)
        first = owner_client.get(reverse("journal")).context["page"]
        response = owner_client.get(reverse("journal"), {"more": first.next_cursor}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert "<html" not in html and html.count('<li class="play') == 4

    def test_it_shows_one_day_hour_by_hour_on_the_timeline(self, owner_client, history):
        day = history[0].local_date
        response = owner_client.get(reverse("timeline"), {"date": day.isoformat()})
        html = response.content.decode()
        assert len(response.context["page"].plays) == 5 and response.context["day_total"] == 5
        assert f'id="hour-{history[0].local_hour}"' in html
        assert f"?date={(day - timedelta(days=1)).isoformat()}" in html  # previous day link
        assert 'class="heatmap-grid"' in html

    def test_it_falls_back_to_today_on_a_malformed_timeline_date(self, owner_client, history):
        response = owner_client.get(reverse("timeline"), {"date": "not-a-date"})
        assert response.status_code == 200
        assert response.context["day"] == timezone.localdate()

    def test_it_shows_top_charts_on_analytics(self, owner_client, history):
        response = owner_client.get(reverse("analytics"), {"period": "7d"})
        html = response.content.decode()
        overview = response.context["overview"]
        assert overview.totals.current.plays == 15
        assert [r.obj.name for r in overview.tops["artists"].rows][:2] in (
            ["Portishead", "Massive Attack"], ["Massive Attack", "Portishead"])
        assert "Listening clock" in html and "Plays per day" in html
        assert sum(bar["value"] for bar in response.context["over_time_bars"]) == 15

    def test_it_shows_owned_albums_in_the_collection(self, owner_client, history):
        response = owner_client.get(reverse("collection"))
        html = response.content.decode()
        assert "Dummy" in html and "Mezzanine" not in html
        assert response.context["summary"].copies == 1

    def test_it_hides_removed_copies_from_the_collection(self, owner_client, history):
        from catalog.models import CollectionItem

        CollectionItem.objects.update(removed_at=timezone.now())
        assert "No records in the collection yet" in owner_client.get(reverse("collection")).content.decode()

    def test_it_filters_the_collection_by_format_and_search(self, owner_client, history):
        vinyl = make_album("Blue Lines", make_artist("Smith & Mighty"), format="Vinyl")
        make_copy(vinyl, instance_id=8)
        by_format = owner_client.get(reverse("collection"), {"format": "Vinyl"}).context["page"].object_list
        assert [a.title for a in by_format] == ["Blue Lines"]
        by_text = owner_client.get(reverse("collection"), {"q": "dumm"}).context["page"].object_list
        assert [a.title for a in by_text] == ["Dummy"]

    def test_it_shows_the_album_page(self, owner_client, history):
        album = history[0].album
        response = owner_client.get(reverse("album_detail", args=[album.pk]))
        html = response.content.decode()
        view = response.context["view"]
        assert view.plays == Scrobble.objects.filter(album=album).count()
        assert {t.title: t.plays for t in view.tracks}["Roads"] == Scrobble.objects.filter(track__title="Roads").count()
        assert "Owned copies" in html and "added" in html
        assert "First play" in html and "Last play" in html

    def test_it_shows_the_artist_page(self, owner_client, history):
        artist = Scrobble.objects.filter(artist__name="Portishead").first().artist
        other = Scrobble.objects.filter(artist__name="Massive Attack").first().artist
        ArtistSimilar.objects.create(artist=artist, similar=other, match=0.8)
        response = owner_client.get(reverse("artist_detail", args=[artist.pk]))
        html = response.content.decode()
        view = response.context["view"]
        assert [a.title for a in view.albums] == ["Dummy"]
        assert view.albums[0].owned
        assert {t.title for t in view.top_tracks} == {"Roads", "Glory Box"}
        assert "Massive Attack" in html and "80% match" in html
        assert view.months and sum(b["value"] for b in view.months) == view.plays
        assert 'class="chart-bars"' in html

    def test_it_answers_404_for_an_unknown_album_or_artist(self, owner_client):
        assert owner_client.get(reverse("album_detail", args=[999])).status_code == 404
        assert owner_client.get(reverse("artist_detail", args=[999])).status_code == 404

    def test_it_lists_playlists_with_their_tracks(self, owner_client, history):
        playlist = Playlist.objects.create(name="Bristol nights", algorithm="top_forgotten")
        for position, track in enumerate({p.track for p in history}, start=1):
            PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
        html = owner_client.get(reverse("playlists")).content.decode()
        assert "Bristol nights" in html and "4 tracks" in html
        assert f'href="{reverse("playlist_detail", args=[playlist.pk])}"' in html
        assert "Teardrop" in owner_client.get(reverse("playlist_detail", args=[playlist.pk])).content.decode()


class TestArt:
    def test_it_draws_a_placeholder_cover_with_initials(self, owner_client):
        album = make_album("Dig Your Own Hole", make_artist("The Chemical Brothers"))
        response = owner_client.get(reverse("placeholder_art", args=["album", album.pk]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/svg+xml")
        assert "max-age=31536000" in response["Cache-Control"]
        assert ">DY</text>" in response.content.decode()

    def test_it_uses_the_placeholder_only_when_there_is_no_cover(self, owner_client):
        plain = make_album("Dummy", make_artist("Portishead"))
        covered = make_album("Third", plain.artist, cover_url="/media/third.jpg")
        make_copy(plain, instance_id=1)
        make_copy(covered, instance_id=2)
        html = owner_client.get(reverse("collection")).content.decode()
        assert f'src="/art/album/{plain.pk}.svg?v=' in html
        assert 'src="/media/third.jpg"' in html

    def test_it_escapes_names_inside_the_svg(self, owner_client):
        artist = make_artist('<b onload="x">&')
        svg = owner_client.get(reverse("placeholder_art", args=["artist", artist.pk])).content.decode()
        assert "<b " not in svg and "&lt;b" in svg

    def test_it_refuses_anonymous_and_unknown_art(self, owner_client):
        album = make_album()
        assert Client().get(reverse("placeholder_art", args=["album", album.pk])).status_code == 302
        assert owner_client.get("/art/album/12345.svg").status_code == 404
        assert owner_client.get("/art/robot/1.svg").status_code == 404


HOSTILE = "<script>alert(1)</script>{{ 7*7 }}"


def test_it_escapes_titles_and_names_everywhere(owner_client):
    artist = make_artist(HOSTILE)
    album = make_album(HOSTILE, artist, format="Vinyl")
    track = make_track(HOSTILE, album)
    make_scrobble(track, timezone.now() - timedelta(minutes=5))
    make_copy(album, instance_id=99)
    playlist = Playlist.objects.create(name=HOSTILE, description=HOSTILE)
    PlaylistTrack.objects.create(playlist=playlist, track=track, position=1)
    showing_it = [reverse(name) for name in ("dashboard", "journal", "collection", "analytics", "playlists")] + [
        reverse("album_detail", args=[album.pk]),
        reverse("artist_detail", args=[artist.pk]),
    ]
    for url in showing_it + [reverse("timeline"), reverse("settings"), reverse("journal") + "?q=%3Cscript%3E"]:
        html = owner_client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
        if url in showing_it:
            assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html, url


def test_it_keeps_journal_queries_constant_as_rows_grow(owner_client):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            response = owner_client.get(reverse("journal"))
        assert response.status_code == 200
        return len(captured), len(response.context["page"].plays)

    make_listening_history(plays_per_day=2, days=1)
    few_queries, few_rows = count_queries()
    make_listening_history_more(60)
    many_queries, many_rows = count_queries()
    assert many_rows > few_rows
    assert many_queries == few_queries


def make_listening_history_more(count: int):
    artist = make_artist("Boards of Canada")
    for n in range(count):
        if n % 10 == 0:
            album = make_album(f"Album {n}", artist)
        track = make_track(f"Track {n}", album)
        make_scrobble(track, timezone.now() - timedelta(hours=n + 1), loved=n % 3 == 0)


@pytest.mark.parametrize("name", ["dashboard", "timeline", "analytics", "collection", "playlists"])
def test_it_keeps_other_page_queries_constant_as_rows_grow(owner_client, name):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse(name)).status_code == 200
        return len(captured)

    plays = make_listening_history(plays_per_day=2, days=2)
    make_copy(plays[0].album, instance_id=1)
    before = count_queries()
    make_listening_history_more(40)
    for n, album in enumerate({p.album for p in Scrobble.objects.select_related("album")[:30] if p.album}):
        make_copy(album, instance_id=100 + n)
    playlist = Playlist.objects.create(name="Mix")
    for position, track in enumerate({p.track for p in Scrobble.objects.select_related("track")[:20]}, start=1):
        PlaylistTrack.objects.create(playlist=playlist, track=track, position=position)
    after = count_queries()
    # The first playlist adds its list, covers and albums; rows themselves never add queries.
    assert after <= before + (3 if name == "playlists" else 0)


class TestApiTokens:
    def test_it_shows_a_new_token_once_and_stores_only_its_hash(self, owner_client, owner):
        response = owner_client.post(reverse("settings"), {"action": "create_token", "name": "home-assistant"})
        assert response.status_code == 200
        raw = response.context["new_token"]
        assert raw.startswith("mj_") and raw in response.content.decode()
        token = ApiToken.objects.get(user=owner)
        assert token.name == "home-assistant"
        assert token.token_hash == ApiToken.hash(raw) and raw not in (token.token_hash, token.prefix)
        again = owner_client.get(reverse("settings")).content.decode()
        assert raw not in again and "home-assistant" in again and token.prefix in again

    def test_it_revokes_only_the_users_own_token(self, owner_client, owner, other_user):
        mine, _ = ApiToken.issue(user=owner, name="mine")
        theirs, _ = ApiToken.issue(user=other_user, name="theirs")
        owner_client.post(reverse("settings"), {"action": "revoke_token", "token_id": theirs.pk})
        assert ApiToken.objects.filter(pk=theirs.pk).exists()
        response = owner_client.post(reverse("settings"), {"action": "revoke_token", "token_id": mine.pk})
        assert response.status_code == 302
        assert not ApiToken.objects.filter(pk=mine.pk).exists()

    def test_it_lists_only_the_users_tokens(self, owner_client, other_user):
        ApiToken.issue(user=other_user, name="someone-elses")
        assert "someone-elses" not in owner_client.get(reverse("settings")).content.decode()

    def test_it_includes_the_outside_services_panel(self, owner_client):
        html = owner_client.get(reverse("settings")).content.decode()
        assert "Last.fm" in html and "Discogs" in html and 'id="services"' in html
