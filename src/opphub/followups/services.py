"""Log follow-ups (every customer touch)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from opphub.common.errors import NotAllowed
from opphub.common.inputs import inputs_changed
from opphub.customers.models import Contact
from opphub.methodology.playbook import DECISION_ROLES
from opphub.opportunities.models import Opportunity
from opphub.people import access

from .models import FollowUp

FOLLOWUP_FIELDS = ("kind", "direction", "occurred_at", "notes", "customer_feedback", "objections",
                   "competitor_moves", "next_step", "next_step_at")
FUTURE_TOLERANCE = timedelta(minutes=10)


@transaction.atomic
def followup_log(*, actor: Any, opportunity: Opportunity, data: Mapping[str, Any], now: datetime,
                 contacts: Iterable[Contact] = ()) -> FollowUp:
    """Record a touch. Contacts must belong to the opportunity's customer; a touch cannot be in the
    future; a planned next step (``next_step_at``, shown in the calendar feed) comes after it. Keeps
    ``opportunity.last_followup_at`` current (without bumping its edit version)."""
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
    from opphub.alerts.services import alerts_followup_logged  # the open touch/zombie alerts end now

    alerts_followup_logged(opportunity=opportunity, occurred_at=followup.occurred_at, now=now)
    if any(c.decision_role in DECISION_ROLES for c in contacts):  # H2 changed: the H4 review (the scan
        inputs_changed(actor=actor, opportunity=opportunity, now=now)  # catches the other gate activities)
    return followup
