"""Every page of the app, with the roles that may open it: one list shared by the role × page matrix
(tests/test_access_matrix_pages.py) and the every-page browser test (tests/e2e/test_every_page.py), so a
page added here is checked for access, phone width, console errors and accessibility at once.

The record: r1's opportunity (fulfilled for its stage), supported by presales and finance, with a contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, ContactFactory, make_opportunity
from tests.stagework import fulfil

ROLES = ("r1", "r2", "r3", "m1", "m2", "director", "admin", "presales", "cs", "finance", "legal")
ALL = frozenset(ROLES)
SEES = frozenset({"r1", "m1", "director", "admin", "presales", "finance"})  # r1's opportunity
EDITS = frozenset({"r1", "m1", "director", "admin"})
CREATES = frozenset({"r1", "r2", "r3", "m1", "m2", "director", "admin"})
TEAM = frozenset({"m1", "m2", "director", "admin"})  # team health and the weekly review (P4)


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    roles: frozenset[str]  # who gets 200


def make_record(org):  # type: ignore[no-untyped-def]
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=NOW)
    contact = ContactFactory(customer=opp.customer)
    return opp, contact


def pages(opp, contact) -> list[Page]:  # type: ignore[no-untyped-def]
    n = {"number": opp.number}
    c = {"pk": opp.customer_id}
    return [
        Page("my day", reverse("followups:my_day"), ALL),
        Page("board", reverse("opportunities:board"), ALL),
        Page("list", reverse("opportunities:list"), ALL),
        Page("new opportunity", reverse("opportunities:create"), CREATES),
        Page("card", reverse("opportunities:card", kwargs=n), SEES),
        Page("edit", reverse("opportunities:edit", kwargs=n), EDITS),
        Page("stage work", reverse("gates:stage", kwargs=n), SEES),
        Page("customers", reverse("customers:list"), ALL),
        Page("new customer", reverse("customers:create"), CREATES),
        Page("customer", reverse("customers:detail", kwargs=c), SEES),
        Page("customer edit", reverse("customers:edit", kwargs=c), EDITS),
        Page("contact edit", reverse("customers:contact_edit", kwargs={"pk": contact.pk}), EDITS),
        Page("notifications", reverse("notifications:list"), ALL),
        Page("notification settings", reverse("notifications:preferences"), ALL),
        Page("calendar", reverse("alerts:calendar"), ALL),
        Page("team health", reverse("alerts:team_health"), TEAM),
        Page("weekly review", reverse("alerts:review"), TEAM),
        Page("holiday import", reverse("workdays:import"), frozenset({"admin"})),
    ]
