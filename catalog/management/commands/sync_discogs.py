"""`manage.py sync_discogs`: the Discogs collection sync, with progress and a one-line summary."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from catalog.services.discogs_sync import DiscogsSyncError, DiscogsSyncResult, discogs_sync, discogs_sync_start
from catalog.services.discogs_tracklists import discogs_tracklists_fetch
from core.resilience import ServiceError


class Command(BaseCommand):
    help = ("Bring the record collection up to date with Discogs (DISCOGS_USERNAME, DISCOGS_TOKEN). "
            "Resumes an interrupted sync from its last page; copies gone from Discogs are marked removed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tracklists", type=int, default=0, metavar="N",
                            help="Then fetch up to N missing tracklists (one request each, 60 a minute).")

    def handle(self, *args, **options) -> None:
        if options["tracklists"] < 0:
            raise CommandError("--tracklists must be 0 or more")
        job, created = discogs_sync_start(requested_by="command")
        if not created:
            raise CommandError(f"a Discogs sync is already running (job {job.pk}); wait for it to finish")

        def on_page(result: DiscogsSyncResult, items_total: int) -> None:
            self.stderr.write(f"Page {result.pages_fetched + (result.resumed_from_page or 1) - 1} of "
                              f"{max(result.total_pages, 1)}: {result.copies_seen:,} copies stored "
                              f"(collection holds {items_total:,})")

        try:
            result = discogs_sync(job=job, on_page=on_page)
        except DiscogsSyncError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"the database refused the collection: {str(exc).splitlines()[0]}") from None
        summary = result.summary()
        if options["tracklists"]:
            try:
                done = discogs_tracklists_fetch(
                    limit=options["tracklists"],
                    on_album=lambda i, n: self.stderr.write(f"Tracklist {i} of {n}") if i % 10 == 0 or i == n else None,
                )
            except ServiceError as exc:
                raise CommandError(f"collection synced ({summary}), but tracklists stopped: {exc.message}") from None
            summary += f"; {done:,} tracklist{'s' if done != 1 else ''} fetched"
        self.stdout.write(self.style.SUCCESS(f"Discogs: {summary}"))
