"""`manage.py lastfm_sync [--backfill]`: poll Last.fm now, or back-fill the whole history."""

from django.core.management.base import BaseCommand, CommandError

from core.resilience.errors import ServiceError
from core.resilience.services import service_not_configured
from core.services.jobs import job_cancel
from tracker.services.lastfm import lastfm_backfill, lastfm_backfill_claim, lastfm_poll


class Command(BaseCommand):
    help = "Fetch new Last.fm plays now, or with --backfill the whole history (resumes a stopped backfill)."

    def add_arguments(self, parser):
        parser.add_argument("--backfill", action="store_true", help="Fetch every page of the history.")

    def handle(self, *args, backfill=False, **options):
        if (unconfigured := service_not_configured(service="lastfm")) is not None:
            raise CommandError(f"{unconfigured}.")
        if not backfill:
            outcome = lastfm_poll(force=True)
            if outcome.startswith("failed"):
                raise CommandError(f"Last.fm poll {outcome}")
            self.stdout.write(f"Last.fm poll: {outcome}")
            return
        job, created = lastfm_backfill_claim(requested_by="command")
        if not created:
            raise CommandError(f"A backfill is already running (job #{job.pk}, {job.message}).")
        if job.checkpoint:
            self.stderr.write(f"Resuming after page {job.checkpoint.get('page')} of {job.checkpoint.get('pages')}.")
        try:
            lastfm_backfill(job=job, on_page=lambda j: self.stderr.write(f"\r{j.message}", ending=""))
        except ServiceError as error:
            self.stderr.write("")
            raise CommandError(f"Backfill stopped: {error}. Run the command again to resume.") from None
        except KeyboardInterrupt:
            job_cancel(job=job)
            raise CommandError(f"Interrupted: {job.message}. Run the command again to resume.") from None
        self.stderr.write("")
        job.refresh_from_db()
        self.stdout.write(self.style.SUCCESS(job.message))
