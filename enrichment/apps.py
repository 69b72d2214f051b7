from django.apps import AppConfig

# The provider modules, each registering its provider; their order is the order facts are ranked in.
PROVIDER_MODULES = ("spotify", "lastfm", "wikidata", "monthly_listeners", "ai_description")


class EnrichmentConfig(AppConfig):
    name = "enrichment"

    def ready(self):
        from importlib import import_module

        from enrichment import receivers  # noqa: F401  (connects the catalog signal receivers)

        for name in PROVIDER_MODULES:
            try:
                import_module(f"enrichment.providers.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"enrichment.providers.{name}":
                    raise
