"""Translated names of playbook things (stages, documents, approvals). The gate checklist in words is
``gates.unmet``."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opphub.methodology.playbook import Playbook


def stage_name(playbook: Playbook, key: str) -> str:
    try:
        return playbook.stage(key).name.get(get_language())
    except KeyError:
        return key


def document_name(playbook: Playbook, key: str) -> str:
    text = playbook.documents.get(key)
    if text is not None:
        return text.get(get_language())
    budget = {"budget_explicit_amount": _("Budget evidence: explicit amount"),
              "budget_approved": _("Budget evidence: approval"),
              "budget_in_annual_plan": _("Budget evidence: annual plan")}
    return str(budget.get(key, key))


def approval_name(playbook: Playbook, key: str) -> str:
    text = playbook.approvals.get(key)
    if text is not None:
        return text.get(get_language())
    if key == "health_score":
        return str(_("Health score approval"))
    return key
