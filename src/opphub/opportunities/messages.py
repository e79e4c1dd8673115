"""Translated messages for the codes the pure core returns."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opphub.methodology.playbook import Playbook
from opphub.methodology.stages import Unmet


def stage_name(playbook: Playbook, key: str) -> str:
    try:
        return playbook.stage(key).name.get(get_language())
    except KeyError:
        return key


def unmet_message(playbook: Playbook, unmet: Unmet) -> str:
    stage = stage_name(playbook, unmet.param("stage")) if unmet.param("stage") else ""
    messages = {
        "unknown_stage": _("“%(stage)s” is not a stage of this opportunity's playbook.") % {"stage": stage},
        "same_stage": _("The opportunity is already in %(stage)s.") % {"stage": stage},
        "closed_opportunity": _("The opportunity is already closed; closed opportunities do not move."),
        "archive_needs_outcome": _("Only won or lost opportunities go to %(stage)s: mark it won or lost.")
        % {"stage": stage},
        "skips_stage": _("Stages cannot be skipped: move it to %(stage)s first.") % {"stage": stage},
        "won_before_closing": _("An opportunity is won in %(stage)s: move it there first.") % {"stage": stage},
        "unknown_outcome": _("The outcome must be won or lost."),
    }
    return messages.get(unmet.code, unmet.code)
