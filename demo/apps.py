from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo library: a realistic journal to try the app with (`seed_demo`, `bootstrap`)."""

    name = "demo"
