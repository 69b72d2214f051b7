from django.apps import AppConfig


class WebConfig(AppConfig):
    """The page layer: it may read every app below it; no app imports it."""

    name = "web"
