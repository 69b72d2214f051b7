"""A page read never writes to the database: while an import holds SQLite's writer lock, pages
(and the caches behind them) only read, so they never wait for it (bench/load_during_import.py)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_album, make_artist, make_copy, make_listening_history, make_track

PAGES = ["/", "/journal/", "/journal/?q=Dummy", "/timeline/", "/analytics/", "/analytics/?period=all",
         "/collection/", "/playlists/"]


def writes(queries) -> list[str]:
    reads = ("SELECT", "SAVEPOINT", "RELEASE SAVEPOINT")  # savepoints: the test's own transaction
    return [q["sql"][:120] for q in queries if not q["sql"].lstrip().upper().startswith(reads)]


@pytest.mark.django_db
def test_no_page_writes_to_the_database_cold_or_warm(owner_client):
    plays = make_listening_history(plays_per_day=4, days=40)
    album = make_album("Dummy", make_artist("Beth Gibbons & Rustin Man"))
    make_track("Roads", album)
    make_copy(album, instance_id=9)
    pages = PAGES + [f"/artists/{plays[0].artist_id}/", f"/albums/{album.pk}/"]
    owner_client.get("/")  # the login's session is written once, before
    for attempt in ("cold", "warm"):
        if attempt == "cold":
            caches["pages"].clear()
            caches["default"].clear()
        for path in pages:
            with CaptureQueriesContext(connection) as captured:
                assert owner_client.get(path).status_code == 200
            assert writes(captured.captured_queries) == [], f"{path} ({attempt}) writes"
