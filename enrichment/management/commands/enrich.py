"""`manage.py enrich [--mode backfill|incremental|stale] [--provider NAME ...] [--dry-run] [--limit N]`."""

from django.core.management.base import BaseCommand, CommandError

from enrichment.providers import providers_get
from enrichment.service import MODES, albums_enrich, albums_to_enrich, artists_enrich, artists_to_enrich


class Command(BaseCommand):
    help = ("Ask Spotify, Last.fm, Wikidata, Apify and the AI endpoint about artists and albums. backfill: never "
            "enriched; incremental: new in the last 7 days; stale: not refreshed in 90 days, most played first.")

    def add_arguments(self, parser):
        parser.add_argument("--mode", choices=MODES, default="backfill")
        parser.add_argument("--provider", action="append", dest="providers", metavar="NAME",
                            help="Only this provider (repeat for more).")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be asked; call and write nothing.")
        parser.add_argument("--limit", type=int, default=0, metavar="N", help="At most N artists and N albums.")

    def handle(self, *args, mode, providers, dry_run, limit, **options):
        if limit < 0:
            raise CommandError("--limit must be 0 or more")
        try:
            chosen = providers_get(providers)
        except ValueError as error:
            raise CommandError(str(error)) from None
        names = [p.id for p in chosen]
        artists, albums = artists_to_enrich(mode=mode), albums_to_enrich(mode=mode)
        if limit:
            artists, albums = artists[:limit], albums[:limit]
        if dry_run:
            self._dry_run(chosen, artists, albums)
            return
        artists, albums = list(artists), list(albums)
        progress = {"artists": lambda done, total: self.stderr.write(f"\rArtists {done:,} of {total:,}", ending=""),
                    "albums": lambda done, total: self.stderr.write(f"\rAlbums {done:,} of {total:,}", ending="")}
        done_artists = artists_enrich(artists=artists, providers=names, on_progress=progress["artists"])
        self.stderr.write("")
        done_albums = albums_enrich(albums=albums, providers=names, on_progress=progress["albums"])
        self.stderr.write("")
        for warning in (done_artists.warnings + done_albums.warnings)[:20]:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS(f"Artists: {done_artists.summary()}. Albums: {done_albums.summary()}."))

    def _dry_run(self, providers, artists, albums) -> None:
        artist_count, album_count = artists.count(), albums.count()
        for provider in providers:
            available, reason = provider.is_available()
            state = "would ask" if available else f"skipped ({reason})"
            self.stdout.write(f"{provider.id}: {state} about {artist_count:,} artists and {album_count:,} albums")
        first = ", ".join(a.name for a in artists[:10])
        self.stdout.write(f"First artists: {first or 'none'}")
        self.stdout.write(self.style.SUCCESS(f"Dry run: {artist_count:,} artists and {album_count:,} albums would be "
                                             "enriched; nothing was asked or written."))
