"""Follow the catalog's changes that move play figures (the catalog never imports the tracker)."""

from django.dispatch import receiver

from catalog.signals import albums_linked, collection_synced
from tracker.services.album_plays import album_play_stats_refresh


@receiver(albums_linked, dispatch_uid="tracker.album_plays_of_linked_releases")
@receiver(collection_synced, dispatch_uid="tracker.album_plays_after_sync")
def album_plays_follow_collection(sender, *, album_ids: list[int] | None, **kwargs) -> int:
    """Recount the play figures of the releases the catalog just changed (None: every album)."""
    return album_play_stats_refresh(album_ids=album_ids)
