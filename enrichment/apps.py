from django.apps import AppConfig

# The provider modules, each registering its provider; their order is the order facts are ranked in.
PROVIDER_MODULES = ("spotify", "lastfm", "wikidata", "monthly_listeners", "ai_description", "label_resolver")


class EnrichmentConfig(AppConfig):
    name = "enrichment"

    def ready(self):
        from importlib import import_module

        from core.services.jobs import job_kind_register
        from enrichment import receivers  # noqa: F401  (connects the catalog signal receivers)
        from enrichment.services.runs import REFRESH_KIND

        for name in PROVIDER_MODULES:
            import_module(f"enrichment.providers.{name}")
        job_kind_register(kind=REFRESH_KIND, task="enrichment.tasks.enrichment_refresh_task")
        job_kind_register(kind="enrichment_batch", task="enrichment.tasks.enrichment_batch_task")
