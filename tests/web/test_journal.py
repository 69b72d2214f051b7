"""The journal page: every filter narrows, chips remove one filter, infinite scroll keeps a
reloadable URL, names stay text, and queries do not grow with the rows shown."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_album, make_artist, make_scrobble, make_track, utc
from tracker.models import Scrobble
from tracker.selectors import journal

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}"


@pytest.fixture
def plays():
    """Eight plays over four days (2024-05-01..04, UTC) across two artists, albums and sources."""
    portishead, massive = make_artist("Portishead"), make_artist("Massive Attack")
    dummy, mezzanine = make_album("Dummy", portishead), make_album("Mezzanine", massive)
    roads, glory = make_track("Roads", dummy), make_track("Glory Box", dummy)
    teardrop, angel = make_track("Teardrop", mezzanine), make_track("Angel", mezzanine)
    rows = {}
    for day, (track, source, loved) in enumerate([
        (roads, "lastfm", False), (glory, "spotify", True), (teardrop, "lastfm", False), (angel, "listenbrainz", False),
        (roads, "spotify", False), (teardrop, "spotify", True), (glory, "lastfm", False), (angel, "lastfm", False),
    ]):
        rows[day] = make_scrobble(track, utc(2024, 5, 1 + day // 2, 10 + day, 0), source=source, loved=loved)
    return {"rows": rows, "portishead": portishead, "dummy": dummy, "roads": roads, "teardrop": teardrop}


def shown(owner_client, **params) -> list[Scrobble]:
    response = owner_client.get(reverse("journal"), params)
    assert response.status_code == 200
    return response.context["page"].plays


def titles(plays_) -> set[str]:
    return {p.track.title for p in plays_}


class TestFilters:
    def test_it_narrows_by_artist(self, owner_client, plays):
        assert {p.artist.name for p in shown(owner_client, artist=plays["portishead"].pk)} == {"Portishead"}

    def test_it_narrows_by_album(self, owner_client, plays):
        assert titles(shown(owner_client, album=plays["dummy"].pk)) == {"Roads", "Glory Box"}

    def test_it_narrows_by_track(self, owner_client, plays):
        assert [p.track_id for p in shown(owner_client, track=plays["roads"].pk)] == [plays["roads"].pk] * 2

    def test_it_narrows_by_source(self, owner_client, plays):
        assert {p.source for p in shown(owner_client, source="spotify")} == {"spotify"}
        assert len(shown(owner_client, source="spotify")) == 3

    def test_it_narrows_to_loved_plays(self, owner_client, plays):
        assert titles(shown(owner_client, loved="1")) == {"Glory Box", "Teardrop"}

    def test_it_narrows_by_text_in_track_artist_or_album(self, owner_client, plays):
        assert titles(shown(owner_client, q="tear")) == {"Teardrop"}
        assert titles(shown(owner_client, q="massive")) == {"Teardrop", "Angel"}
        assert titles(shown(owner_client, q="DUMMY")) == {"Roads", "Glory Box"}

    def test_it_narrows_by_a_date_range_of_local_days(self, owner_client, plays):
        in_range = shown(owner_client, **{"from": "2024-05-02", "to": "2024-05-03"})
        assert {p.local_date.isoformat() for p in in_range} == {"2024-05-02", "2024-05-03"}
        assert len(in_range) == 4
        assert len(shown(owner_client, **{"from": "2024-05-04"})) == 2

    def test_it_combines_filters(self, owner_client, plays):
        assert titles(shown(owner_client, source="spotify", loved="1",
                            artist=plays["teardrop"].artist_id)) == {"Teardrop"}

    def test_it_ignores_malformed_filters_on_the_page(self, owner_client, plays):
        assert len(shown(owner_client, artist="x", source="napster", **{"from": "yesterday"})) == 8

    def test_it_shows_each_filter_as_a_chip_that_removes_only_itself(self, owner_client, plays):
        response = owner_client.get(reverse("journal"), {"artist": plays["portishead"].pk, "source": "spotify"})
        chips = {item["chip"].param: item for item in response.context["chips"]}
        assert chips["artist"]["chip"].value == "Portishead"
        assert parse_qs(urlsplit(chips["artist"]["remove"]).query) == {"source": ["spotify"]}
        assert parse_qs(urlsplit(chips["source"]["remove"]).query) == {"artist": [str(plays["portishead"].pk)]}
        html = response.content.decode()
        assert 'data-filter="artist"' in html and 'aria-label="Remove the artist filter"' in html

    def test_it_answers_a_filter_change_with_the_results_and_a_tidy_url(self, owner_client, plays):
        response = owner_client.get(
            reverse("journal"), {"q": "", "source": "spotify", "from": "", "to": ""},
            HTTP_HX_REQUEST="true", HTTP_HX_TARGET="journal-results",
        )
        html = response.content.decode()
        assert "<html" not in html and 'class="filters card"' in html
        assert response["HX-Push-Url"] == "/journal/?source=spotify"

    def test_it_links_names_in_rows_to_narrower_views(self, owner_client, plays):
        html = owner_client.get(reverse("journal"), {"source": "spotify"}).content.decode()
        assert f'href="/journal/?source=spotify&amp;artist={plays["portishead"].pk}"' in html


class TestInfiniteScroll:
    @pytest.fixture
    def many(self):
        track = make_track("Roads")
        start = utc(2024, 5, 1, 12, 0)
        return [make_scrobble(track, start - timedelta(hours=n)) for n in range(12)]

    def test_it_loads_more_when_the_end_of_the_rows_is_revealed_with_a_real_link_fallback(self, owner_client, many,
                                                                                          monkeypatch):
        monkeypatch.setattr(journal, "PAGE_SIZE", 5)
        html = owner_client.get(reverse("journal")).content.decode()
        assert html.count('hx-trigger="revealed"') == 1
        after_last_row = html.split('<li class="play')[5].split("</ol>")[1]
        assert 'id="load-more" hx-get="/journal/?more=' in after_last_row and 'hx-trigger="revealed"' in after_last_row
        assert 'href="/journal/?before=' in after_last_row  # works without JavaScript

    def test_it_appends_the_next_rows_and_replaces_the_url_with_one_that_reloads_them(self, owner_client, many,
                                                                                      monkeypatch):
        monkeypatch.setattr(journal, "PAGE_SIZE", 5)
        first = owner_client.get(reverse("journal")).context["page"]
        response = owner_client.get(reverse("journal"), {"more": first.next_cursor}, HTTP_HX_REQUEST="true",
                                    HTTP_HX_TARGET="load-more")
        second = response.context["page"]
        assert [p.pk for p in second.plays] == [p.pk for p in many[5:10]]
        reload_url = response["HX-Replace-Url"]
        assert "until=" in reload_url and "more=" not in reload_url
        reloaded = owner_client.get(reload_url).context["page"]
        assert [p.pk for p in reloaded.plays] == [p.pk for p in many[:10]]
        assert reloaded.next_cursor == second.next_cursor  # scrolling on continues where it was

    def test_it_ends_the_scroll_without_a_trigger_on_the_last_page(self, owner_client, many, monkeypatch):
        monkeypatch.setattr(journal, "PAGE_SIZE", 5)
        first = owner_client.get(reverse("journal")).context["page"]
        second = owner_client.get(reverse("journal"), {"more": first.next_cursor},
                                  HTTP_HX_REQUEST="true").context["page"]
        html = owner_client.get(reverse("journal"), {"more": second.next_cursor},
                                HTTP_HX_REQUEST="true").content.decode()
        assert html.count('<li class="play') == 2 and "revealed" not in html and "every play" in html

    def test_it_keeps_filters_while_scrolling(self, owner_client, plays, monkeypatch):
        monkeypatch.setattr(journal, "PAGE_SIZE", 2)
        first = owner_client.get(reverse("journal"), {"source": "lastfm"}).context["page"]
        html = owner_client.get(reverse("journal"), {"source": "lastfm"}).content.decode()
        assert f"source=lastfm&amp;more={first.next_cursor}" in html
        rest = owner_client.get(reverse("journal"), {"source": "lastfm", "more": first.next_cursor},
                                HTTP_HX_REQUEST="true")
        assert {p.source for p in rest.context["page"].plays} == {"lastfm"}

    def test_it_opens_a_fragment_url_as_a_full_page(self, owner_client, many, monkeypatch):
        monkeypatch.setattr(journal, "PAGE_SIZE", 5)
        first = owner_client.get(reverse("journal")).context["page"]
        response = owner_client.get(reverse("journal"), {"more": first.next_cursor})
        assert "<html" in response.content.decode() and "Back to the newest" in response.content.decode()

    def test_it_keeps_query_count_constant_whatever_the_page_size(self, owner_client, many, monkeypatch):
        counts = []
        for size in (2, 10):
            monkeypatch.setattr(journal, "PAGE_SIZE", size)
            with CaptureQueriesContext(connection) as captured:
                response = owner_client.get(reverse("journal"), {"source": "lastfm", "q": "roads"})
            assert len(response.context["page"].plays) == size
            counts.append(len(captured))
        assert counts[0] == counts[1]


def test_it_shows_hostile_names_as_text(owner_client):
    track = make_track(HOSTILE, make_album(HOSTILE, make_artist(HOSTILE)))
    make_scrobble(track, utc(2024, 5, 1, 12, 0))
    html = owner_client.get(reverse("journal"), {"artist": track.artist_id, "q": HOSTILE}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html
    assert "&lt;/script&gt;49" not in html  # the braces are text, not a template (ids may hold a 49)


def test_it_refuses_anonymous_visitors(client):
    assert client.get(reverse("journal")).status_code == 302


@pytest.mark.parametrize("window", [1, 3, 100])
def test_it_finds_text_matches_newest_first_on_both_sides_of_the_search_window(window, monkeypatch):
    monkeypatch.setattr(journal, "SEARCH_WINDOW", window)
    roads, angel = make_track("Roads"), make_track("Angel", make_album("Mezzanine", make_artist("Massive Attack")))
    plays = [make_scrobble(roads if n % 3 == 0 else angel, utc(2024, 5, 1, 12, 0) - timedelta(hours=n))
             for n in range(12)]
    expected = [p.pk for p in plays if p.track_id == roads.pk]
    filters = journal.parse_filters(q="road")
    first = journal.journal_page(filters=filters, limit=3)
    rest = journal.journal_page(filters=filters, cursor=first.next_cursor, limit=3)
    assert [p.pk for p in first.plays + rest.plays] == expected and rest.next_cursor == ""
    assert journal.journal_page(filters=journal.parse_filters(q="nowhere")).plays == []
