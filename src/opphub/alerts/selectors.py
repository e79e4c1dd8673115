"""Shared reads of the manager's pages (P4, M3, P6); team health is in ``team_health``, the weekly review
in ``review``. Fixed query counts: aggregates GROUP BY owner, never a query per rep or per opportunity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from opphub.opportunities.models import Opportunity
from opphub.people.models import User

from .models import RESPONSE_ALERT_KINDS, Alert, AlertKind

ESCALATED_KINDS = [AlertKind.OVERDUE_TOUCH, *RESPONSE_ALERT_KINDS]  # M3: what goes to the manager when late


@dataclass
class InterventionTask:
    """An open P6 intervention task and its rule in the words of the alert's own playbook."""

    alert: Alert
    rule: str  # "more than 7 days" / "more than 7 working days"

    @property
    def opportunity(self) -> Opportunity:
        return self.alert.opportunity

    @property
    def owner(self) -> User:
        return self.alert.owner

    @property
    def basis_at(self) -> dt.datetime:
        return self.alert.basis_at
