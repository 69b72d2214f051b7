from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    name = "enrichment"

    def ready(self):
        from enrichment import receivers  # noqa: F401  (connects the catalog signal receivers)
