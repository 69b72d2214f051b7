from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"

    def ready(self):
        from core.services.jobs import job_kind_register
        from tracker import receivers  # noqa: F401  (connects the receivers of catalog and kernel signals)
        from tracker.selectors.tracker_status import BACKFILL_KIND
        from tracker.services.import_upload import IMPORT_KIND

        job_kind_register(kind=BACKFILL_KIND, task="tracker.tasks.lastfm_backfill_task")
        job_kind_register(kind=IMPORT_KIND, task="tracker.tasks_imports.import_upload_task")
