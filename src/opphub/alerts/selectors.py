"""Reads for the manager's pages (P4: team health, the weekly review of high-risk opportunities) and
the ICS feed. Fixed query counts: aggregates GROUP BY owner, never a query per rep or per opportunity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import get_language

from opphub import access
from opphub.methodology.playbook_types import Intervention
from opphub.opportunities.models import Opportunity, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import User

from .models import RESPONSE_ALERT_KINDS, RISK_KINDS, Alert, AlertKind
from .services import intervention_rule

ESCALATED_KINDS = [AlertKind.OVERDUE_TOUCH, *RESPONSE_ALERT_KINDS]  # M3: what goes to the manager when late


@dataclass
class RepHealth:
    user: Any
    open: int = 0
    overdue: int = 0
    late_answers: int = 0  # C1-C4: what a customer waits for, past its response time
    zombies: int = 0
    escalated: int = 0
    high_risk: int = 0
    penalty_points: int = 0


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


@dataclass
class TeamHealth:
    reps: list[RepHealth]
    escalated: list[Any]  # open escalated overdue touches (Alert, with opportunity and owner)
    interventions: list[InterventionTask]  # open P6 intervention tasks
    penalties: list[Any]  # this month's ledger entries
    month: str


def team_health(*, user: access.AnyUser, now: dt.datetime) -> TeamHealth:
    members = list(access.team_members(user).order_by("team__name", "username").select_related("team"))
    ids = [m.pk for m in members]
    rows = {m.pk: RepHealth(user=m) for m in members}
    opps = access.visible_opportunities(user).filter(status=Status.OPEN, owner_id__in=ids)
    for owner, n in opps.order_by().values_list("owner_id").annotate(n=Count("id")):
        rows[owner].open = n
    alerts = access.visible_alerts(user).filter(resolved_at__isnull=True, owner_id__in=ids)
    counts = alerts.order_by().values("owner_id").annotate(
        overdue=Count("id", filter=Q(kind=AlertKind.OVERDUE_TOUCH)),
        late_answers=Count("id", filter=Q(kind__in=RESPONSE_ALERT_KINDS)),
        zombies=Count("id", filter=Q(kind=AlertKind.ZOMBIE)),
        escalated=Count("id", filter=Q(kind__in=ESCALATED_KINDS, escalated_at__isnull=False)),
        high_risk=Count("opportunity_id", filter=Q(kind__in=list(RISK_KINDS)), distinct=True),
    )
    for c in counts:
        r = rows[c["owner_id"]]
        r.overdue, r.zombies, r.escalated, r.high_risk = c["overdue"], c["zombies"], c["escalated"], c["high_risk"]
        r.late_answers = c["late_answers"]
    month = now.strftime("%Y-%m")
    penalties = list(access.visible_penalties(user).filter(user_id__in=ids, month=month)
                     .select_related("user", "opportunity", "reversed_by").order_by("-created_at"))
    for p in penalties:
        if p.reversed_at is None:
            rows[p.user_id].penalty_points += p.points
    related = ("opportunity__playbook_version", "owner", "escalated_to")
    escalated = list(alerts.filter(kind__in=ESCALATED_KINDS, escalated_at__isnull=False)
                     .select_related(*related).defer("opportunity__playbook_version__content").order_by("due_at")[:200])
    interventions = [  # P6 in the words of the alert's own playbook ("more than 7 days")
        InterventionTask(a, intervention_rule(playbook_of(a.opportunity.playbook_version)))
        for a in alerts.filter(kind=AlertKind.INTERVENTION).select_related(*related)
        .defer("opportunity__playbook_version__content").order_by("basis_at")[:200]]
    sales = [rows[i] for i in ids if rows[i].user.role in ("rep", "manager")]
    return TeamHealth(reps=sales,
                      escalated=escalated, interventions=interventions, penalties=penalties, month=month)


@dataclass
class ReviewRow:
    opportunity: Any
    stage_name: str
    flags: list[str] = field(default_factory=list)  # kinds
    flag_labels: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)


def review_rows(*, user: access.AnyUser) -> list[ReviewRow]:
    """P4 weekly review: open opportunities with an open M5/X3 flag, their flags and X4 interventions."""
    alerts = (access.visible_alerts(user).filter(resolved_at__isnull=True, kind__in=list(RISK_KINDS),
                                                 opportunity__status=Status.OPEN)
              .select_related("opportunity", "opportunity__customer", "opportunity__owner",
                              "opportunity__playbook_version")
              .order_by("-opportunity__amount", "opportunity_id", "kind"))
    rows: dict[int, ReviewRow] = {}
    labels = dict(AlertKind.choices)
    lang = get_language()
    for a in alerts:
        row = rows.get(a.opportunity_id)
        opp = a.opportunity
        if row is None:
            book = playbook_of(opp.playbook_version)
            try:
                stage_name = book.stage(opp.stage).name.get(lang)
            except KeyError:
                stage_name = opp.stage
            row = rows[a.opportunity_id] = ReviewRow(opportunity=opp, stage_name=stage_name)
        row.flags.append(a.kind)
        row.flag_labels.append(str(labels.get(a.kind, a.kind)))
    for row in rows.values():
        book = playbook_of(row.opportunity.playbook_version)
        codes = {RISK_KINDS[k] for k in row.flags if k in RISK_KINDS}
        chosen: list[Intervention] = [i for i in book.interventions if codes.intersection(i.when)]
        row.interventions = [i.text.get(lang) for i in chosen]
    return list(rows.values())
