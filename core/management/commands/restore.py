from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.selectors.backups import backup_dir
from core.services.backups import BackupFailed, backup_restore, backup_restore_check


class Command(BaseCommand):
    help = (
        "Replace the database with a backup made by `backup`. Stop the web server and the workers first: what they "
        "write meanwhile is not in the restored database. The file is checked first (SQLite's integrity check, the "
        "journal's tables) and the current database is kept as a `-before-restore` backup. Without --force, only "
        "checks the file and says what it would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--force", action="store_true", help="really replace the database")

    def handle(self, *args, file, force, **options):
        path = Path(file)
        try:
            if not force:
                description = backup_restore_check(path=path)
                raise CommandError(
                    f"Would replace the {connection.vendor} database with {path} ({description}), keeping the current "
                    f"one in {backup_dir()}; run again with --force, with the web server and workers stopped."
                )

            def progress(done: int, total: int) -> None:
                self.stderr.write(f"\rrestore: {done * 100 // max(total, 1)}% of {total:,} pages", ending="")

            def stage(text: str) -> None:
                self.stderr.write(f"{text}…")

            result = backup_restore(path=path, on_progress=progress, on_stage=stage)
        except BackupFailed as error:
            self.stderr.write("")
            raise CommandError(str(error)) from None
        self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(result.summary()))
