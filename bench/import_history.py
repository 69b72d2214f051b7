"""Import speed: generated Spotify extended-history files of N plays (default 1,000,000).

Two histories — a small catalog (~600 artists, a few thousand tracks played over and over) and
a realistic one (a new track every ~4 plays: N/100 artists, N/20 albums, N/4 tracks) — each
imported as one file and as files of 15,000 plays (as Spotify splits an export). Prints plays/s
and the peak memory of the importing process, each on a fresh SQLite database (or on a new
PostgreSQL database of the server at --database-url). Run: .venv/bin/python bench/import_history.py
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent
SPOTIFY_FILE_PLAYS = 15_000


def small_catalog(rng: random.Random):
    """~600 artists and 9,000 tracks, a few of them played far more than the rest."""
    artists = [f"Artist {i:03d} {rng.choice(['Orchestra', 'Trio', 'Band', 'Collective', 'Sound'])}" for i in range(600)]
    catalogue = [
        (
            rng.choice(artists[: 50 + i // 20]),
            f"Album {i // 12}",
            f"Track {i} {rng.choice(['Blue', 'Rain', 'Night', 'Gold'])}",
        )
        for i in range(9000)
    ]
    while True:
        yield catalogue[min(int(rng.paretovariate(1.2)) * 7 + rng.randrange(7), 8999)]


def realistic_catalog(rng: random.Random):
    """A new track about every fourth play (5 tracks an album, 5 albums an artist); the other
    plays go back to a track heard before, recent ones more often."""
    words = ["Blue", "Rain", "Night", "Gold", "Été", "Straße", "Mañana", "Ōkami"]
    introduced = 0
    while True:
        if introduced == 0 or rng.random() < 0.25:
            track, introduced = introduced, introduced + 1
        elif rng.random() < 0.5:
            track = max(0, introduced - 1 - int(rng.expovariate(1 / 200)))
        else:
            track = rng.randrange(introduced)
        album = track // 5
        yield (f"Artist {album // 5} {words[album // 5 % 8]}", f"Album {album} {words[album % 8]}",
               f"Track {track} {words[track % 7]}")


CATALOGS = {"small catalog": small_catalog, "realistic catalog": realistic_catalog}


def write_history(path: Path, plays: int, seed: int = 7, *, catalog=small_catalog, per_file: int = 0) -> list[Path]:
    """Extended-history file(s) of `plays`, oldest first: one file at `path`, or with `per_file`,
    files of that many plays named after it (`…_0.json`, `…_1.json`, …). Returns the paths."""
    rng = random.Random(seed)
    tracks = catalog(rng)
    moment = datetime(2002, 1, 2, tzinfo=timezone.utc)  # ~8.5 min a play: a million end in 2018, never ahead
    per_file = per_file or plays
    paths = []
    for part, first in enumerate(range(0, plays, per_file)):
        paths.append(path if per_file == plays else path.with_name(f"{path.stem.removesuffix('_0')}_{part}.json"))
        with open(paths[-1], "w", encoding="utf-8") as out:
            out.write("[\n")
            for n in range(first, min(first + per_file, plays)):
                artist, album, title = next(tracks)
                ms = rng.randint(20_000, 400_000)
                moment += timedelta(milliseconds=ms + rng.randint(1_000, 600_000))
                row = {
                    "ts": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "platform": "android", "ms_played": ms,
                    "conn_country": "DE", "ip_addr": "203.0.113.42", "master_metadata_track_name": title,
                    "master_metadata_album_artist_name": artist, "master_metadata_album_album_name": album,
                    "spotify_track_uri": f"spotify:track:{n:022d}", "episode_name": None, "episode_show_name": None,
                    "spotify_episode_uri": None, "audiobook_title": None, "audiobook_uri": None,
                    "audiobook_chapter_uri": None, "audiobook_chapter_title": None, "reason_start": "trackdone",
                    "reason_end": "trackdone", "shuffle": False, "skipped": False, "offline": False,
                    "offline_timestamp": None, "incognito_mode": False,
                }
                out.write(("," if n > first else "") + json.dumps(row, ensure_ascii=False) + "\n")
            out.write("]\n")
    return paths


def measure(args, folder: Path, catalog, per_file: int) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak MB of `import_history` of one generated history on a fresh database."""
    history = folder / "history" / "Streaming_History_Audio_2002-2018_0.json"
    history.parent.mkdir()
    write_history(history, args.plays, catalog=catalog, per_file=per_file)
    with scratch_database(args.database_url, label="import") as database_url:
        env = {**os.environ, "JOURNAL_DATA_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        start = time.perf_counter()
        importer = subprocess.Popen([*manage, "import_history", str(history.parent)], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(importer.pid, 0)  # this child's own peak, not the largest child's so far
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"import_history failed (exit {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--catalog", choices=["all", *CATALOGS], default="all")
    args = parser.parse_args()

    print(f"plays: {args.plays:,}")
    for name, catalog in CATALOGS.items():
        if args.catalog not in ("all", name):
            continue
        for per_file in (0, SPOTIFY_FILE_PLAYS):
            with tempfile.TemporaryDirectory() as tmp:
                seconds, cpu_seconds, peak_mb = measure(args, Path(tmp), catalog, per_file)
            files = f"files of {per_file:,}" if per_file else "one file"
            # CPU seconds too: on a shared machine they move less than the wall clock.
            print(f"{name}, {files}: {args.plays / seconds:,.0f} plays/s, {seconds:.1f} s "
                  f"({cpu_seconds:.1f} s CPU), peak memory {peak_mb:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
