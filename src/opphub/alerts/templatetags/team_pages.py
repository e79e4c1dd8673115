"""Formatting for the team pages: ``{{ amount|yuan }}`` (whole yuan, as on the board and the list) and
``{{ h.health|health_class:band }}`` (the badge colour of a health score by H4's band)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from opphub.common.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(amount: Decimal | int | None) -> str:
    return _yuan(amount)


@register.filter
def health_class(value: Decimal | None, band: tuple[Decimal, Decimal] | None) -> str:
    """H4 as a colour: below the band ``bad`` (back a stage), inside it ``warn`` (approval), above ``won``."""
    if value is None or band is None:
        return ""
    low, high = band
    if value < low:
        return "bad"
    return "warn" if value <= high else "won"
