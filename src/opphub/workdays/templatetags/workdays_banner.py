"""``{% missing_schedule_years as years %}``: the years whose official holiday schedule an administrator
should import now (spec S2, S4, S5, R3). Empty for everyone else without any query; for an
administrator no query while the package covers the years, else one cached query."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from opphub import access
from opphub.workdays.calendar import missing_schedule_years as _missing

register = template.Library()


@register.simple_tag(takes_context=True)
def missing_schedule_years(context: dict[str, Any]) -> list[int]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if not access.can_manage_calendar(user):
        return []
    return _missing(timezone.localdate())
