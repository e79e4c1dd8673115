"""Read selectors for the opportunity card (spec M1: the whole picture in one view). The stage gate, the
health score and the stage buttons are added above this app, by ``opphub.workflow.card.card_page``.

``card_data`` builds everything the card shows with a fixed number of queries, whatever the number
of follow-ups, contacts or changes: the opportunity with its customer/owner/team/region/playbook
(1), products (1), supporters (1), the customer's contacts (1), the contacts reached by this
opportunity's follow-ups (1), the follow-up count and one page of the timeline with authors (2) and
their contacts (1), the latest field changes (1), and the permission checks that need the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_history
from opphub.common.money import money
from opphub.customers.models import Contact, DecisionRole
from opphub.followups.models import FollowUp
from opphub.methodology.playbook import Playbook
from opphub.methodology.risk import RiskFlag
from opphub.methodology.strategies import StrategyHint, counter_strategies

from .models import Opportunity, Status
from .playbooks import playbook_of
from .risks import opportunity_risks, stage_limit_text

TIMELINE_PAGE_SIZE = 50
CHANGES_SHOWN = 10
CHAIN_ORDER = (DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER, DecisionRole.USER, DecisionRole.OTHER)
_REF = re.compile(r" \[#\d+\]")


def opportunity_for_card(user: access.AnyUser, number: str) -> Opportunity:
    """The opportunity with what its header needs, if the user may see it; else 404."""
    qs = access.visible_opportunities(user).select_related(
        "customer", "owner", "team", "region", "playbook_version", "pipeline")
    try:
        return qs.get(number=number)
    except Opportunity.DoesNotExist:
        raise Http404 from None


@dataclass
class Step:
    key: str
    name: str
    state: str  # done | current | todo
    closed: bool


@dataclass
class ContactRow:
    contact: Contact
    contacted: bool


@dataclass
class ChainGroup:
    role: str
    label: str
    rows: list[ContactRow]


@dataclass
class Change:
    at: dt.datetime
    actor: Any
    field: str
    old: str
    new: str
    created: bool


@dataclass
class Card:
    opportunity: Opportunity
    playbook: Playbook
    stage_name: str
    status_label: str
    steps: list[Step]
    days_in_stage: int
    products: list[Any]
    supporters: list[Any]
    contacts: list[Contact]
    chain: list[ChainGroup]
    has_decision_maker: bool
    decision_maker_contacted: bool
    followups: list[FollowUp]
    followup_count: int
    page: int
    num_pages: int
    changes: list[Change]
    can_edit: bool
    can_log: bool
    can_edit_customer: bool
    weights: dict[str, int]
    next_stage: Step | None = None
    previous_stage: Step | None = None
    can_win: bool = False
    amount_label: str = ""
    budget_label: str = ""
    strategies: list[StrategyHint] = field(default_factory=list)
    risks: tuple[RiskFlag, ...] = ()
    stage_limit: str = ""  # M5: "Average 7.0 days in this stage, high risk after 10.5 (...)"
    gate: Any = None  # gates.panel.GatePanel: the checklist of the next step and the health score (workflow.card)

    @property
    def is_open(self) -> bool:
        return self.opportunity.status == Status.OPEN

    @property
    def has_more_pages(self) -> bool:
        return self.page < self.num_pages


def _steps(playbook: Playbook, opportunity: Opportunity) -> list[Step]:
    lang = get_language()
    current = playbook.stage_index(opportunity.stage) if opportunity.stage in playbook.stage_keys else -1
    steps = []
    for i, stage in enumerate(playbook.stages):
        state = "done" if i < current else "current" if i == current else "todo"
        steps.append(Step(stage.key, stage.name.get(lang), state, stage.closed))
    return steps


def _chain(contacts: list[Contact], contacted_ids: set[int]) -> list[ChainGroup]:
    labels = dict(DecisionRole.choices)
    groups: dict[str, ChainGroup] = {role: ChainGroup(str(role), str(labels[role]), []) for role in CHAIN_ORDER}
    for c in contacts:
        group = groups.get(c.decision_role, groups[DecisionRole.OTHER])
        group.rows.append(ContactRow(c, c.pk in contacted_ids))
    return list(groups.values())


def _field_label(name: str) -> str:
    # stage work is audited on the opportunity under these names (gates/services.py)
    labels = {"assignees": _("supporters"), "budget_range": _("budget range"), "documents": _("documents"),
              "confirmations": _("customer confirmations"), "approvals": _("approvals"),
              "objections": _("objections"), "requirement_scores": _("requirement item scores"),
              "archive": _("archive")}
    if name in labels:
        return str(labels[name])
    try:
        field = Opportunity._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _changes(opportunity: Opportunity, playbook: Playbook) -> list[Change]:
    lang = get_language()
    stages = {s.key: s.name.get(lang) for s in playbook.stages}
    statuses = {str(k): str(v) for k, v in Status.choices}

    def show(name: str, value: str) -> str:
        if name == "stage":
            return stages.get(value, value)
        if name == "status":
            return statuses.get(value, value)
        return _REF.sub("", value)

    rows = audit_history(opportunity)[:CHANGES_SHOWN]
    return [Change(r.at, r.actor, _field_label(r.field), show(r.field, r.old_value), show(r.field, r.new_value),
                   r.action == "create") for r in rows]


def timeline(opportunity: Opportunity, page: int) -> tuple[list[FollowUp], int, int, int]:
    """One page of follow-ups, newest first: (rows, total, page, pages). Three queries."""
    total = FollowUp.objects.filter(opportunity=opportunity).count()
    pages = max((total + TIMELINE_PAGE_SIZE - 1) // TIMELINE_PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    start = (page - 1) * TIMELINE_PAGE_SIZE
    qs = (FollowUp.objects.filter(opportunity=opportunity).select_related("author")
          .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("name")))
          .order_by("-occurred_at", "-id"))
    return list(qs[start:start + TIMELINE_PAGE_SIZE]), total, page, pages


def card_data(*, user: access.AnyUser, opportunity: Opportunity, now: dt.datetime, page: int = 1) -> Card:
    """Everything the card shows. ``opportunity`` comes from :func:`opportunity_for_card`."""
    playbook = playbook_of(opportunity.playbook_version)
    steps = _steps(playbook, opportunity)
    stage = next((s for s in steps if s.state == "current"), None)

    # the opportunity is visible, so its customer's contacts are (access.contacts_of)
    contacts = list(access.contacts_of(user, opportunity).order_by("-is_director_or_above", "name", "id"))
    contacted_ids = set(FollowUp.contacts.through.objects.filter(followup__opportunity=opportunity)
                        .values_list("contact_id", flat=True).distinct())
    chain = _chain(contacts, contacted_ids)
    makers = chain[0].rows
    followups, total, page, pages = timeline(opportunity, page)

    can_edit = access.can_edit_opportunity(user, opportunity)
    is_open = opportunity.status == Status.OPEN
    card = Card(
        opportunity=opportunity, playbook=playbook, stage_name=stage.name if stage else opportunity.stage,
        status_label="", steps=steps,
        days_in_stage=max((now - opportunity.stage_entered_at).days, 0),
        products=list(opportunity.products.order_by("name")),
        supporters=[a.user for a in opportunity.assignments.select_related("user").order_by("assigned_at", "id")],
        contacts=contacts, chain=chain, has_decision_maker=bool(makers),
        decision_maker_contacted=any(r.contacted for r in makers),
        followups=followups, followup_count=total, page=page, num_pages=pages,
        changes=_changes(opportunity, playbook),
        can_edit=can_edit, can_log=access.can_log_followup(user, opportunity),
        can_edit_customer=access.can_edit_customer(user, opportunity.customer),
        weights={"requirement_match": playbook.health.weight_requirement_match,
                 "decision_chain": playbook.health.weight_decision_chain,
                 "budget_certainty": playbook.health.weight_budget_certainty},
        amount_label=money(opportunity.amount),
        budget_label=_budget(opportunity),
    )
    if is_open and page == 1:  # X2: the newest objections (already on the first timeline page)
        card.strategies = counter_strategies(playbook, [f.objections for f in followups])
        card.risks = opportunity_risks(playbook=playbook, opportunity=opportunity, now=now)
    card.stage_limit = stage_limit_text(playbook, opportunity, now)
    return card


def _budget(o: Opportunity) -> str:
    if o.budget_min is None and o.budget_max is None:
        return ""
    if o.budget_max is None:
        return _("from %(amount)s") % {"amount": money(o.budget_min)}
    if o.budget_min is None:
        return _("up to %(amount)s") % {"amount": money(o.budget_max)}
    if o.budget_min == o.budget_max:
        return money(o.budget_min)
    return f"{money(o.budget_min)} – {money(o.budget_max)}"
