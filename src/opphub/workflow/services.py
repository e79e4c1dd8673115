"""Stage moves and closing (spec S1-S5, M2, H4): the one place an opportunity changes stage.

Every path — board drag, card buttons, stage page, API, the automatic H4 review and the worker's scan —
comes here (or to :mod:`.health`). A move checks permission, the order of stages and the gate (M2; the
whole checklist is refused when anything is unmet, nothing is written), then a forward move into the
next open stage runs the H4 decision; the result is a :class:`~.moves.MoveOutcome`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record
from opphub.common.errors import NotAllowed, StaleEdit
from opphub.common.models import save_versioned
from opphub.gates.models import StageRecord
from opphub.gates.notify import tell
from opphub.gates.selectors import build_snapshot
from opphub.gates.services import card_url
from opphub.methodology.stages import MoveRequest, check_close, check_close_with_gate, check_move_with_gate
from opphub.opportunities.models import Opportunity, OpportunityEvent, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.services import audit_state
from opphub.people.models import Role, User

from .health import decide_move, verdicts
from .moves import MoveOutcome, MoveResult, enter_stage, refuse, relocate

__all__ = ["MoveOutcome", "MoveResult", "opportunity_close", "opportunity_move_stage"]


@transaction.atomic
def opportunity_move_stage(*, actor: User, opportunity: Opportunity, to_stage: str, now: datetime,
                           expected_version: int | None = None, note: str = "") -> MoveOutcome:
    """Move to another stage (board drag, button or API).

    The order of stages and the stage gate (M2) are checked first: when anything is unmet the move is
    refused with the whole checklist and nothing changes. A forward move into the next open stage then
    runs the H4 decision (:func:`.health.decide_move`): it moves on (above the band, or the manager
    approved), waits for the manager's approval (inside the band), goes back a stage (below it) or, in
    the first stage, stays "not ready". A move back needs no gate.
    """
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot move this opportunity."))
    playbook = playbook_of(opportunity.playbook_version)
    if expected_version is not None and expected_version != opportunity.version:
        raise StaleEdit()
    verdict = verdicts([opportunity], now=now)[opportunity.pk]
    unmet = check_move_with_gate(playbook, MoveRequest(opportunity.stage, to_stage, opportunity.status),
                                 verdict.snapshot)
    if unmet:
        refuse(playbook, unmet)
    if to_stage == verdict.to_stage:
        return decide_move(verdict, actor=actor, now=now, note=note, expected_version=expected_version)
    relocate(actor=actor, opportunity=opportunity, to_stage=to_stage, now=now, note=note,
             expected_version=expected_version)
    return MoveOutcome(opportunity, MoveResult.MOVED)


@transaction.atomic
def opportunity_close(*, actor: User, opportunity: Opportunity, outcome: str, now: datetime,
                      expected_version: int | None = None, note: str = "") -> Opportunity:
    """Mark won or lost; the opportunity enters the archive stage (S5). Won needs S4's outputs."""
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot close this opportunity."))
    playbook = playbook_of(opportunity.playbook_version)
    if expected_version is not None and expected_version != opportunity.version:
        raise StaleEdit()
    unmet = check_close(playbook, stage=opportunity.stage, status=opportunity.status, outcome=outcome)
    if not unmet:
        unmet = check_close_with_gate(playbook, build_snapshot(opportunity, now=now), outcome)
    if unmet:
        refuse(playbook, unmet)
    before = audit_state(opportunity)
    archive = playbook.stage_keys[-1]
    opportunity.status, opportunity.closed_at = outcome, now
    opportunity.stage, opportunity.stage_entered_at, opportunity.updated_at = archive, now, now
    save_versioned(opportunity, expected_version=expected_version,
                   fields=["status", "closed_at", "stage", "stage_entered_at", "updated_at"])
    enter_stage(actor=actor, opportunity=opportunity, stage=archive, now=now, note=note)
    audit_record(actor=actor, instance=opportunity, before=before, after=audit_state(opportunity), now=now)
    service_contact = StageRecord.objects.filter(pk=opportunity.pk).values_list("service_contact_id", flat=True).first()
    OpportunityEvent.objects.create(
        kind=OpportunityEvent.WON if outcome == Status.WON else OpportunityEvent.LOST, opportunity=opportunity,
        occurred_at=now, payload={
            "number": opportunity.number, "name": opportunity.name, "customer_id": opportunity.customer_id,
            "customer": str(opportunity.customer), "amount": str(opportunity.amount),
            "owner_id": opportunity.owner_id, "closed_at": now.isoformat(), "note": note[:300],
            "products": sorted(opportunity.products.values_list("code", flat=True)),
            "service_contact_id": service_contact})
    if outcome == Status.WON:  # S4: hand over to delivery — the customer success managers on the deal
        for a in opportunity.assignments.select_related("user").filter(user__role=Role.CUSTOMER_SUCCESS):
            tell(recipient=a.user, kind="won_handoff", key=f"won:{opportunity.pk}:{a.user_id}",
                 subject=_("%(number)s is won: start the delivery hand-off") % {"number": opportunity.number},
                 body=str(opportunity), url=card_url(opportunity))
    return opportunity
