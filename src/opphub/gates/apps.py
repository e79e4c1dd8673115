from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "opphub.gates"
    verbose_name = _("Stage gates")
    default_auto_field = "django.db.models.BigAutoField"
