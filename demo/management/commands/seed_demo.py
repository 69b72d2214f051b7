"""`manage.py seed_demo`: a deterministic demo library (see demo.services.seed)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from demo.services.seed import DEFAULT_DAYS, DemoSeedError, demo_seed


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end must be a date like 2025-06-30, not {value!r}") from None


class Command(BaseCommand):
    help = ("Load a deterministic demo library: artists, albums, tracks, a record collection and years of "
            "listening. Safe to run twice; adds only what is missing and never deletes.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scrobbles", type=int, default=50_000, help="Plays to generate (default 50,000).")
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same library (default 42).")
        parser.add_argument("--artists", type=int, default=150)
        parser.add_argument("--albums", type=int, default=600)
        parser.add_argument("--tracks", type=int, default=6_000)
        parser.add_argument("--copies", type=int, default=None, help="Owned copies (default: half the albums).")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Length of the history (default 3 years).")
        parser.add_argument("--end", type=str, default=None,
                            help="The history ends the day before this date (default: today in TIME_ZONE).")

    def handle(self, *args, **options) -> None:
        end = _date(options["end"]) if options["end"] else None
        shown = {"pct": -1}

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "catalog":
                if done == 0:
                    self.stderr.write("Writing the catalog and the collection…")
                return
            pct = 100 * done // total if total else 100
            if pct != shown["pct"]:
                shown["pct"] = pct
                self.stderr.write(f"Scrobbles {done:,}/{total:,} ({pct}%)")

        try:
            result = demo_seed(
                scrobbles=options["scrobbles"], seed=options["seed"], artists=options["artists"],
                albums=options["albums"], tracks=options["tracks"], copies=options["copies"],
                days=options["days"], end=end, progress=progress,
            )
        except DemoSeedError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"the database refused the demo data: {str(exc).splitlines()[0]}") from None
        added = "" if result.new_scrobbles == result.scrobbles else f"; {result.new_scrobbles:,} of them new"
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {result.artists:,} artists, {result.albums:,} albums, {result.tracks:,} tracks, "
            f"{result.scrobbles:,} scrobbles, {result.copies:,} copies in {result.seconds:.1f} s "
            f"({result.scrobbles_per_second:,.0f} scrobbles/s){added}"
        ))
