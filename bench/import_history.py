"""Import speed: a generated Spotify extended-history file of N plays (default 1,000,000).

Prints plays/s and the peak memory of the importing process, on a fresh SQLite database
(or DATABASE_URL with --database-url). Run: .venv/bin/python bench/import_history.py
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scratch import scratch_database  # bench/scratch.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent


def write_history(path: Path, plays: int, seed: int = 7) -> None:
    """A realistic extended-history file: ~600 artists, ~9,000 tracks, oldest first."""
    rng = random.Random(seed)
    artists = [f"Artist {i:03d} {rng.choice(['Orchestra', 'Trio', 'Band', 'Collective', 'Sound'])}" for i in range(600)]
    catalogue = [
        (
            rng.choice(artists[: 50 + i // 20]),
            f"Album {i // 12}",
            f"Track {i} {rng.choice(['Blue', 'Rain', 'Night', 'Gold'])}",
        )
        for i in range(9000)
    ]
    moment = datetime(2002, 1, 2, tzinfo=timezone.utc)  # ~8.5 min a play: a million end in 2018, never ahead
    with open(path, "w", encoding="utf-8") as out:
        out.write("[\n")
        for n in range(plays):
            artist, album, title = catalogue[min(int(rng.paretovariate(1.2)) * 7 + rng.randrange(7), 8999)]
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
            out.write(("," if n else "") + json.dumps(row, ensure_ascii=False) + "\n")
        out.write("]\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plays", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, scratch_database(args.database_url, label="import") as database_url:
        history = Path(tmp) / "Streaming_History_Audio_2015-2024_0.json"
        write_history(history, args.plays)
        env = {**os.environ, "JOURNAL_DATA_DIR": tmp, "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(
            [*manage, "import_history", str(history)],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"plays: {args.plays:,}")
    print(f"seconds: {seconds:.1f}")
    print(f"plays/s: {args.plays / seconds:,.0f}")
    print(f"peak memory MB: {peak_mb:.0f}")


if __name__ == "__main__":
    main()
