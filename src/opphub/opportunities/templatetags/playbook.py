"""Template helpers for playbook data: ``{{ stage.name|playbook_text }}`` in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from opphub.methodology.health import score_text
from opphub.opportunities.risks import risk_message as message

register = template.Library()


@register.filter
def playbook_text(value: Any) -> str:
    """A playbook ``Text`` (zh-hans / zh-hant / en) in the current language; anything else as text."""
    getter = getattr(value, "get", None)
    if callable(getter) and hasattr(value, "zh_hans"):
        return str(getter(get_language()))
    return "" if value is None else str(value)


@register.filter
def risk_message(flag: Any) -> str:
    """A risk flag's evidence as a translated sentence."""
    return message(flag)


@register.filter
def score(value: Any) -> str:
    """A health score as people see it (H4: at most one decimal, the number the decision was taken on)."""
    return score_text(value)
