import time

from django.core.management.base import BaseCommand

from tracker.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = ("Recompute the play rollups (per track, per artist and album month, per day and hour) from the "
            "plays. They are kept exact as plays arrive; this is for a database edited by hand.")

    def handle(self, *args, **options):
        started = time.monotonic()
        plays = rollups_rebuild()
        self.stdout.write(f"Rollups rebuilt from {plays:,} plays in {time.monotonic() - started:.1f} s.")
