"""django-axes under a translated name in the back office (issue 10 item 4: admin model names in the
user's language). Its model names are translated through our catalogue (axes ships no Chinese)."""

from __future__ import annotations

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Sign-in lockouts")
