"""Seeded plan of the stage-gate rows of one planned opportunity (spec S1-S5, M2, H1-H4), as plain rows.

For every stage the opportunity has LEFT forward it holds what the services would have written by then:
the stage record's fields, the playbook's required documents (the customer's confirmation where asked),
the approvals, the 10 scored requirement items, objections answered, and a saved health score at each
S2→S3 and S3→S4 move (> 80, or 60-80 with the manager's approval; each "went back" carries a score < 60).
The stage it is IN gets a realistic partial state, with approvals waiting for managers and reviewers.
A few open opportunities per owner are "ready": their current gate is met (checked with the pure
``methodology.stages``), so pressing Advance works; the first such S2 one of each owner scores 60-80.
No database access; the clock is ``GateContext.now``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from opphub.gates.models import BUDGET_EVIDENCE, BUDGET_FLAGS
from opphub.methodology.playbook import Playbook

from . import gates_texts as texts
from . import notes
from .gates_health import HealthWork, between
from .gates_ready import unmet, weekly_followups
from .opps_plan import Rows, Walk
from .pdfs import CONFIRMATION, DemoFile
from .vocab import TIMELINES

READY_SHARE = (0.8, 0.35)  # chance an open opportunity is made ready: the owner's first, the others ...
READY_PER_OWNER = 4  # ... at most this many per owner
HOUR = timedelta(hours=1)
RECORD_DEFAULTS: dict[str, Any] = {  # every row the same columns (the PostgreSQL COPY path needs that)
    "screening_match": None, "budget_explicit_amount": False, "budget_approved": False,
    "budget_in_annual_plan": False, **dict.fromkeys(
        ("interview_why", "interview_what", "interview_when", "interview_who", "interview_where", "interview_how",
         "proposal_solution", "proposal_implementation_path", "proposal_roi", "priority_commitment",
         "success_points", "loss_reason", "loss_competitor_advantage", "loss_real_reason", "loss_our_weakness"), ""),
    "service_contact_id": None, "archived_at": None, "updated_at": None,
}


@dataclass
class GateContext:
    playbook: Playbook
    now: datetime
    tz: tzinfo
    director_id: int
    files: dict[str, DemoFile]
    add_working_days: Callable[[date, int], date]
    next_health_id: int
    ready: dict[int, int] = field(default_factory=dict)  # owner -> ready opportunities planned
    mid: set[int] = field(default_factory=set)  # owners whose ready S2 one scores 60-80 (H4 approval)
    ready_ids: list[int] = field(default_factory=list)


@dataclass
class GateRows:
    records: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    health: list[dict] = field(default_factory=list)
    objections: list[dict] = field(default_factory=list)


class _Plan(HealthWork):
    """The stage work of one opportunity while it is being planned."""

    def __init__(self, rng: random.Random, g: GateContext, w: Walk, gr: GateRows, rows: Rows) -> None:
        self.rng, self.g, self.w, self.gr, self.rows = rng, g, w, gr, rows
        self.book = g.playbook
        self.keys = self.book.stage_keys
        self.n_open = len(self.keys) - 1
        opp = w.opportunity
        self.opp, self.oid, self.owner = opp, opp["id"], opp["owner_id"]
        self.end: datetime = opp["closed_at"] or g.now
        self.record: dict[str, Any] = {"opportunity_id": self.oid, "version": 1, **RECORD_DEFAULTS}
        self.docs: dict[str, dict] = {}
        self.approved: set[str] = set()
        self.scores: dict[str, Decimal] = {}
        self.scored_at: datetime | None = None
        self.objections: list[dict] = []
        self.flags: dict[str, tuple[bool, datetime | None]] = {}  # H3 fact -> (stated, evidence uploaded at)
        self.approver = w.manager_id if w.manager_id != self.owner else g.director_id
        self.enter: dict[int, datetime] = {}
        self.first_left: dict[int, datetime] = {}
        self.moves: list[tuple[int, datetime, bool]] = []  # (stage left, when, forward) between open stages
        self.last_span: dict[int, tuple[datetime, datetime]] = {}  # stage -> its last stay, left forward
        for (a, entered, _n), (b, t, _note) in itertools.pairwise(w.events):
            if b == a + 1 or (w.status == "won" and b == self.n_open):
                self.last_span[a] = (entered, t)
            if b < self.n_open:
                self.moves.append((a, t, b > a))
                if b > a:
                    self.first_left.setdefault(a, t)
        for s, t, _n in w.events:
            self.enter.setdefault(s, t)
        if w.status == "won":
            self.first_left[self.n_open - 1] = opp["closed_at"]
        self.current = w.events[-1][0] if w.status == "open" else w.events[-2][0]

    # ----------------------------------------------------------------------------------- helpers
    def window(self, k: int) -> tuple[datetime, datetime]:
        lo = self.enter[k]
        hi = self.first_left.get(k) or self.end
        return lo, max(lo, min(hi, self.g.now) - timedelta(minutes=5))

    def done(self, k: int) -> bool:
        return k in self.first_left

    def doc(self, k: int, doc_type: str, at: datetime, confirmed: datetime | None = None,
            by: int | None = None) -> None:
        f = self.g.files[doc_type]
        name = self.book.documents[doc_type].zh_hans if doc_type in self.book.documents else doc_type
        row = {"opportunity_id": self.oid, "stage": self.keys[k], "doc_type": doc_type, "file": f.name,
               "stored_name": f"{self.opp['number']}-S{k + 1}-{doc_type}.pdf", "original_name": f"{name}.pdf",
               "content_type": "application/pdf", "size": f.size, "sha256": f.sha256,
               "uploaded_by_id": by or self.owner, "uploaded_at": at, "confirmation": "", "confirmation_name": "",
               "confirmed_at": None, "confirmed_by_id": None}
        if confirmed is not None:
            row.update(confirmation=self.g.files[CONFIRMATION].name, confirmed_at=confirmed,
                       confirmation_name=self.rng.choice(("客户签字扫描件.pdf", "客户盖章确认.pdf")),
                       confirmed_by_id=self.owner)
        self.gr.documents.append(row)
        self.docs[doc_type] = row

    def approval(self, key: str, k: int, requested: datetime, state: str = "pending", decided: datetime | None = None,
                 by: int | None = None, comment: str = "", to_stage: str = "", health_id: int | None = None) -> None:
        if state == "pending":  # asked lately: what waits is this week's work, not a forgotten pile
            now = self.g.now
            requested = between(self.rng, max(requested, now - timedelta(days=4)), now - timedelta(minutes=5), 0.1,
                                1.0, self.g.tz)
        self.gr.approvals.append({
            "opportunity_id": self.oid, "key": key, "stage": self.keys[k], "to_stage": to_stage, "state": state,
            "requested_by_id": self.owner, "requested_at": requested, "request_note": "", "material_id": None,
            "health_id": health_id, "decided_by_id": (by or self.approver) if state != "pending" else None,
            "decided_at": decided if state != "pending" else None, "comment": comment})
        if state == "approved":
            self.approved.add(key)

    # ------------------------------------------------------------------------------------ stages
    def discovery(self, ready: bool) -> None:
        rng, opp = self.rng, self.opp
        if not opp["requirement_1"]:
            return
        lo, hi = self.window(0)
        done = self.done(0) or ready
        if done:
            self.record["screening_match"] = Decimal(rng.randint(72, 96))
        elif rng.random() < 0.6:
            self.record["screening_match"] = Decimal(rng.randint(50, 92))
        if opp["budget_max"] is not None:
            chances = (0.9, 0.75, 0.65) if 1 in self.first_left else (0.8, 0.45, 0.4)  # S2 firms the budget up
            for flag, chance in zip(BUDGET_FLAGS, chances, strict=True):
                self.flags[flag] = (rng.random() < chance, None)
        if not done and rng.random() < 0.45:
            return
        at = between(rng, lo, hi, 0.2, 0.5, self.g.tz)
        self.doc(0, "screening_report", at)
        match = self.record.get("screening_match")
        if done:
            if rng.random() < 0.04:  # sent back once with a comment, then approved
                rejected = between(rng, at, hi, 0.1, 0.3, self.g.tz)
                self.approval("screening_report", 0, at + (rejected - at) / 2, "rejected", rejected,
                              comment=rng.choice(texts.REJECT_COMMENTS))
                at = between(rng, rejected, hi, 0.1, 0.4, self.g.tz)
            self.approval("screening_report", 0, at, "approved", between(rng, at, hi, 0.2, 0.9, self.g.tz))
        elif self.w.status == "open":
            roll = rng.random()
            if roll < 0.55:
                self.approval("screening_report", 0, at)
            elif roll < 0.7 or match is None or match < 70:
                self.approval("screening_report", 0, at, "rejected", between(rng, at, hi, 0.3, 0.9, self.g.tz),
                              comment=rng.choice(texts.REJECT_COMMENTS))
            else:
                self.approval("screening_report", 0, at, "approved", between(rng, at, hi, 0.3, 0.9, self.g.tz))

    def confirmation(self, ready: bool) -> None:
        rng, w = self.rng, self.w
        if 1 not in self.enter:
            return
        lo, hi = self.window(1)
        done = self.done(1) or ready
        interviews = [at for _i, kind, at, _w, _o in w.followups if kind == "interview"]
        t_int = min(interviews) if interviews else between(rng, lo, hi, 0.1, 0.3, self.g.tz)
        t_int = min(max(t_int, lo), hi)
        contacts = w.customer.contacts
        decider = next((c for c in contacts if c.decision_role == "decision_maker"), contacts[0])
        influencer = next((c for c in contacts if c.decision_role == "influencer"), contacts[-1])
        five = texts.interview(rng, pain=w.pains[0], product=w.product, timeline=rng.choice(TIMELINES),
                               decider=f"{decider.title}{decider.name}",
                               influencer=f"{influencer.title}{influencer.name}", company=w.customer.short)
        keep = list(five) if done else rng.sample(list(five), k=rng.randint(0, 6) if interviews else 0)
        self.record.update({k: five[k] for k in keep})
        presales = w.assigned.get("presales")
        if done or (interviews and rng.random() < 0.6):
            by = presales[0] if presales and rng.random() < 0.5 else None
            self.doc(1, "confirmation_minutes", between(rng, t_int, hi, 0.05, 0.3, self.g.tz), by=by)
        if done or (interviews and rng.random() < 0.4):
            at = between(rng, t_int, hi, 0.3, 0.6, self.g.tz)
            confirmed = between(rng, at, hi, 0.2, 0.9, self.g.tz) if done or rng.random() < 0.5 else None
            self.doc(1, "confirmation_sheet", at, confirmed)
        items = [i.key for i in self.book.health.requirement_items]
        n = len(items) if done else (rng.randint(2, len(items)) if interviews and rng.random() < 0.7 else 0)
        base = rng.randint(76, 96)
        self.scores = {k: Decimal(max(35, min(100, base + rng.randint(-14, 9)))) for k in items[:n]}
        self.scored_at = between(rng, t_int, hi, 0.3, 0.8, self.g.tz)
        for flag, (stated, _e) in self.flags.items():
            if stated and rng.random() < (0.9 if done else 0.6):
                self.flags[flag] = (True, between(rng, lo, hi, 0.05, 0.6, self.g.tz))

    def solution(self, ready: bool) -> None:
        rng, w = self.rng, self.w
        if 2 not in self.enter:
            return
        lo, hi = self.window(2)
        done = self.done(2) or ready
        parts = texts.proposal(rng, pain=w.pains[0], product=w.product, wan=int(self.opp["amount"] / 10000))
        for key, chance in zip(parts, (0.7, 0.5, 0.4), strict=True):
            if done or rng.random() < chance:
                self.record[key] = parts[key]
        if done or rng.random() < 0.6:
            self.doc(2, "proposal", between(rng, lo, hi, 0.1, 0.4, self.g.tz))
        visits = [at for _i, kind, at, _w, _o in w.followups if kind == "executive_visit" and at >= lo]
        if done or visits:
            self.doc(2, "executive_minutes", min(hi, (visits[0] if visits else lo) + HOUR * rng.uniform(3, 30)))
        if done or rng.random() < 0.25:
            at = between(rng, lo, hi, 0.5, 0.8, self.g.tz)
            self.doc(2, "acceptance_letter", at, between(rng, at, hi, 0.2, 0.9, self.g.tz) if done else None)
        if done:
            director = next((c for c in w.customer.contacts if c.director), w.customer.contacts[0])
            said = between(rng, lo, hi, 0.7, 0.95, self.g.tz)
            self.record["priority_commitment"] = texts.commitment(
                rng, day=said.astimezone(self.g.tz).strftime("%Y-%m-%d"), title=director.title, name=director.name)

    def closing(self, ready: bool) -> None:
        rng, w = self.rng, self.w
        k = self.n_open - 1
        if k not in self.enter:
            return
        lo, hi = self.window(k)
        done = self.done(k) or ready
        if done or rng.random() < 0.5:
            users = [c for c in w.customer.contacts if c.decision_role == "user"] or w.customer.contacts
            self.record["service_contact_id"] = rng.choice(users).id
        if done or rng.random() < 0.4:
            at = between(rng, lo, hi, 0.3, 0.7, self.g.tz)
            self.doc(k, "contract_scan", at, between(rng, at, hi, 0.3, 0.9, self.g.tz) if done else None)
        if done:
            self.doc(k, "deal_confirmation", between(rng, lo, hi, 0.75, 0.95, self.g.tz))
        for key, role in (("contract_finance", "finance"), ("contract_legal", "legal")):
            who = w.assigned.get(role)
            if who is None:
                continue
            at = max(who[1], between(rng, lo, hi, 0.2, 0.5, self.g.tz))
            if done or (w.status == "lost" and rng.random() < 0.3):
                self.approval(key, k, at, "approved", between(rng, at, hi, 0.2, 0.9, self.g.tz), by=who[0])
            elif w.status == "open" and rng.random() < 0.75:
                self.approval(key, k, at)
        raised = [(fid, at, text) for fid, _kind, at, _who, text in w.followups if at >= lo]
        if raised and w.status == "open" and not done and not any(text for *_r, text in raised) and rng.random() < 0.7:
            fid, at, _t = raised[-1]  # S4 is about answering the last objections: the latest call raised one
            text = rng.choice(notes.OBJECTIONS)
            next(f for f in self.rows.followups if f["id"] == fid)["objections"] = text
            raised[-1] = (fid, at, text)
        raised = [r for r in raised if r[2]]
        for i, (fid, at, text) in enumerate(raised):
            if text:
                latest_open = i == len(raised) - 1 and w.status == "open" and rng.random() < 0.6
                resolved = done or (not latest_open and at < self.g.now - timedelta(days=1))
                when = between(rng, at, max(at, min(at + HOUR * 40, hi)), 0.05, 1.0, self.g.tz) if resolved else None
                self.objections.append({
                    "opportunity_id": self.oid, "followup_id": fid, "text": text, "raised_at": at,
                    "resolved_at": when, "resolution": texts.resolution(rng, text) if resolved else "",
                    "resolved_by_id": self.owner if resolved else None})
        self.gr.objections.extend(self.objections)

    def archive(self) -> None:
        rng, w, g = self.rng, self.w, self.g
        if w.status == "open":
            return
        closed = self.opp["closed_at"]
        due = g.add_working_days(closed.astimezone(g.tz).date(), self.book.stages[-1].deadlines[0].working_days
                                 if self.book.stages[-1].deadlines else 7)
        archived = None
        if due < g.now.astimezone(g.tz).date() and rng.random() < 0.85:
            archived = min(closed + timedelta(days=rng.uniform(0.5, 6)), g.now - HOUR)
        if w.status == "won":
            if archived or rng.random() < 0.5:
                self.record["success_points"] = texts.success_points(rng)
        else:
            self.record["loss_reason"] = w.loss_reason
            if archived or rng.random() < 0.5:
                self.record.update(texts.loss_analysis(rng, w.loss_reason))
            if archived or rng.random() < 0.4:
                at = min(closed + (archived - closed) * 0.6 if archived else closed + HOUR * rng.uniform(4, 72),
                         g.now - HOUR)
                self.doc(self.n_open, "loss_analysis", at)
        self.record["archived_at"] = archived

    def finish(self) -> None:
        rec = self.record
        for f in BUDGET_FLAGS:
            stated, evidence = self.flags.get(f, (False, None))
            rec[f"budget_{f}"] = stated
            if evidence is not None:
                k = 1 if 1 in self.enter and evidence >= self.enter[1] else 0
                self.doc(k, BUDGET_EVIDENCE[f], evidence)
        for item, value in self.scores.items():
            self.gr.scores.append({"opportunity_id": self.oid, "item": item, "score": value,
                                   "scored_by_id": self.owner, "scored_at": self.scored_at})
        times = [d["uploaded_at"] for d in self.docs.values()] + [self.opp["created_at"]]
        rec["updated_at"] = min(max(times), self.g.now)
        self.gr.records.append(rec)


def plan_gates(rng: random.Random, g: GateContext, w: Walk, rows: Rows, gr: GateRows, next_followup_id: int) -> int:
    """Append one opportunity's stage-gate rows to ``gr``; returns the next free follow-up id (the weekly
    S3 follow-ups of a ready opportunity are added to ``rows``)."""
    plan = _Plan(rng, g, w, gr, rows)
    owner = plan.owner
    ready = (w.status == "open" and rng.random() < READY_SHARE[min(1, g.ready.get(owner, 0))]
             and g.ready.get(owner, 0) < READY_PER_OWNER
             and bool(plan.opp["requirement_1"]) and plan.opp["budget_max"] is not None)
    plan.discovery(ready and plan.current == 0)
    plan.confirmation(ready and plan.current == 1)
    plan.solution(ready and plan.current == 2)
    plan.closing(ready and plan.current == 3)
    for k in range(plan.n_open):  # before the health scores: the follow-ups reach contacts (H2)
        span = plan.last_span.get(k) or ((plan.opp["stage_entered_at"], g.now) if ready and k == plan.current
                                         else None)
        if span:
            next_followup_id = weekly_followups(rng, plan, rows, next_followup_id, k, *span)
    plan.health()
    plan.archive()
    if ready and not unmet(plan):
        g.ready[owner] = g.ready.get(owner, 0) + 1
        g.ready_ids.append(plan.oid)
        if plan.current == 1:  # H4 at the S2 end: one per owner goes to the manager, the others advance
            mid = owner not in g.mid
            g.mid.add(owner)
            target = Decimal(rng.randint(63, 77)) if mid else Decimal(rng.randint(86, 97))
            plan.aim(target)
    plan.finish()
    return next_followup_id
