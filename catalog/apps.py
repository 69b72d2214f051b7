from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        from catalog.services.discogs_sync import JOB_KIND
        from core.services.jobs import job_kind_register

        job_kind_register(kind=JOB_KIND, task="catalog.tasks.discogs_sync_task")
        post_migrate.connect(_data_change_triggers, sender=self, dispatch_uid="catalog.data_change_triggers")


def _data_change_triggers(sender, **kwargs) -> None:
    """Edits and deletes the API's conditional reads must see: names fixed in the admin, merges, copies."""
    from catalog.models import Album, AlbumArtist, AlbumTag, Artist, CollectionItem, Label, Track
    from core.services.data_changes import data_change_triggers_install

    data_change_triggers_install([model._meta.db_table for model in
                                  (Artist, Album, AlbumArtist, Track, Label, AlbumTag, CollectionItem)])
