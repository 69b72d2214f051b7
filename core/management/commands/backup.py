from django.core.management.base import BaseCommand, CommandError

from core.services.backups import BackupFailed, backup_create


class Command(BaseCommand):
    help = (
        "Copy the database into BACKUP_DIR (data/backups/ by default) under a name with its UTC time — safe while "
        "the app runs and writes (SQLite's online backup; pg_dump on PostgreSQL) — then keep each day's newest "
        "copy for BACKUP_KEEP_DAILY days and each week's for BACKUP_KEEP_WEEKLY more weeks."
    )

    def handle(self, *args, **options):
        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\rbackup: {done * 100 // max(total, 1)}% of {total:,} pages", ending="")

        try:
            result = backup_create(on_progress=progress)
        except BackupFailed as error:
            self.stderr.write("")
            raise CommandError(str(error)) from None
        self.stderr.write("")
        self.stdout.write(self.style.SUCCESS(result.summary()))
