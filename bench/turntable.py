"""'I'm playing this' at scale: logging a side and undoing it, and the album page with its turntable card.

Uses the library of --data-dir (a COPY of the 1,000,000-play library: the script migrates it and writes
to it; seeded as bench/pages.py does when empty), adds one owned record with a 10-track Discogs
tracklist (sides A and B), then, as the logged-in owner through the Django test client, times
--runs times: the htmx POST that logs side A started two hours ago (all five plays stored in the
request, through the one ingest path), the POST of its undo, a log of side B "from now" (one play
stored, four to come) and the album page with the card and the latest session (cold).
Tasks are queued to the ORM broker as in production, not run. Aim: each figure ≤ 250 ms.
Run: .venv/bin/python bench/turntable.py --data-dir /tmp/you/big-copy [--runs 5]
"""

import argparse
import statistics
import sys
import time

from pages import ROOT, measure, seeded_library, statistics_state  # bench/pages.py (run from bench/)

TARGET_MS = 250


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="", help="A copy of the library to write to (seeded when empty).")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with seeded_library(args):
        run(args)


def run(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from catalog.models import Album, Artist, CollectionItem, Track
    from tracker.models import Scrobble, TurntableSession

    statistics_state("analyzed")
    user, _ = get_user_model().objects.get_or_create(username="bench-turntable",
                                                     defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    artist, _ = Artist.objects.get_or_create(name_key="bench turntable", defaults={"name": "Bench Turntable"})
    album, created = Album.objects.get_or_create(discogs_release_id=987_654_321,
                                                 defaults={"title": "Bench Sides", "artist": artist, "format": "Vinyl"})
    if created:
        for number in range(10):
            position = f"{'AB'[number // 5]}{number % 5 + 1}"
            Track.objects.create(title=f"Bench track {number + 1}", artist=artist, album=album, number=number + 1,
                                 position=position, duration_ms=None if number == 3 else 200_000 + number * 7_000)
        CollectionItem.objects.create(album=album, discogs_instance_id=987_654_321)
    print(f"database: {connection.vendor}; scrobbles: {Scrobble.objects.count():,}")

    def timed(post_url: str, data: dict) -> float:
        start = time.perf_counter()
        response = client.post(post_url, data, HTTP_HX_REQUEST="true")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200 or b"form-errors" in response.content:
            sys.exit(f"{post_url} failed: {response.status_code} {response.content[:300]!r}")
        return elapsed

    log_url = reverse("turntable_log", args=[album.pk])
    logs, undos, nows = [], [], []
    for run_index in range(args.runs):
        started = timezone.localtime(timezone.now() - timedelta(hours=2 + run_index)).strftime("%Y-%m-%dT%H:%M")
        logs.append(timed(log_url, {"side": "A", "started_at": started}))
        session = TurntableSession.objects.filter(album=album).order_by("-pk").first()
        undos.append(timed(reverse("turntable_undo", args=[album.pk, session.pk]), {}))
        nows.append(timed(log_url, {"side": "B"}))
        session = TurntableSession.objects.filter(album=album).order_by("-pk").first()
        timed(reverse("turntable_undo", args=[album.pk, session.pk]), {})
    timed(log_url, {"side": "B"})  # the page then shows a session with plays to come
    page_cold, page_warm, queries, _ = measure(client, reverse("album_detail", args=[album.pk]), args.runs)
    figures = [("log side A, 5 plays stored (ms)", statistics.median(logs)),
               ("undo of it (ms)", statistics.median(undos)),
               ("log side B from now, 1 stored and 4 to come (ms)", statistics.median(nows)),
               ("album page with the turntable card, cold (ms)", page_cold),
               ("album page, warm (ms)", page_warm)]
    for label, value in figures:
        print(f"{label}: {value:.1f}{'  OVER ' + str(TARGET_MS) if value > TARGET_MS else ''}")
    print(f"album page queries (cold): {queries}")


if __name__ == "__main__":
    main()
