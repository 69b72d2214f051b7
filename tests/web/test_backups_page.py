"""The settings page lists the backups and offers the newest for download: the owner only, files of the
backup folder only."""

from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEWEST = "journal-2026-12-02T033000Z.sqlite3"
OLDER = "journal-2026-12-01T033000Z.sqlite3"
KEPT = "journal-2026-11-20T101500Z-before-restore.sqlite3"


@pytest.fixture
def backup_folder(settings, tmp_path) -> Path:
    folder = tmp_path / "data" / "backups"
    folder.mkdir(parents=True)
    settings.BACKUP_DIR = folder
    (folder / NEWEST).write_bytes(b"SQLite format 3\x00" + b"n" * 3000)
    (folder / OLDER).write_bytes(b"SQLite format 3\x00" + b"o" * 100)
    (folder / KEPT).write_bytes(b"SQLite format 3\x00")
    (tmp_path / "data" / "secret_key").write_text("do-not-serve")
    return folder


def download(client, name: str):
    return client.get(reverse("backup_download", args=[name]))


def test_it_lists_the_backups_with_size_and_date_newest_first(owner_client, backup_folder):
    page = owner_client.get(reverse("settings")).content.decode()
    assert 'id="backups"' in page
    assert page.index(NEWEST) < page.index(OLDER) < page.index(KEPT)
    assert "2.9\xa0KB" in page and "116\xa0bytes" in page  # sizes
    assert "2 Dec 2026 03:30" in page and "20 Nov 2026 10:15" in page  # dates (TIME_ZONE is UTC here)
    assert "kept by a restore" in page
    assert f'href="{reverse("backup_download", args=[NEWEST])}"' in page
    assert "each day's newest for 7 days, then each week's for 4 more weeks" in page


def test_it_says_so_when_there_is_no_backup_yet(owner_client, settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "nothing-yet"
    page = owner_client.get(reverse("settings")).content.decode()
    assert "No backups yet." in page and "Download the newest backup" not in page


def test_it_streams_the_newest_backup_as_an_attachment(owner_client, backup_folder):
    response = download(owner_client, NEWEST)
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == (backup_folder / NEWEST).read_bytes()
    assert response["Content-Disposition"] == f'attachment; filename="{NEWEST}"'
    assert response["Content-Type"] == "application/octet-stream"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", [
    "..",
    "secret_key",  # beside the folder
    "journal-2026-12-03T033000Z.sqlite3",  # no such backup
    ".journal-2026-12-03T033000Z.sqlite3.partial",  # half-written
    "notes.txt",
    "journal-2026-12-04T033000Z.sqlite3",  # a link out of the folder, named like a backup
])
def test_it_answers_404_for_anything_but_a_backup_in_the_folder(owner_client, backup_folder, name):
    (backup_folder / ".journal-2026-12-03T033000Z.sqlite3.partial").write_bytes(b"half")
    (backup_folder / "notes.txt").write_text("mine")
    (backup_folder / "journal-2026-12-04T033000Z.sqlite3").symlink_to(backup_folder.parent / "secret_key")
    assert download(owner_client, name).status_code == 404


@pytest.mark.parametrize("path", ["/settings/backups/..%2Fsecret_key", "/settings/backups/%2E%2E/secret_key",
                                  "/settings/backups/../secret_key"])
def test_no_path_reaches_outside_the_folder(owner_client, backup_folder, path):
    response = owner_client.get(path)
    assert response.status_code == 404 and b"do-not-serve" not in b"".join(getattr(response, "streaming_content", []))


def test_a_user_who_is_not_the_owner_cannot_download_a_backup(client, other_user, backup_folder):
    client.force_login(other_user)
    assert download(client, NEWEST).status_code == 403
    assert "Download the newest backup" not in client.get(reverse("settings")).content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, backup_folder):
    response = download(client, NEWEST)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
