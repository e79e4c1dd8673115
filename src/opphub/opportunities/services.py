"""Writes to opportunities: create, update, move between stages, close, assign supporters.

Each service checks permission and rules, writes the change with its stage history and audit rows in
one transaction, and refuses a stale edit (optimistic locking on ``version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record, audit_snapshot
from opphub.common.errors import MoveRefused, NotAllowed, StaleEdit
from opphub.common.models import save_versioned
from opphub.customers.models import Customer
from opphub.gates.scoring import health_evaluate
from opphub.gates.selectors import build_snapshot
from opphub.methodology.stages import MoveRequest, check_close, check_close_with_gate, check_move_with_gate
from opphub.people.models import Role, User

from .messages import stage_name, unmet_message
from .models import Assignment, Opportunity, OpportunityEvent, Pipeline, Product, StageHistory, Status
from .numbering import number_allocate
from .playbooks import default_pipeline, playbook_of

if TYPE_CHECKING:  # for the annotation only: no new run-time edge opportunities -> gates (D?? Layers and lint)
    from opphub.gates.models import Approval

EDITABLE_FIELDS = (
    "name", "amount", "expected_close_date", "source", "industry", "company_size", "pain_points",
    "decision_roles", "budget_min", "budget_max", "timeline", "requirement_1", "requirement_2",
    "requirement_3",
)
AUDITED_FIELDS = (*EDITABLE_FIELDS, "customer", "owner", "team", "region", "stage", "status", "products",
                  "pipeline", "playbook_version")


def _audit_state(opportunity: Opportunity, products: Iterable[Product] | None = None) -> dict[str, str]:
    state = audit_snapshot(opportunity, [f for f in AUDITED_FIELDS if f != "products"])
    names = [p.name for p in (products if products is not None else opportunity.products.all())]
    state["products"] = ", ".join(sorted(names))
    return state


def _check_owner(actor: User, owner: User) -> None:
    if not access.assignable_owners(actor).filter(pk=owner.pk).exists():
        raise NotAllowed(_("You cannot make %(user)s the owner.") % {"user": owner})
    if owner.team_id is None:
        raise ValidationError({"owner": _("%(user)s belongs to no team; an administrator must add them to "
                                          "one first.") % {"user": owner}})


def _validate(opportunity: Opportunity) -> None:
    opportunity.full_clean(exclude=["number", "playbook_version", "pipeline", "customer", "owner", "team",
                                    "region", "stage_entered_at", "created_at", "updated_at"],
                           validate_constraints=False)
    if (opportunity.budget_min is not None and opportunity.budget_max is not None
            and opportunity.budget_max < opportunity.budget_min):
        raise ValidationError({"budget_max": _("The budget range ends below where it starts.")})


@transaction.atomic
def opportunity_create(*, actor: User, customer: Customer, data: Mapping[str, Any], now: datetime,
                       products: Iterable[Product] = (), owner: Any = None,
                       pipeline: Pipeline | None = None) -> Opportunity:
    """Create an opportunity in the first stage under its pipeline's current playbook version.

    The number (YEAR-REGION-SEQ) is taken from the customer's region and the local year of ``now``.
    """
    if not access.can_create_records(actor):
        raise NotAllowed(_("Your role cannot create opportunities."))
    if not access.visible_customers(actor).filter(pk=customer.pk).exists():
        raise NotAllowed(_("You cannot add opportunities to this customer."))
    owner = owner or actor
    _check_owner(actor, owner)
    pipeline = pipeline or default_pipeline()
    version = pipeline.current_version
    playbook = playbook_of(version)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    opportunity = Opportunity(
        customer=customer, owner=owner, team_id=owner.team_id, region_id=customer.region_id,
        pipeline=pipeline, playbook_version=version, stage=playbook.stage_keys[0], status=Status.OPEN,
        stage_entered_at=now, created_at=now, updated_at=now, **data,
    )
    _validate(opportunity)
    year = timezone.localtime(now).year
    opportunity.number = number_allocate(region_code=customer.region.code, year=year)
    opportunity.save()
    products = list(products)
    opportunity.products.set(products)
    StageHistory.objects.create(opportunity=opportunity, stage=opportunity.stage, entered_at=now, moved_by=actor)
    audit_record(actor=actor, instance=opportunity, before=None, after=_audit_state(opportunity, products), now=now)
    return opportunity


@transaction.atomic
def opportunity_update(*, actor: User, opportunity: Opportunity, data: Mapping[str, Any], now: datetime,
                       expected_version: int | None, products: Iterable[Product] | None = None,
                       owner: Any = None) -> Opportunity:
    """Change fields of an opportunity. ``expected_version`` is the version the editor read."""
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot edit this opportunity."))
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = _audit_state(opportunity)
    for field, value in data.items():
        setattr(opportunity, field, value)
    fields = list(data)
    if owner is not None and owner.pk != opportunity.owner_id:
        _check_owner(actor, owner)
        opportunity.owner, opportunity.team_id = owner, owner.team_id
        fields += ["owner", "team"]
    _validate(opportunity)
    opportunity.updated_at = now
    save_versioned(opportunity, expected_version=expected_version, fields=[*fields, "updated_at"])
    new_products = list(products) if products is not None else None
    if new_products is not None:
        opportunity.products.set(new_products)
    audit_record(actor=actor, instance=opportunity, before=before,
                 after=_audit_state(opportunity, new_products), now=now)
    return opportunity


def _enter_stage(*, actor: User, opportunity: Opportunity, stage: str, now: datetime, note: str) -> None:
    StageHistory.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    StageHistory.objects.create(opportunity=opportunity, stage=stage, entered_at=now, moved_by=actor,
                                note=note[:300])


@dataclass(frozen=True)
class MoveOutcome:
    """What a forward move ended in (H4): ``moved`` (gate met; health > 80 where it is scored),
    ``approval`` (60-80: a request went to the manager, the opportunity stays), ``back`` (< 60: sent back
    to the previous stage, the reason recorded and the owner told)."""

    result: str  # "moved" | "approval" | "back"
    message: str
    health: Any = None
    approval: Any = None


def _refuse(playbook: Any, unmet: list[Any]) -> None:
    messages = [unmet_message(playbook, u) for u in unmet]
    raise MoveRefused(messages[0], details=messages)


def health_decides(playbook: Any, from_stage: str, to_stage: str) -> bool:
    """H4 applies at the end of a stage once the 10 requirement items are scored there (S2 onwards), for a
    forward move into another open stage (docs/decisions.md D18)."""
    keys = playbook.stage_keys
    first = next((i for i, st in enumerate(playbook.stages) if st.scored_requirement_items), None)
    if first is None or to_stage not in keys or from_stage not in keys:
        return False
    src, dst = keys.index(from_stage), keys.index(to_stage)
    return dst == src + 1 and src >= first and not playbook.stages[dst].closed


def _relocate(*, actor: User, opportunity: Opportunity, to_stage: str, now: datetime, note: str,
              expected_version: int | None) -> None:
    before = _audit_state(opportunity)
    opportunity.stage, opportunity.stage_entered_at, opportunity.updated_at = to_stage, now, now
    save_versioned(opportunity, expected_version=expected_version,
                   fields=["stage", "stage_entered_at", "updated_at"])
    _enter_stage(actor=actor, opportunity=opportunity, stage=to_stage, now=now, note=note)
    audit_record(actor=actor, instance=opportunity, before=before, after=_audit_state(opportunity), now=now)


@transaction.atomic
def opportunity_move_stage(*, actor: User, opportunity: Opportunity, to_stage: str, now: datetime,
                           expected_version: int | None = None, note: str = "") -> Opportunity:
    """Move to another stage (board drag, button or API).

    The order of stages and the stage gate (M2) are checked first: when anything is unmet the move is
    refused with the whole checklist and nothing changes. Then, where the health score decides (H4), the
    score is saved and the opportunity moves on (> 80), waits for the manager's approval (60-80), or goes
    back to the previous stage (< 60). ``opportunity.move_outcome`` tells which (a :class:`MoveOutcome`).
    """
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot move this opportunity."))
    playbook = playbook_of(opportunity.playbook_version)
    if expected_version is not None and expected_version != opportunity.version:
        raise StaleEdit()
    snapshot = build_snapshot(opportunity, now=now)
    unmet = check_move_with_gate(playbook, MoveRequest(opportunity.stage, to_stage, opportunity.status), snapshot)
    if unmet:
        _refuse(playbook, unmet)
    outcome = MoveOutcome("moved", "")
    if health_decides(playbook, opportunity.stage, to_stage):
        outcome = _health_decision(actor=actor, opportunity=opportunity, to_stage=to_stage, now=now,
                                   expected_version=expected_version, note=note)
        if outcome.result != "moved":
            opportunity.move_outcome = outcome  # type: ignore[attr-defined]
            return opportunity
    _relocate(actor=actor, opportunity=opportunity, to_stage=to_stage, now=now, note=note,
              expected_version=expected_version)
    opportunity.move_outcome = outcome  # type: ignore[attr-defined]
    return opportunity


def _health_decision(*, actor: User, opportunity: Opportunity, to_stage: str, now: datetime,
                     expected_version: int | None, note: str) -> MoveOutcome:
    from opphub.gates.models import HEALTH_APPROVAL, Approval, ApprovalState
    from opphub.gates.notify import tell
    from opphub.gates.services import approval_request, card_url
    from opphub.methodology.health import Decision

    granted = Approval.objects.filter(opportunity=opportunity, key=HEALTH_APPROVAL, to_stage=to_stage,
                                      state=ApprovalState.APPROVED, decided_at__gte=opportunity.stage_entered_at)
    if granted.exists():
        return MoveOutcome("moved", "")
    record = health_evaluate(actor=actor, opportunity=opportunity, now=now)
    total = record.total
    if record.decision == Decision.ADVANCE:
        return MoveOutcome("moved", "", health=record)
    if record.decision == Decision.APPROVAL:
        approval = approval_request(actor=actor, opportunity=opportunity, key=HEALTH_APPROVAL, now=now, note=note,
                                    to_stage=to_stage, health=record)
        return MoveOutcome("approval", _("The health score is %(total)s (60-80): the move to %(stage)s waits for "
                                         "the manager's approval.") % {"total": total, "stage": stage_name(
                                             playbook_of(opportunity.playbook_version), to_stage)},
                           health=record, approval=approval)
    playbook = playbook_of(opportunity.playbook_version)
    keys = playbook.stage_keys
    previous = keys[keys.index(opportunity.stage) - 1] if keys.index(opportunity.stage) > 0 else None
    reason = _("Health score %(total)s is below %(min)s.") % {"total": total, "min": playbook.health.back_below}
    if previous is None:
        return MoveOutcome("back", reason, health=record)
    _relocate(actor=actor, opportunity=opportunity, to_stage=previous, now=now, note=reason,
              expected_version=expected_version)
    message = _("%(reason)s The opportunity went back to %(stage)s.") % {"reason": reason,
                                                                          "stage": stage_name(playbook, previous)}
    tell(recipient=opportunity.owner, kind="sent_back", key=f"health:{record.pk}:back",
         subject=_("%(number)s went back to %(stage)s") % {"number": opportunity.number,
                                                           "stage": stage_name(playbook, previous)},
         body=reason, url=card_url(opportunity))
    return MoveOutcome("back", message, health=record)


def opportunity_move_after_approval(*, actor: User, approval: Approval, now: datetime) -> Opportunity:
    """H4: the manager approved a 60-80 score; the opportunity moves where it was asked to go, if it is
    still where it was and its gate is still met (otherwise the owner moves it once it is)."""
    opportunity = Opportunity.objects.select_for_update().get(pk=approval.opportunity_id)
    if opportunity.stage != approval.stage or opportunity.status != Status.OPEN:
        return opportunity
    playbook = playbook_of(opportunity.playbook_version)
    snapshot = build_snapshot(opportunity, now=now)
    if check_move_with_gate(playbook, MoveRequest(opportunity.stage, approval.to_stage, opportunity.status),
                            snapshot):
        return opportunity
    _relocate(actor=actor, opportunity=opportunity, to_stage=approval.to_stage, now=now,
              note=_("Health score approved"), expected_version=None)
    return opportunity


@transaction.atomic
def opportunity_close(*, actor: User, opportunity: Opportunity, outcome: str, now: datetime,
                      expected_version: int | None = None, note: str = "") -> Opportunity:
    """Mark won or lost; the opportunity enters the archive stage (S5)."""
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot close this opportunity."))
    playbook = playbook_of(opportunity.playbook_version)
    if expected_version is not None and expected_version != opportunity.version:
        raise StaleEdit()
    unmet = check_close(playbook, stage=opportunity.stage, status=opportunity.status, outcome=outcome)
    if not unmet:
        unmet = check_close_with_gate(playbook, build_snapshot(opportunity, now=now), outcome)
    if unmet:
        _refuse(playbook, unmet)
    before = _audit_state(opportunity)
    archive = playbook.stage_keys[-1]
    opportunity.status, opportunity.closed_at = outcome, now
    opportunity.stage, opportunity.stage_entered_at, opportunity.updated_at = archive, now, now
    save_versioned(opportunity, expected_version=expected_version,
                   fields=["status", "closed_at", "stage", "stage_entered_at", "updated_at"])
    _enter_stage(actor=actor, opportunity=opportunity, stage=archive, now=now, note=note)
    audit_record(actor=actor, instance=opportunity, before=before, after=_audit_state(opportunity), now=now)
    OpportunityEvent.objects.create(
        kind=OpportunityEvent.WON if outcome == Status.WON else OpportunityEvent.LOST, opportunity=opportunity,
        occurred_at=now, payload={
            "number": opportunity.number, "name": opportunity.name, "customer_id": opportunity.customer_id,
            "customer": str(opportunity.customer), "amount": str(opportunity.amount),
            "owner_id": opportunity.owner_id, "closed_at": now.isoformat(), "note": note[:300],
            "products": sorted(opportunity.products.values_list("code", flat=True)),
            "service_contact_id": _service_contact_id(opportunity)})
    if outcome == Status.WON:  # S4: hand over to delivery — the customer success managers on the deal
        from opphub.gates.notify import tell
        from opphub.gates.services import card_url

        for a in opportunity.assignments.select_related("user").filter(user__role=Role.CUSTOMER_SUCCESS):
            tell(recipient=a.user, kind="won_handoff", key=f"won:{opportunity.pk}:{a.user_id}",
                 subject=_("%(number)s is won: start the delivery hand-off") % {"number": opportunity.number},
                 body=str(opportunity), url=card_url(opportunity))
    return opportunity


def _service_contact_id(opportunity: Opportunity) -> int | None:
    from opphub.gates.models import StageRecord

    return StageRecord.objects.filter(pk=opportunity.pk).values_list("service_contact_id", flat=True).first()


@transaction.atomic
def opportunity_assign(*, actor: User, opportunity: Opportunity, user: User, now: datetime) -> Assignment:
    """Assign a presales engineer, customer success manager or finance/legal reviewer."""
    if not access.can_edit_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot assign people to this opportunity."))
    if user.role not in access.SUPPORT_ROLES:
        raise ValidationError({"user": _("Only presales, customer success, finance or legal people are "
                                         "assigned to support an opportunity.")})
    assignment, created = Assignment.objects.get_or_create(opportunity=opportunity, user=user,
                                                           defaults={"assigned_at": now})
    if created:
        audit_record(actor=actor, instance=opportunity, before={"assignees": ""},
                     after={"assignees": f"+ {user} [#{user.pk}]"}, now=now)
    return assignment


def supporter_roles() -> list[str]:
    return [Role.PRESALES, Role.CUSTOMER_SUCCESS, Role.FINANCE, Role.LEGAL]
