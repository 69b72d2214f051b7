"""Follow the changes of the layers below: the catalog's that move play figures, the kernel's ended
jobs, and every `migrate`, after which the rollups' and the data changes' triggers are (re)installed
and the habits' stale days stored."""

from django.db import connection
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from catalog.signals import albums_linked, artists_merged, collection_synced
from core.services.data_changes import data_change_triggers_install
from core.signals import job_ended
from tracker.models import HabitDayStale, Scrobble
from tracker.services.album_plays import album_play_stats_refresh
from tracker.services.habit_days import habit_days_refresh, habit_days_refresh_soon
from tracker.services.import_upload import import_upload_forget
from tracker.services.rollups import rollup_triggers_install


@receiver(albums_linked, dispatch_uid="tracker.album_plays_of_linked_releases")
@receiver(collection_synced, dispatch_uid="tracker.album_plays_after_sync")
def album_plays_follow_collection(sender, *, album_ids: list[int] | None, **kwargs) -> int:
    """Recount the play figures of the releases the catalog just changed (None: every album)."""
    return album_play_stats_refresh(album_ids=album_ids)


@receiver(artists_merged, dispatch_uid="tracker.habit_days_of_merged_artists")
def habit_days_follow_merge(sender, **kwargs) -> None:
    """The merge moved plays to the kept artist: store the days it marked stale."""
    habit_days_refresh_soon()


@receiver(job_ended, dispatch_uid="tracker.uploads_of_ended_imports")
def uploads_follow_job(sender, *, job, **kwargs) -> None:
    import_upload_forget(job=job)


@receiver(post_migrate, dispatch_uid="tracker.rollup_triggers")
def rollup_triggers_follow_migrate(sender, *, using, **kwargs) -> None:
    tables = connection.introspection.table_names()
    if sender.name == "tracker" and Scrobble._meta.db_table in tables:
        rollup_triggers_install()
        data_change_triggers_install([Scrobble._meta.db_table])  # a loved flag, a merge, a deleted play
        if HabitDayStale._meta.db_table in tables:  # not when migrated back before them
            habit_days_refresh()  # after the migration that adds them: every day of the history
