"""``{{ user|sees_team_pages }}``: whether the main navigation links Team health and the weekly review
(spec P4). Decided by ``access.can_see_team_pages`` from the role on the user: no query."""

from __future__ import annotations

from typing import Any

from django import template

from opphub import access

register = template.Library()


@register.filter
def sees_team_pages(user: Any) -> bool:
    return access.can_see_team_pages(user)
