from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "opphub.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The worker's tasks and the one list of periodic jobs register with huey on import.
        from opphub import jobs  # noqa: F401

        from . import tasks  # noqa: F401
