"""First-run setup used by `make run` and the Docker entrypoint: owner account, demo data.

It lives in the tracker app, not in core, because it loads the demo library (tracker) and
looks at the catalog; core imports no app."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.models import Artist
from tracker.models import Scrobble


class Command(BaseCommand):
    help = "Create the owner account on first run and load demo data into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Never load demo data (same as SEED_DEMO=0).")

    def handle(self, *args, no_demo=False, **options):
        self._ensure_owner()
        if no_demo or not settings.SEED_DEMO:
            self.stdout.write("Demo data: skipped (SEED_DEMO=0).")
        elif Scrobble.objects.exists() or Artist.objects.exists():
            self.stdout.write("Demo data: not loaded, the journal already holds data.")
        else:
            self.stdout.write("Demo data: the database is empty, loading a demo library (SEED_DEMO=0 to skip)…")
            call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)

    def _ensure_owner(self) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        username = settings.JOURNAL_ADMIN_USER
        password = settings.JOURNAL_ADMIN_PASSWORD
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            # Shown exactly once: only the hash is stored.
            self.stdout.write(self.style.SUCCESS(
                f"Created the owner account. Log in as '{username}' with password: {password}\n"
                "  (shown once; set JOURNAL_ADMIN_PASSWORD to choose it, or run `manage.py changepassword`)"
            ))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Created the owner account '{username}' (password from JOURNAL_ADMIN_PASSWORD)."
            ))
