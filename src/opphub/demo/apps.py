from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company and the ``demo`` / ``run`` commands (no models)."""

    name = "opphub.demo"
    label = "demo"
