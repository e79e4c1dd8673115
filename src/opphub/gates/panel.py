"""What the card and the stage-work page show about the gate (M2) and the health score (H1-H4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from opphub.methodology.business_days import add_working_days, relies_on_estimate
from opphub.methodology.health import Decision, HealthScore, Raise, compute_health, score_text
from opphub.methodology.playbook import Playbook
from opphub.methodology.stages import (
    check_archive,
    check_close_with_gate,
    check_gate,
    deadlines,
    next_stage,
    stage_status_label,
)
from opphub.opportunities.messages import document_name, stage_name
from opphub.opportunities.playbooks import playbook_of
from opphub.workdays.calendar import work_calendar

from .models import Document, StageRecord
from .selectors import build_snapshot, health_inputs, latest_documents, stage_record_of
from .unmet import unmet_link


@dataclass
class DocumentRow:
    key: str
    name: str
    required: bool
    needs_confirmation: bool
    document: Document | None


@dataclass
class DeadlineRow:
    label: str
    due: date
    done_on: date | None
    overdue: bool
    estimated: bool = False  # counted across a year without an official holiday schedule (Mon-Fri)


@dataclass
class RaiseRow:
    text: str
    points: Any


@dataclass
class GatePanel:
    playbook: Playbook
    record: StageRecord
    target: str  # what the checklist is for: "advance to X", "mark won", "archive"
    target_kind: str  # "advance" | "won" | "archive" | "none"
    checklist: list[str]
    health: HealthScore
    raises: list[RaiseRow]
    documents: list[DocumentRow]
    deadlines: list[DeadlineRow] = field(default_factory=list)
    status_label: str = ""
    next_key: str = ""
    first_stage: bool = False  # S1: no earlier stage to go back to (H4 below the band: "not ready")
    links: list[tuple[str, str]] = field(default_factory=list)  # the checklist as (text, where it is fixed)

    @property
    def ready(self) -> bool:
        return not self.checklist

    @property
    def band_low(self) -> str:
        """H4's approval band from the playbook, as shown (``back_below`` … ``advance_above``)."""
        return score_text(self.playbook.health.back_below)

    @property
    def band_high(self) -> str:
        return score_text(self.playbook.health.advance_above)

    @property
    def total_text(self) -> str:
        return score_text(self.health.total)

    @property
    def not_ready(self) -> bool:
        """H4 in the first stage: the gate to the next stage is met but the score is below the band, so the
        opportunity stays where it is, marked not ready (there is no earlier stage to go back to)."""
        return (self.first_stage and self.target_kind == "advance" and self.ready
                and self.health.decision == Decision.BACK)


def links_for(panel: GatePanel, number: str, *, edit: bool, work: bool, log: bool) -> list[tuple[str, str]]:
    """The checklist's links the viewer can use: the edit form for editors, the stage page's forms for those
    who work on the stage, the card's follow-up form for those who log follow-ups; the others as plain text."""
    allowed = {reverse("opportunities:edit", kwargs={"number": number}): edit,
               reverse("gates:stage", kwargs={"number": number}): work,
               reverse("opportunities:card", kwargs={"number": number}): log}
    return [(text, url if allowed.get(url.split("?")[0].split("#")[0], False) else "") for text, url in panel.links]


def _raise_text(playbook: Playbook, r: Raise) -> str:
    if r.code == "score_item":
        names = {i.key: i.name.get(get_language()) for i in playbook.health.requirement_items}
        return _("Score the item “%(item)s”.") % {"item": names.get(r.param("item"), r.param("item"))}
    if r.code == "contact_role":
        labels = {"decision_maker": _("the decision maker"), "influencer": _("an influencer"), "user": _("a user")}
        return _("Contact %(role)s and log it in a follow-up.") % {"role": labels.get(r.param("role"), r.param("role"))}
    labels = {"explicit_amount": _("an explicit budget amount"), "approved": _("the budget approval"),
              "in_annual_plan": _("the budget in the annual plan")}
    fact = labels.get(r.param("budget"), r.param("budget"))
    if r.code == "attach_budget_evidence":
        return _("Attach the evidence (email or minutes) for %(fact)s.") % {"fact": fact}
    return _("Confirm %(fact)s and attach the evidence (email or minutes).") % {"fact": fact}


def deadline_label(action: str) -> str:
    return {"interview": _("5W1H interview"), "objection": _("Answer the objection"),
            "archive": _("Complete the archive")}.get(action, action)


def gate_panel(opportunity: Any, *, now: datetime) -> GatePanel:
    playbook = playbook_of(opportunity.playbook_version)
    record = stage_record_of(opportunity)
    docs = latest_documents(opportunity)
    snapshot = build_snapshot(opportunity, now=now, documents=docs, record=record)
    stage = playbook.stage(opportunity.stage)
    nxt = next_stage(playbook, opportunity.stage)
    if opportunity.status != "open":
        unmet = check_archive(playbook, snapshot)
        kind, target = "archive", _("Complete the archive")
        if record.archived_at:
            unmet, kind, target = [], "none", _("Archived")
    else:
        if nxt is not None and not playbook.stage(nxt).closed:
            unmet = check_gate(playbook, snapshot, nxt)
            kind, target = "advance", _("Advance to %(stage)s") % {"stage": stage_name(playbook, nxt)}
        else:
            unmet = check_close_with_gate(playbook, snapshot, "won")
            kind, target = "won", _("Mark won")
    inputs = health_inputs(playbook, opportunity, record=record, documents=docs)
    health = compute_health(playbook, inputs)
    wanted = list(stage.required_documents)
    for nxt_stage in playbook.stages[playbook.stage_keys.index(stage.key) + 1:][:1]:
        wanted += [d for d in nxt_stage.entry_rules.signed_documents if d not in wanted]
    if opportunity.status != "open":
        wanted = list(playbook.stages[-1].outcome_documents.get(opportunity.status, ()))
    rows = [DocumentRow(k, document_name(playbook, k), True,
                        k in stage.customer_confirmed_documents or k in _signed_next(playbook, stage.key),
                        docs.get(k)) for k in wanted]
    rows += [DocumentRow(k, document_name(playbook, k), False, False, d) for k, d in docs.items() if k not in wanted]
    calendar = work_calendar()
    dls = [DeadlineRow(deadline_label(d.action), d.due, d.done_on, d.overdue,
                       relies_on_estimate(calendar, d.start, d.due))
           for d in deadlines(playbook, snapshot, lambda day, n: add_working_days(calendar, day, n))]
    label = stage_status_label(playbook, snapshot)
    links = [unmet_link(playbook, opportunity.number, u) for u in unmet]
    return GatePanel(playbook=playbook, record=record, target=target, target_kind=kind,
                     checklist=[text for text, _url in links], links=links, health=health,
                     raises=[RaiseRow(_raise_text(playbook, r), r.points) for r in health.raises],
                     documents=rows, deadlines=dls, status_label=label.get(get_language()) if label else "",
                     next_key=nxt or "", first_stage=playbook.stage_keys.index(stage.key) == 0)


def _signed_next(playbook: Playbook, stage_key: str) -> tuple[str, ...]:
    keys = playbook.stage_keys
    i = keys.index(stage_key)
    return playbook.stages[i + 1].entry_rules.signed_documents if i + 1 < len(keys) else ()


def local_today(now: datetime) -> date:
    return timezone.localtime(now).date()
