"""Collection, album and artist pages at scale: 10,000 owned releases and 1,000,000 scrobbles.

Seeds (once) a demo library with `seed_demo` into a data folder, refreshes the denormalized
album play figures, then measures the server time of the pages through Django's test client
(median of --runs, after one warm-up) and the queries each page issues. One figure per line.
Run: .venv/bin/python bench/collection.py [--data-dir /tmp/discogswork] [--database-url postgres://...]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(env: dict, args) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    # ~10,000 owned copies need ~9,500 albums owned once (seed_demo doubles ~7%).
    command = [*manage, "seed_demo", "--scrobbles", str(args.scrobbles), "--artists", str(args.releases // 6),
               "--albums", str(int(args.releases * 1.25)), "--tracks", str(args.releases * 10),
               "--copies", str(args.releases)]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"seed seconds: {time.perf_counter() - started:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=10_000)
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--data-dir", default="/tmp/discogswork")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    env = {**os.environ, "JOURNAL_DATA_DIR": args.data_dir, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    seed(env, args)
    os.environ.update(
        {k: v for k, v in env.items() if k in ("JOURNAL_DATA_DIR", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    )
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from catalog.models import Album, Artist, CollectionItem
    from catalog.services.collection_link import collection_link
    from tracker.models import Scrobble
    from tracker.services.album_plays import album_play_stats_refresh

    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after a bulk load; plans depend on it
    started = time.perf_counter()
    album_play_stats_refresh()
    print(f"play figures full refresh seconds: {time.perf_counter() - started:.2f}")
    started = time.perf_counter()
    collection_link()
    print(f"owned-listened link seconds: {time.perf_counter() - started:.2f}")
    print(f"database: {connection.vendor}")
    print(f"owned copies: {CollectionItem.objects.filter(removed_at__isnull=True).count():,}")
    print(f"albums: {Album.objects.count():,}")
    print(f"scrobbles: {Scrobble.objects.count():,}")

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    owned_album = (
        Album.objects.filter(copies__isnull=False, listened_album__isnull=False).order_by("-play_count").first()
        or Album.objects.filter(copies__isnull=False).order_by("-play_count").first()
    )
    top_artist = Artist.objects.get(pk=Scrobble.objects.values("artist_id").order_by("-played_at")[0]["artist_id"])
    pages = [
        ("collection default", "/collection/"),
        ("collection sort by plays", "/collection/?sort=plays"),
        ("collection last played, list", "/collection/?sort=last_played&view=list"),
        ("collection never played, vinyl", "/collection/?played=never&format=Vinyl"),
        ("collection htmx page 5 by plays", "/collection/?sort=plays&page=5"),
        ("album page", f"/albums/{owned_album.pk}/"),
        ("artist page", f"/artists/{top_artist.pk}/"),
        ("api collection albums by plays", "/api/v1/collection/albums?sort=plays"),
    ]
    for name, url in pages:
        headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "collection-grid"} if "htmx" in name else {}
        response = client.get(url, **headers)  # warm-up (and facets cache)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, **headers)
        print(f"{name} median ms: {statistics.median(times):.1f}")
        print(f"{name} queries: {len(queries)}")
    from catalog.selectors.collection import collection_facets_forget

    times = []
    for _ in range(5):
        collection_facets_forget()
        started = time.perf_counter()
        client.get("/collection/")
        times.append((time.perf_counter() - started) * 1000)
    print(f"collection default, facets not cached, median ms: {statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
