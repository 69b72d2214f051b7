import gc

from django.apps import AppConfig


class WebConfig(AppConfig):
    """The page layer: it may read every app below it; no app imports it."""

    name = "web"

    def ready(self):
        # The last app to load. What exists now lives as long as the process: out of the garbage
        # collector's sight, a full collection no longer walks it (~75 ms in the middle of a
        # request or a task); config.wsgi freezes the views too, once they are loaded.
        gc.freeze()
