"""The opportunity card as shown (spec M1): the opportunity's own picture (``opportunities.card``) plus the
stage gate and health score (``gates.panel``) and the stage buttons — offered only where the core's order
checks (``methodology.stages.check_move`` / ``check_close``) would let the move through."""

from __future__ import annotations

import datetime as dt

from opphub import access
from opphub.gates.panel import gate_panel, links_for
from opphub.methodology.stages import MoveRequest, check_close, check_move
from opphub.methodology.strategies import StrategyHint
from opphub.opportunities.card import Card, Step, card_data
from opphub.opportunities.models import Opportunity, Status


def _step(card: Card, key: str) -> Step | None:
    return next((s for s in card.steps if s.key == key), None)


def stage_buttons(card: Card) -> None:
    """Next / previous / won, each shown when the core's order rules allow it (the gate is checked when the
    button is pressed, and listed on the card as the checklist)."""
    o, playbook = card.opportunity, card.playbook
    if not card.can_edit or o.stage not in playbook.stage_keys:
        return
    keys = playbook.stage_keys
    i = keys.index(o.stage)
    if i + 1 < len(keys) and not check_move(playbook, MoveRequest(o.stage, keys[i + 1], o.status)):
        card.next_stage = _step(card, keys[i + 1])
    if i > 0 and not check_move(playbook, MoveRequest(o.stage, keys[i - 1], o.status)):
        card.previous_stage = _step(card, keys[i - 1])
    card.can_win = not check_close(playbook, stage=o.stage, status=o.status, outcome="won")


def card_page(*, user: access.AnyUser, opportunity: Opportunity, now: dt.datetime, page: int = 1) -> Card:
    """Everything the card page shows. ``opportunity`` comes from ``opportunities.card.opportunity_for_card``."""
    card = card_data(user=user, opportunity=opportunity, now=now, page=page)
    card.gate = gate_panel(opportunity, now=now)
    card.gate.links = links_for(card.gate, opportunity.number, edit=card.can_edit, log=card.can_log,
                                work=card.can_edit or access.can_work_on_stage(user, opportunity))
    card.status_label = card.gate.status_label  # S1 待確認商機, S3 方案確認中 (the playbook's stage marks)
    reason = card.gate.record.loss_reason
    if opportunity.status == Status.LOST and reason:  # X2: the recorded loss reason's counter-strategy
        card.strategies = [StrategyHint(r, "", card.gate.record.loss_real_reason)
                           for r in card.playbook.loss_reasons if r.key == reason]
    stage_buttons(card)
    return card
