from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "opphub.alerts"
    label = "alerts"
    verbose_name = _("Alerts and penalties")
    default_auto_field = "django.db.models.BigAutoField"
