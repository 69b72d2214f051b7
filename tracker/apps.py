from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"

    def ready(self):
        from tracker import receivers  # noqa: F401  (connects the catalog signal receivers)
