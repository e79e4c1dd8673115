"""Log follow-ups (every customer touch)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from opphub import access
from opphub.alerts.services import alerts_followup_logged, alerts_requests_answered
from opphub.common.errors import NotAllowed
from opphub.common.inputs import inputs_changed
from opphub.customers.models import Contact
from opphub.methodology.playbook import DECISION_ROLES
from opphub.opportunities.models import Opportunity
from opphub.people.models import User

from .models import CustomerRequest, FollowUp, RequestKind

FOLLOWUP_FIELDS = ("kind", "direction", "occurred_at", "notes", "customer_feedback", "objections",
                   "competitor_moves", "next_step", "next_step_at")
FUTURE_TOLERANCE = timedelta(minutes=10)


@transaction.atomic
def followup_log(*, actor: User, opportunity: Opportunity, data: Mapping[str, Any], now: datetime,
                 contacts: Iterable[Contact] = (), requests: Iterable[tuple[str, str]] = (),
                 answers: Iterable[CustomerRequest] = ()) -> FollowUp:
    """Record a touch. Contacts must belong to the opportunity's customer; a touch cannot be in the
    future; a planned next step (``next_step_at``, shown in the calendar feed) comes after it. Keeps
    ``opportunity.last_followup_at`` current (without bumping its edit version).

    C1-C4: ``requests`` — (kind, text) pairs the customer is now waiting for (received at the touch,
    owed by the opportunity's owner); ``answers`` — open requests of this opportunity this touch answers."""
    if not access.can_log_followup(actor, opportunity):
        raise NotAllowed(_("You cannot log follow-ups on this opportunity."))
    followup = FollowUp(opportunity=opportunity, author=actor, created_at=now,
                        **{k: v for k, v in data.items() if k in FOLLOWUP_FIELDS})
    if followup.occurred_at is None:
        followup.occurred_at = now
    followup.full_clean(exclude=["opportunity", "author"])
    if followup.occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("A follow-up cannot be in the future.")})
    if followup.next_step_at is not None and followup.next_step_at <= followup.occurred_at:
        raise ValidationError({"next_step_at": _("The next step must be planned after this follow-up.")})
    contacts = list(contacts)
    foreign = [c for c in contacts if c.customer_id != opportunity.customer_id]
    if foreign:
        raise ValidationError({"contacts": _("%(name)s is not a contact of this customer.")
                               % {"name": foreign[0].name}})
    followup.save()
    followup.contacts.set(contacts)
    Opportunity.objects.filter(pk=opportunity.pk).filter(
        Q(last_followup_at__isnull=True) | Q(last_followup_at__lt=followup.occurred_at)
    ).update(last_followup_at=followup.occurred_at)
    if opportunity.last_followup_at is None or opportunity.last_followup_at < followup.occurred_at:
        opportunity.last_followup_at = followup.occurred_at
    alerts_followup_logged(  # the open touch/zombie alerts end now
        opportunity=opportunity, occurred_at=followup.occurred_at, now=now)
    answers = list(answers)
    if answers:
        requests_answer(actor=actor, requests=answers, followup=followup, now=now)
    for kind, text in requests:
        request_record(actor=actor, opportunity=opportunity, kind=kind, text=text, received_at=followup.occurred_at,
                       followup=followup, now=now)
    if any(c.decision_role in DECISION_ROLES for c in contacts):  # H2 changed: the H4 review (the scan
        inputs_changed(actor=actor, opportunity=opportunity, now=now)  # catches the other gate activities)
    return followup


@transaction.atomic
def request_record(*, actor: Any, opportunity: Opportunity, kind: str, text: str, received_at: datetime,
                   now: datetime, owed_by: Any = None, followup: FollowUp | None = None,
                   objection: Any = None) -> CustomerRequest:
    """C1-C4: the customer now waits for an answer of ``kind`` (RequestKind); due at the playbook's
    response time after ``received_at``; owed by ``owed_by`` (default: the opportunity's owner), who
    must be able to see the opportunity. Two requests of one kind cannot share a moment (it is the
    alert episode's identity): a second one at the same instant is recorded a microsecond later."""
    if not access.can_log_followup(actor, opportunity):
        raise NotAllowed(_("You cannot log follow-ups on this opportunity."))
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose what the customer is waiting for.")})
    if (kind == RequestKind.OBJECTION) != (objection is not None):  # C4 waits on a recorded objection (S4)
        raise ValidationError({"kind": _("Record an objection as an objection on the stage work page.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Say what the customer is waiting for.")})
    if received_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"received_at": _("A request cannot be in the future.")})
    owed_by = owed_by or opportunity.owner
    if not access.visible_opportunities(owed_by).filter(pk=opportunity.pk).exists():
        raise ValidationError({"owed_by": _("%(name)s cannot see this opportunity.") % {"name": owed_by}})
    taken = set(CustomerRequest.objects.filter(opportunity=opportunity, kind=kind,
                                               received_at__gte=received_at,
                                               received_at__lt=received_at + timedelta(milliseconds=1))
                .values_list("received_at", flat=True))
    while received_at in taken:
        received_at += timedelta(microseconds=1)
    return CustomerRequest.objects.create(opportunity=opportunity, kind=kind, text=text[:300], received_at=received_at,
                                          owed_by=owed_by, followup=followup, objection=objection, created_at=now)


@transaction.atomic
def requests_answer(*, actor: Any, requests: Iterable[CustomerRequest], now: datetime,
                    followup: FollowUp | None = None) -> int:
    """C1-C4: the answering follow-up (or, for an objection, its resolution: ``followup`` None) closes
    the requests; their overdue alerts end at once. Returns how many were still open."""
    requests = list(requests)
    for r in requests:
        if followup is not None and r.opportunity_id != followup.opportunity_id:
            raise ValidationError({"answers": _("A follow-up answers only requests of its own opportunity.")})
        if not access.can_log_followup(actor, r.opportunity):
            raise NotAllowed(_("You cannot log follow-ups on this opportunity."))
    return _close(requests, followup.occurred_at if followup is not None else now, followup, now)


def requests_close_for_objection(*, objection: Any, now: datetime) -> int:
    """C4: an objection's resolution answers what the customer waited for (the caller,
    ``gates.services.objection_resolve``, checked who may resolve it)."""
    return _close(list(CustomerRequest.objects.filter(objection=objection)), now, None, now)


def _close(requests: list[CustomerRequest], answered_at: datetime, followup: FollowUp | None, now: datetime) -> int:
    closed = CustomerRequest.objects.filter(pk__in=[r.pk for r in requests], answered_at__isnull=True).update(
        answered_at=answered_at, answered_by=followup)

    alerts_requests_answered(requests=requests, now=now)
    return closed
