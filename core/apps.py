from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(using="default", **kwargs):
    """The database cache needs its table; create it with the schema, not by hand."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from django_q.signals import post_spawn

        from core.schedules import schedules_upsert
        from core.tasks import worker_spawned

        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="core_cache_table")
        post_migrate.connect(schedules_upsert, sender=self, dispatch_uid="core_schedules")
        post_spawn.connect(worker_spawned, dispatch_uid="core_worker_started")
