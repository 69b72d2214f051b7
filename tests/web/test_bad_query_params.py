"""Out-of-range numbers and dates in query strings and forms: pages ignore them (200), the API
answers 400 with {"detail": "..."}; nothing answers 500 (the client does not re-raise, as with
DEBUG=0) and nothing unfit is stored."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import ApiToken
from tests.factories import make_album, make_artist, make_copy, make_listening_history
from tracker.selectors import journal

pytestmark = pytest.mark.django_db

TOO_BIG = "9223372036854775808"  # 2**63

PAGE_URLS = [
    f"/collection/?label={TOO_BIG}",
    f"/collection/?folder={TOO_BIG}",
    f"/collection/?page={TOO_BIG}",
    "/journal/?to=9999-12-31",
    "/journal/?from=0001-01-01",
    "/journal/?artist=²",
    f"/journal/?album={TOO_BIG}",
    "/timeline/?date=9999-12-31",
    "/timeline/?date=0001-01-01",
]
API_URLS = [
    f"/api/v1/collection/albums?label={TOO_BIG}",
    f"/api/v1/collection/albums?folder={TOO_BIG}",
    "/api/v1/collection/albums?limit=9223372036854775807",
    f"/api/v1/collection/artists?limit={TOO_BIG}",
    "/api/v1/collection/albums?limit=0",
    "/api/v1/collection/albums?cursor=bm90IGEgY3Vyc29y",
    "/api/v1/collection/artists?cursor=%00",
    "/api/v1/history/tracks?to=9999-12-31",
    "/api/v1/history/tracks?from=0001-01-01",
    "/api/v1/history/tracks?artist=²",
    f"/api/v1/history/tracks?track={TOO_BIG}",
    "/api/v1/history/timeline?date=9999-12-31",
    "/api/v1/history/timeline?date=0001-01-01",
]


@pytest.fixture
def browser(owner):
    album = make_album("Moon Safari", make_artist("Air"), discogs_release_id=1)
    make_copy(album)
    make_listening_history(plays_per_day=2, days=2)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.mark.parametrize("url", PAGE_URLS + API_URLS)
def test_an_out_of_range_value_is_never_a_server_error(browser, url):
    response = browser.get(url)
    assert response.status_code < 500
    if url.startswith("/api/"):
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert isinstance(detail, str) and detail
    else:
        assert response.status_code == 200


def test_an_api_list_of_one_page_has_no_next_cursor(browser):
    body = browser.get("/api/v1/collection/albums", {"limit": 500}).json()
    assert len(body["items"]) == 1 and body["total"] == 1 and body["next_cursor"] is None


def test_out_of_range_filters_fall_back_on_pages():
    filters = journal.parse_filters(artist=TOO_BIG, date_to="9999-12-31", date_from="0001-01-01", q="ro\x00ads\n")
    assert filters == journal.JournalFilters(q="roads")


@pytest.mark.parametrize("posted, stored", [
    ("\x00", "default"),
    ("  \x00\x01\r\n ", "default"),
    ("ci\x00 runner\tbox", "ci runner box"),
    ("n" * 500, "n" * ApiToken._meta.get_field("name").max_length),
])
def test_a_token_name_is_cleaned_before_it_is_stored(owner_client, posted, stored):
    response = owner_client.post(reverse("settings"), {"action": "create_token", "name": posted})
    assert response.status_code == 200
    assert ApiToken.objects.get().name == stored


@pytest.mark.django_db
def test_a_token_id_that_is_not_a_plain_id_revokes_nothing_and_answers_no_error(owner_client, owner):
    ApiToken.issue(user=owner, name="kept")
    for token_id in ("²", "9223372036854775808", "-1", ""):
        response = owner_client.post("/settings/", {"action": "revoke_token", "token_id": token_id})
        assert response.status_code == 302
    assert ApiToken.objects.filter(name="kept").exists()


@pytest.mark.django_db
def test_the_command_cleans_a_token_name_too(owner, capsys):
    from django.core.management import call_command

    call_command("create_api_token", "owner", "--name", "\x00 scripts\x07")
    assert ApiToken.objects.get().name == "scripts"
