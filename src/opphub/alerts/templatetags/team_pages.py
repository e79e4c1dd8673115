"""Formatting for the team pages: ``{{ amount|yuan }}`` (whole yuan, as on the board and the list) and
``{{ score|score }}`` comes from ``playbook``."""

from __future__ import annotations

from decimal import Decimal

from django import template

from opphub.common.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | int | None) -> str:
    return _yuan(amount)
