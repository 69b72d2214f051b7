from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.priority import background_priority
from tracker.importers import FORMAT_CHOICES
from tracker.services.history_import import ImportStopped, history_import


class Command(BaseCommand):
    help = (
        "Import listening history from Spotify (extended or account data), Last.fm (CSV/JSON exports) "
        "or ListenBrainz export files, zips of them, or folders holding them."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--format", choices=FORMAT_CHOICES, default="auto")

    def handle(self, *args, paths, format, **options):
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")

        def progress(name, result):
            self.stderr.write(f"\r{name}: {result.added + result.already_present + result.rejected:,} plays read",
                              ending="")

        background_priority()  # the web server, if it runs here, keeps answering first
        try:
            report = history_import(paths=paths, format=format, on_progress=progress)
        except ImportStopped as error:
            self.stderr.write("")
            raise CommandError(str(error)) from None
        self.stderr.write("")
        for outcome in report.files:
            if outcome.passed_over:
                self.stdout.write(f"  {outcome.name}: passed over ({outcome.passed_over})")
            elif outcome.error:
                self.stdout.write(self.style.ERROR(f"  {outcome.error} — nothing imported from it"))
            else:
                self.stdout.write(f"  {outcome.name} [{outcome.format}]: {outcome.result.summary()}")
        if report.failed:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
