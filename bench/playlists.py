"""Playlist generation at scale: the median time of each algorithm, with its queries.

Seeds (or reuses, with --data-dir) the library of bench/pages.py — 1,000,000 plays over 15 years,
150,000 tracks, 2,000 owned copies — gathers the planner statistics as the app's daily upkeep
does, then draws each algorithm --runs times with different seeds through the service the page,
the API and the command share (each draw rolled back, so the library is left as it was). The AI
generator is measured without the model: its local part — choosing the candidates, writing the
lines the model reads, reading a model-shaped answer and drawing the playlist from it.
Aim: every median ≤ 200 ms.
Run: .venv/bin/python bench/playlists.py [--data-dir DIR] [--scrobbles N] [--runs 7]
     [--database-url postgres://postgres@127.0.0.1:5432/journal_bench]
"""

import argparse
import json
import random
import statistics
import sys
import time

from pages import ROOT, seeded_library, statistics_state  # bench/pages.py (run from bench/)

TARGET_MS = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with seeded_library(args):
        run(args)


def recipes() -> list[tuple[str, str, dict]]:
    """(label, algorithm, params) for every algorithm, with values the seeded library holds."""
    from django.db.models import Count

    from catalog.models import Album, Artist, ArtistSimilar, Label, Tag
    from tracker.models import ArtistTotal

    tag = Tag.objects.annotate(n=Count("artist_links")).order_by("-n").first()
    label = Label.objects.annotate(n=Count("albums")).order_by("-n").first()
    linked = set(ArtistSimilar.objects.values_list("artist_id", flat=True)[:5000])
    seed_artist = next((row for row in ArtistTotal.objects.order_by("-plays")[:200] if row.artist_id in linked), None)
    decade = (Album.objects.exclude(year=None).values_list("year", flat=True).first() or 1990) // 10 * 10
    found = [
        ("top, last 30 days", "top", {"period": "30d"}),
        ("top, all time, drawn", "top", {"period": "all", "shuffle": "yes"}),
        ("rediscover", "rediscover", {}),
        ("shelf, never played", "shelf", {"played": "never"}),
        ("shelf, vinyl", "shelf", {"format": "Vinyl"}),
        ("time of day", "time_of_day", {"hour": 21, "weekday": 4}),
        ("on this day", "on_this_day", {}),
        (f"decade {decade}s", "decade", {"decade": decade}),
        ("rules: owned vinyl not played for 3 years",
         "rules", {"rules": "owned\nformat is vinyl\nnot played in the last 3 years"}),
        ("rules: plays at least 20, sort by last played", "rules",
         {"rules": "plays at least 20\nsort by last played asc\nlimit 50"}),
    ]
    if tag:
        found.append((f"tag {tag.name!r}", "tag", {"tag": tag.name}))
    if label:
        found.append((f"label {label.name!r}", "label", {"label": label.name}))
    if seed_artist:
        name = Artist.objects.get(pk=seed_artist.artist_id).name
        found.append(("similar-artists walk", "similar", {"artists": name}))
    return found


def timed(draw, runs: int) -> tuple[float, int, str]:
    """(median ms, queries of the last run, error) of `draw(seed)` over `runs` seeds, each rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from playlists.generators.base import GeneratorError

    times, queries = [], 0
    for seed in range(runs):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            try:
                draw(seed)
            except GeneratorError as error:
                return 0.0, 0, str(error)
            times.append((time.perf_counter() - start) * 1000)
            queries = len(captured)
            transaction.set_rollback(True)
    return statistics.median(times), queries, ""


def ai_local(seed: int) -> None:
    """The AI generator's own work around the model: candidates, their lines, the messages, and
    an answer in the model's shape read back and drawn into a playlist."""
    from playlists.generators import ai, generator_get
    from playlists.generators.base import Candidate, Draft, assemble, params_clean

    params = params_clean(generator_get("ai"), {"prompt": "rainy Sunday morning, mostly records I own"})
    rng = random.Random(seed)
    lines = ai.candidate_lines(ai.candidate_ids(params["prompt"], params["candidates"], rng))
    ai.prompt_messages(params["prompt"], lines, wanted=params["length"], per_artist=params["max_per_artist"])
    picked = rng.sample(sorted(lines), min(len(lines), params["length"] + 5)) + [999_999_999]  # one made up
    answer = json.dumps({"name": "Rain", "tracks": [{"id": pk, "reason": "soft and slow"} for pk in picked]})
    parsed = ai.answer_parse(f"```json\n{answer}\n```", finish_reason="stop", candidate_ids=set(lines))
    draft = Draft([Candidate(pk, lines[pk].artist_id, lines[pk].duration_ms, reason) for pk, reason in parsed.picks],
                  keep_order=True)
    assemble(draft, params=params, rng=rng)


def run(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from playlists.services.playlists import playlist_generate
    from tracker.models import Scrobble

    statistics_state("analyzed")
    print(f"database: {connection.vendor}; scrobbles: {Scrobble.objects.count():,}")
    over = []
    for label, algorithm, params in recipes():
        median, queries, error = timed(
            lambda seed, algorithm=algorithm, params=params: playlist_generate(algorithm=algorithm, params=params,
                                                                               seed=seed), args.runs)
        if error:
            print(f"{label}: no playlist ({error})", flush=True)
            over.append(label)
            continue
        print(f"{label}: median {median:.1f} ms, {queries} queries", flush=True)
        if median > TARGET_MS:
            over.append(label)
    median, queries, error = timed(ai_local, args.runs)
    print(f"AI prompt, local part (model answer excluded): median {median:.1f} ms, {queries} queries{error}")
    if median > TARGET_MS:
        over.append("AI prompt")
    print(f"algorithms over {TARGET_MS} ms: {', '.join(over) if over else 'none'}")


if __name__ == "__main__":
    main()
