"""The settings page's journal export: a streamed download behind the login, in every format."""

import io
import json
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from tests.tracker.test_export_journal import csv_plays, database_plays, hostile_history, json_plays
from tracker.selectors import export

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def download(client, **params):
    return client.get(reverse("journal_export"), params)


def test_anonymous_user_is_redirected_to_login(client):
    hostile_history()
    response = download(client, format="csv")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_settings_page_offers_the_export_form(owner_client):
    body = owner_client.get(reverse("settings")).content.decode()
    assert f'action="{reverse("journal_export")}"' in body
    for value in export.FORMATS:
        assert f'<option value="{value}">' in body
    assert '<input type="date" name="since">' in body
    assert "Europe/Paris" in body


def test_it_streams_the_csv_as_an_attachment(owner_client):
    hostile_history()
    response = download(owner_client, format="csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="music-journal-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert "no-cache" in response["Cache-Control"]
    assert csv_plays(b"".join(response.streaming_content).decode()) == database_plays()


def test_it_streams_a_chunk_per_batch_of_plays(owner_client, monkeypatch):
    hostile_history()
    monkeypatch.setattr(export, "BATCH_SIZE", 2)
    chunks = list(download(owner_client, format="csv").streaming_content)
    assert len(chunks) == 1 + 3  # the header, then 2 + 2 + 1 plays
    assert csv_plays(b"".join(chunks).decode()) == database_plays()


def test_the_json_download_holds_plays_collection_and_facts(owner_client):
    hostile_history()
    response = download(owner_client, format="json", since="2024-03-10")
    assert response.streaming and response["Content-Type"] == "application/json"
    document = json.loads(b"".join(response.streaming_content))
    assert json_plays(document) == database_plays(since=date(2024, 3, 10))
    assert len(document["plays"]) == 4
    assert [copy["discogs_instance_id"] for copy in document["collection"]] == [99_001]
    assert document["facts"][0]["evidence"][0].startswith("https://www.last.fm/")


def test_the_listenbrainz_download_is_a_zip_named_as_listenbrainz_names_them(owner_client):
    hostile_history()
    response = download(owner_client, format="listenbrainz")
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="listenbrainz_owner_')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == ["listens/2024/3.jsonl", "listens/2024/4.jsonl"]
        assert archive.testzip() is None


@pytest.mark.parametrize("params, message", [
    ({"format": "xml"}, "Unknown export format &#x27;xml&#x27;."),
    ({"format": "csv", "since": "yesterday"}, "&#x27;yesterday&#x27; is not a date like 2024-01-31."),
])
def test_a_bad_choice_goes_back_to_the_form_with_a_message(owner_client, params, message):
    response = download(owner_client, **params)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('settings')}#export"
    assert message in owner_client.get(response["Location"]).content.decode()


def test_the_export_is_a_read_only_get(owner_client):
    assert owner_client.post(reverse("journal_export"), {"format": "csv"}).status_code == 405
