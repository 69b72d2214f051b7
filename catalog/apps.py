from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        from catalog.services.discogs_sync import JOB_KIND
        from core.services.jobs import job_kind_register

        job_kind_register(kind=JOB_KIND, task="catalog.tasks.discogs_sync_task")
