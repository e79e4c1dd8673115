"""The health-score part of the demo's stage work (spec H1-H4): the inputs at a moment of the planned
opportunity, the scores saved at each S2→S3 / S3→S4 move and each step back, and the current score of a
ready S2 opportunity. A mixin of ``gates_plan._Plan`` (which holds the planned rows it reads)."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from opphub.gates.models import BUDGET_FLAGS, HEALTH_APPROVAL
from opphub.methodology.health import (
    BUDGET_CERTAINTY,
    DECISION_CHAIN,
    REQUIREMENT_MATCH,
    BudgetFlag,
    Decision,
    HealthInputs,
    compute_health,
    score_to_dict,
)

HOUR = timedelta(hours=1)


def between(rng: random.Random, lo: datetime, hi: datetime, a: float, b: float, tz: tzinfo) -> datetime:
    """A moment between ``lo`` and ``hi`` (at fraction a-b), moved into office hours (09-19 local) when the
    window allows: people upload, approve and answer during the working day."""
    t = lo + (hi - lo) * rng.uniform(a, b)
    local = t.astimezone(tz)
    if 9 <= local.hour < 19:
        return t
    day = local.date() if local.hour >= 9 else local.date() - timedelta(days=1)
    for candidate_day, hours in ((day, (16, 18)), (day + timedelta(days=1), (9, 11))):
        candidate = datetime(candidate_day.year, candidate_day.month, candidate_day.day, rng.randint(*hours),
                             rng.randrange(60), rng.randrange(60), tzinfo=tz)
        if lo <= candidate <= hi:
            return candidate
    return t


class HealthWork:
    """Needs ``book``, ``g``, ``w``, ``gr``, ``rng``, ``oid``, ``owner``, ``enter``, ``moves``, ``n_open``,
    ``keys``, ``record``, ``scores``, ``flags`` and ``approval()`` from the plan."""

    book: Any
    g: Any
    w: Any
    gr: Any
    rng: random.Random
    oid: int
    owner: int
    enter: dict[int, datetime]
    moves: list[tuple[int, datetime, bool]]
    n_open: int
    keys: tuple[str, ...]
    record: dict[str, Any]
    scores: dict[str, Decimal]
    flags: dict[str, tuple[bool, datetime | None]]

    def approval(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def contacted(self, until: datetime) -> set[int]:
        return {c for _i, _k, at, who, _o in self.w.followups if at <= until for c in who}

    def health_inputs(self, at: datetime, *, items_factor: float = 1.0, evidence: bool = True) -> HealthInputs:
        roles = {c.decision_role for c in self.w.customer.contacts if c.id in self.contacted(at)}
        items = {k: Decimal(round(v * Decimal(str(items_factor)))) for k, v in self.scores.items()}
        if not items and self.record.get("screening_match") is not None:  # D18: before the items are scored
            items = dict.fromkeys((i.key for i in self.book.health.requirement_items), self.record["screening_match"])
        budget = {f: BudgetFlag(stated=s, has_evidence=evidence and e is not None and e <= at)
                  for f, (s, e) in self.flags.items()}
        roles &= set(self.book.health.decision_chain_points)
        return HealthInputs(item_scores=items, contacted_roles=frozenset(roles), budget=budget)

    # ------------------------------------------------------------------------------------ health
    def health_row(self, k: int, at: datetime, inputs: HealthInputs) -> dict:
        score = compute_health(self.book, inputs)
        row = {"id": self.g.next_health_id, "opportunity_id": self.oid, "stage": self.keys[k], "total": score.total,
               "requirement_match": score.dimension(REQUIREMENT_MATCH).points,
               "decision_chain": score.dimension(DECISION_CHAIN).points,
               "budget_certainty": score.dimension(BUDGET_CERTAINTY).points, "decision": str(score.decision),
               "detail": score_to_dict(score, inputs), "playbook_version": self.book.version, "computed_at": at,
               "computed_by_id": self.owner, "reason": "stage_end"}
        self.g.next_health_id += 1
        return row

    def lift(self, at: datetime) -> None:
        """Raise the inputs of a forward move scored below 60 (the gate was met; the score let it pass)."""
        self.scores = {k: Decimal(self.rng.randint(92, 100)) for k in self.scores}
        if compute_health(self.book, self.health_inputs(at)).total < self.book.health.back_below:
            self.flags = {f: (True, min(e or at, at) - HOUR) for f, (_s, e) in self.flags.items()}
            self.flags = self.flags or {f: (True, at - HOUR) for f in BUDGET_FLAGS}

    def health(self) -> None:
        scored = []  # (stage, moved at, forward, scored at)
        for k, t, fwd in self.moves:
            if k >= 1 and (not fwd or k + 1 < self.n_open):
                entered = max(e for s, e, _n in self.w.events if s == k and e < t)  # this stay in the stage
                asked = between(self.rng, max(entered, t - HOUR * 40), t, 0.0, 0.92, self.g.tz) if fwd else t
                scored.append((k, t, fwd, asked))
        for _k, _t, fwd, at in scored:  # inputs only grow: lift the first forward move that would go back
            if fwd and compute_health(self.book, self.health_inputs(at)).total < self.book.health.back_below:
                self.lift(at)
        for k, t, fwd, at in scored:
            if not fwd:  # H4 back: items scored lower then, the budget evidence not yet attached (< 20+30+0)
                self.gr.health.append(self.health_row(k, t, self.health_inputs(t, items_factor=0.5, evidence=False)))
                continue
            row = self.health_row(k, at, self.health_inputs(at))
            if row["decision"] == Decision.ADVANCE:  # scored at the move itself
                row["computed_at"] = t
            self.gr.health.append(row)
            if row["decision"] == Decision.APPROVAL:
                self.approval(HEALTH_APPROVAL, k, at, "approved", t, to_stage=self.keys[k + 1], health_id=row["id"])

    def aim(self, target: Decimal) -> None:
        """Bring today's total near ``target`` with plausible inputs: items scored 60-100; for a middling score
        some budget evidence is still missing (the card suggests attaching it), for a high one it is all there."""
        now, h = self.g.now, self.book.health
        attached = max(self.enter.get(1, now), now - HOUR * 30)
        if target > h.advance_above:
            self.flags = {f: (True, e if e is not None else attached) for f, (_s, e) in self.flags.items()}
        for flag in sorted(self.flags, key=lambda f: -h.budget_points[f]):
            rest = compute_health(self.book, self.health_inputs(now))
            if rest.total - rest.dimension(REQUIREMENT_MATCH).points + Decimal(24) <= target:
                break
            self.flags[flag] = (self.flags[flag][0], None)
        rest = compute_health(self.book, self.health_inputs(now))
        rest_points = rest.total - rest.dimension(REQUIREMENT_MATCH).points
        if rest_points + h.weight_requirement_match < target:
            self.flags = {f: (True, attached) for f in BUDGET_FLAGS}
            rest = compute_health(self.book, self.health_inputs(now))
            rest_points = rest.total - rest.dimension(REQUIREMENT_MATCH).points
        each = max(60, min(100, int((target - rest_points) * 100 / h.weight_requirement_match)))
        self.scores = {k: Decimal(max(60, min(100, each + d))) for k, d in
                       zip(self.scores, itertools.cycle((3, -3)), strict=False)}
