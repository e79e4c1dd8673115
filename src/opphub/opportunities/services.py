"""Writes to opportunities: create, update, assign supporters. (Stage moves and closing live in
``opphub.workflow.services``, above this app and ``gates``.)

Each service checks permission and rules, writes the change with its stage history and audit rows in
one transaction, and refuses a stale edit (optimistic locking on ``version``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record, audit_snapshot
from opphub.common.errors import NotAllowed
from opphub.common.models import save_versioned
from opphub.customers.models import Customer
from opphub.people.models import Role, User

from .models import Assignment, Opportunity, Pipeline, Product, StageHistory, Status
from .numbering import number_allocate
from .playbooks import default_pipeline, playbook_of

if TYPE_CHECKING:  # for the annotation only: no new run-time edge opportunities -> gates (D?? Layers and lint)
    pass

EDITABLE_FIELDS = (
    "name", "amount", "expected_close_date", "source", "industry", "company_size", "pain_points",
    "decision_roles", "budget_min", "budget_max", "timeline", "requirement_1", "requirement_2",
    "requirement_3",
)
AUDITED_FIELDS = (*EDITABLE_FIELDS, "customer", "owner", "team", "region", "stage", "status", "products",
                  "pipeline", "playbook_version")


def audit_state(opportunity: Opportunity, products: Iterable[Product] | None = None) -> dict[str, str]:
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
    audit_record(actor=actor, instance=opportunity, before=None, after=audit_state(opportunity, products), now=now)
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
    before = audit_state(opportunity)
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
                 after=audit_state(opportunity, new_products), now=now)
    return opportunity


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
