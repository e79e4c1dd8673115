"""Readiness of a planned opportunity's stage work: the pure gate check on the planned rows (so the demo
only calls "ready" what ``methodology.stages`` would let through) and the weekly S3 follow-ups (C3)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from opphub.gates.selectors import OPPORTUNITY_FIELDS, RECORD_TEXT_FIELDS
from opphub.methodology.snapshots import ContactFact, DocumentFact, FollowUpFact, GateSnapshot, ObjectionFact
from opphub.methodology.stages import Unmet, check_close_with_gate, check_gate

from . import notes
from .opps_plan import Rows
from .vocab import TIMELINES

HOUR = timedelta(hours=1)


def snapshot(plan: Any) -> GateSnapshot:
    """The snapshot ``gates.selectors.build_snapshot`` will build from these rows once written."""
    tz, opp, record = plan.g.tz, plan.opp, plan.record
    filled = {f for f in OPPORTUNITY_FIELDS if str(opp.get(f) or "").strip()}
    if opp["budget_max"] is not None or opp["budget_min"] is not None:
        filled.add("budget_range")
    filled |= {f for f in RECORD_TEXT_FIELDS if str(record.get(f) or "").strip()}
    if record.get("service_contact_id"):
        filled.add("service_contact")
    contacted = plan.contacted(plan.g.now)
    return GateSnapshot(
        stage=opp["stage"], status=opp["status"], now=plan.g.now.astimezone(tz),
        entered_stage_at=opp["stage_entered_at"].astimezone(tz), filled_fields=frozenset(filled),
        documents={k: DocumentFact(True, d["confirmed_at"] is not None) for k, d in plan.docs.items()},
        approvals=frozenset(plan.approved),
        contacts=tuple(ContactFact(c.decision_role, c.director, c.id in contacted) for c in plan.w.customer.contacts),
        followups=tuple(FollowUpFact(kind, at.astimezone(tz)) for _i, kind, at, _w, _o in plan.w.followups),
        objections=tuple(ObjectionFact(o["raised_at"].astimezone(tz),
                                       o["resolved_at"].astimezone(tz) if o["resolved_at"] else None)
                         for o in plan.objections),
        participants=frozenset(plan.w.assigned), scored_items=frozenset(plan.scores),
        requirement_match=record.get("screening_match"),
        budget_max=opp["budget_max"] if opp["budget_max"] is not None else opp["budget_min"],
        price_band_min=plan.w.price_band_min)


def unmet(plan: Any) -> list[Unmet]:
    """What the gate out of the current stage (or Won, from S4) still lacks."""
    snap = snapshot(plan)
    if plan.current == plan.n_open - 1:
        return check_close_with_gate(plan.book, snap, "won")
    return check_gate(plan.book, snap, plan.keys[plan.current + 1])


def weekly_followups(rng: random.Random, plan: Any, rows: Rows, next_id: int, k: int, start: datetime,
                      stop: datetime) -> int:
    """S3 asks for a follow-up record every week of the stage: log the weeks the plan left empty (C3)."""
    stage = plan.book.stages[k]
    every = stage.followup_every_days
    if not every:
        return next_id
    now = plan.g.now
    period = timedelta(days=every)
    times = [at for _i, _k, at, _w, _o in plan.w.followups]
    contacts = plan.w.customer.contacts
    for i in range(int((stop - start) / period)):
        lo = start + i * period
        if any(lo <= t < lo + period for t in times):
            continue
        at = min(lo + period * rng.uniform(0.2, 0.8), now - HOUR)
        who = rng.choice(contacts)
        parts = notes.compose(rng, stage=stage.key, contact=who.name, product=plan.w.product, pain=plan.w.pains[0],
                              timeline=rng.choice(TIMELINES), amount_wan=int(plan.opp["amount"] / 10000))
        rows.followups.append({
            "id": next_id, "opportunity_id": plan.oid, "author_id": plan.owner,
            "kind": rng.choice(("meeting", "phone")),
            "direction": "out", "occurred_at": at, "notes": parts.notes, "customer_feedback": parts.customer_feedback,
            "objections": parts.objections, "competitor_moves": parts.competitor_moves, "next_step": parts.next_step,
            "created_at": min(at + HOUR, now)})
        rows.followup_contacts.append({"followup_id": next_id, "contact_id": who.id})
        plan.w.followups.append((next_id, rows.followups[-1]["kind"], at, [who.id], ""))
        last = plan.opp["last_followup_at"]
        plan.opp["last_followup_at"] = at if last is None or at > last else last
        next_id += 1
    return next_id
