"""The navigation's search box (htmx suggestions after two characters) and the results page at /search/."""

from datetime import timedelta

import pytest

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    artist = make_artist("Björk")
    album = make_album("Homogenic", artist=artist)
    track = make_track("Jóga", album=album, artist=artist)
    make_scrobble(track, utc(2024, 1, 1))
    make_scrobble(make_track("Bachelorette", album=album, artist=artist), utc(2024, 1, 1) + timedelta(hours=1))
    return artist, album, track


def test_the_navigation_box_asks_for_suggestions(owner_client):
    html = owner_client.get("/journal/").content.decode()
    assert 'action="/search/"' in html and 'hx-get="/search/suggestions/"' in html
    assert 'hx-trigger="input changed delay:250ms, search"' in html


def test_suggestions_link_to_every_kind_found(owner_client, library):
    artist, album, track = library
    response = owner_client.get("/search/suggestions/", {"q": "bjo"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'href="/artists/{artist.pk}/"' in html and "Björk" in html
    assert 'href="/search/?q=bjo"' in html
    joga = owner_client.get("/search/suggestions/", {"q": "joga"}).content.decode()
    assert f'href="/tracks/{track.pk}/"' in joga


def test_suggestions_wait_for_two_characters(owner_client, library):
    assert owner_client.get("/search/suggestions/", {"q": "b"}).content.decode().strip() == ""
    assert owner_client.get("/search/suggestions/", {"q": "zzzz"}).content.decode().strip() == ""


def test_the_results_page_groups_hits_by_kind_with_covers(owner_client, library):
    artist, album, track = library
    html = owner_client.get("/search/", {"q": "homogenic"}).content.decode()
    assert "<h2 class=\"card-title\" id=\"search-album\">Albums</h2>" in html and f'href="/albums/{album.pk}/"' in html
    assert "/art/album/" in html  # the album's placeholder cover
    html = owner_client.get("/search/", {"q": "bjork"}).content.decode()
    assert "Artists" in html and "Tracks" not in html
    assert 'href="/journal/?q=bjork"' in html  # the journal's own filter stays one click away


def test_the_results_page_says_when_nothing_is_found(owner_client, library):
    html = owner_client.get("/search/", {"q": "<script>x</script>"}).content.decode()
    assert "Nothing found" in html and "<script>x" not in html


@pytest.mark.parametrize("q", ["\x00", "x" * 100_000, "%", "_", '"', "'", "NEAR(", '"*'])
def test_hostile_queries_render(owner_client, library, q):
    assert owner_client.get("/search/", {"q": q}).status_code == 200
    assert owner_client.get("/search/suggestions/", {"q": q}).status_code == 200


def test_the_journal_keeps_its_own_filter(owner_client, library):
    html = owner_client.get("/journal/", {"q": "jóga"}).content.decode()
    assert "Jóga" in html and "Bachelorette" not in html


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/search/", {"q": "bjork"}).status_code == 302
    assert client.get("/search/suggestions/", {"q": "bjork"}).status_code == 302
