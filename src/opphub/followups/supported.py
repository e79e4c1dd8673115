"""My day of presales engineers, customer success managers and finance/legal reviewers (P2, P3, R4): the open
opportunities they are assigned to support, in one query (customer, owner and playbook version joined).

Ordered by what comes first for a supporter: the nearest expected close date, then the larger amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone

from opphub import access
from opphub.common.money import yuan
from opphub.opportunities.messages import stage_name
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role, User

NUMBER_PLACEHOLDER = "NUMBER"
STAGE_WORKERS = (Role.PRESALES, Role.CUSTOMER_SUCCESS)  # they work on the stage page (minutes, hand-over)
COLUMNS = ("id", "number", "name", "stage", "amount", "expected_close_date", "last_followup_at",
           "customer__name", "owner__display_name", "owner__username", "owner__first_name", "owner__last_name",
           "playbook_version__digest")


@dataclass
class SupportedRow:
    """One open opportunity the user supports, with where they act on it."""

    number: str
    name: str
    customer: str
    owner: str
    stage_name: str
    amount: Decimal | None
    expected_close: date
    last_touch: datetime | None
    href: str  # the card
    work_href: str  # the stage page for presales and customer success, else the card's follow-ups

    @property
    def amount_label(self) -> str:
        return yuan(self.amount)


def supported_rows(*, user: User) -> list[SupportedRow]:
    """The open opportunities assigned to ``user`` that they may see (one query)."""
    qs = (access.visible_opportunities(user).filter(status="open", assignments__user=user)
          .select_related("customer", "owner", "playbook_version").only(*COLUMNS)
          .order_by("expected_close_date", "-amount", "id"))
    card = reverse("opportunities:card", kwargs={"number": NUMBER_PLACEHOLDER})
    stage = reverse("gates:stage", kwargs={"number": NUMBER_PLACEHOLDER})
    works_on_stage = user.role in STAGE_WORKERS
    rows = []
    for o in qs:
        book = playbook_of(o.playbook_version)
        number = quote(o.number, safe="-")
        href = card.replace(NUMBER_PLACEHOLDER, number)
        rows.append(SupportedRow(
            number=o.number, name=o.name, customer=o.customer.name, owner=str(o.owner),
            stage_name=stage_name(book, o.stage),
            amount=o.amount, expected_close=o.expected_close_date,
            last_touch=timezone.localtime(o.last_followup_at) if o.last_followup_at else None, href=href,
            work_href=stage.replace(NUMBER_PLACEHOLDER, number) if works_on_stage else href + "#followups"))
    return rows
