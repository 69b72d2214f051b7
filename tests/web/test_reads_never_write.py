"""A page read never writes to the database: while an import holds SQLite's writer lock, pages
(and the caches behind them) only read, so they never wait for it (bench/load_during_import.py)."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_album, make_artist, make_copy, make_listening_history, make_track

PAGES = ["/", "/journal/", "/journal/?q=Dummy", "/timeline/", "/analytics/", "/analytics/?period=all",
         "/analytics/habits/", "/analytics/habits/?period=all", "/collection/", "/playlists/"]


# Savepoints: the test's own transaction. On PostgreSQL, a read streamed in chunks: its
# server-side cursor (DECLARE … FOR SELECT), planned without JIT compilation (SET LOCAL jit).
READ = re.compile(r"(SELECT|SAVEPOINT|RELEASE SAVEPOINT|DECLARE \S+ NO SCROLL CURSOR (WITH HOLD )?FOR SELECT"
                  r"|SET LOCAL JIT = OFF)\b")


def writes(queries) -> list[str]:
    return [q["sql"][:120] for q in queries if not READ.match(q["sql"].lstrip().upper())]


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
