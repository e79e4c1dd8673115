"""H4 at the end of every stage (spec H4; the original: 每個階段結束前…判斷是否進入下一階段, >80分自動進入下一階段).

An open opportunity in a stage with a next open stage (S1, S2, S3) is reviewed whenever an input of its
gate or score changes (``common.inputs.inputs_changed``, called by the writing service in its own
transaction) and by the worker's scan (:func:`health_scan`). When — and only when — the next stage's gate
is complete, the score decides (docs/decisions.md):

- above ``advance_above``: the system moves it on itself ("advanced automatically, health score N" in the
  stage history; the owner is told in-app);
- inside the band (both bounds): a health-score approval is opened for the manager, once per stay in the
  stage however often the inputs change; the owner sees it pending; approving it moves the opportunity.
  Where the next gate itself holds the manager's approval (S1→S2: the screening report) that approval is
  the band's approval, and the opportunity moves on;
- below ``back_below``: back one stage with the reason (once: a stage entered by a send-back is not sent
  back again automatically); in the first stage there is nowhere to go back to, so it stays, "not ready".

``[health] auto_advance = false`` in the playbook turns the automatic review off for its pipeline (a
granted approval still moves the opportunity; a manual move still runs :func:`decide_move`).

:func:`verdicts` reads everything for many opportunities in a fixed number of queries; the write path and
the scan both decide with :func:`pending_action` on a verdict and act with :func:`health_review`, so the
two paths cannot disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from opphub.common.errors import ServiceError
from opphub.gates.models import HEALTH_APPROVAL, Approval, ApprovalState, HealthRecord, StageRecord
from opphub.gates.notify import tell
from opphub.gates.selectors import (
    build_snapshots,
    health_inputs_of,
    latest_documents_many,
    requirement_scores_many,
)
from opphub.gates.services import approval_request, card_url
from opphub.methodology.health import (
    BUDGET_CERTAINTY,
    DECISION_CHAIN,
    REQUIREMENT_MATCH,
    Decision,
    HealthInputs,
    HealthScore,
    compute_health,
    score_text,
    score_to_dict,
)
from opphub.methodology.playbook import Playbook
from opphub.methodology.snapshots import GateSnapshot
from opphub.methodology.stages import MoveRequest, Unmet, check_move_with_gate, next_stage
from opphub.opportunities.messages import stage_name
from opphub.opportunities.models import Opportunity, PlaybookVersion, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import User

from .moves import MoveOutcome, MoveResult, relocate

log = logging.getLogger(__name__)

SCAN_CHUNK = 500  # opportunities read per batch by the scan (a fixed number of queries per batch)


@dataclass(frozen=True)
class Verdict:
    """Everything H4 needs about one opportunity, read in bulk."""

    opportunity: Opportunity
    playbook: Playbook
    to_stage: str  # the next open stage, "" when there is none (S4, closed)
    unmet: tuple[Unmet, ...]  # the next stage's gate
    score: HealthScore
    inputs: HealthInputs
    snapshot: GateSnapshot
    granted: bool  # a health-score approval of this move was granted during this stay in the stage
    asked: bool  # a health-score approval of this move was requested during this stay (any state)
    sent_back_here: bool  # this stage was entered by an H4 send-back

    @property
    def gate_complete(self) -> bool:
        return bool(self.to_stage) and not self.unmet

    @property
    def band_approved(self) -> bool:
        """The next stage's entry gate holds a manager's approval (S2: the screening report, decided by the
        sales manager), so with the gate met the manager has approved this move already: a score inside
        the band needs no second approval (docs/decisions.md)."""
        if not self.gate_complete:
            return False
        rules = self.playbook.stage(self.to_stage).entry_rules
        return any(self.playbook.approver_role(k) == "manager" for k in rules.approvals)

    @property
    def first_stage(self) -> bool:
        return self.playbook.stage_keys.index(self.opportunity.stage) == 0

    @property
    def previous_stage(self) -> str | None:
        i = self.playbook.stage_keys.index(self.opportunity.stage)
        return self.playbook.stage_keys[i - 1] if i > 0 else None


def _next_open(playbook: Playbook, opportunity: Opportunity) -> str:
    if opportunity.status != Status.OPEN or opportunity.stage not in playbook.stage_keys:
        return ""
    nxt = next_stage(playbook, opportunity.stage)
    return nxt if nxt is not None and not playbook.stage(nxt).closed else ""


def verdicts(opportunities: list[Opportunity], *, now: datetime) -> dict[int, Verdict]:
    """The H4 verdict of each opportunity, in a fixed number of queries whatever their number."""
    if not opportunities:
        return {}
    ids = [o.pk for o in opportunities]
    records = {r.opportunity_id: r for r in StageRecord.objects.filter(opportunity_id__in=ids)}
    documents = latest_documents_many(ids)
    snapshots = build_snapshots(opportunities, now=now, records=records, documents=documents)
    scores = requirement_scores_many(ids)
    approvals: dict[int, list[tuple[str, str, str, datetime]]] = {}
    for opp_id, stage, to_stage, state, requested_at in (
            Approval.objects.filter(opportunity_id__in=ids, key=HEALTH_APPROVAL).order_by()
            .values_list("opportunity_id", "stage", "to_stage", "state", "requested_at")):
        approvals.setdefault(opp_id, []).append((stage, to_stage, state, requested_at))
    backs = dict(HealthRecord.objects.filter(opportunity_id__in=ids, decision=Decision.BACK.value).order_by()
                 .values("opportunity_id").annotate(m=Max("computed_at")).values_list("opportunity_id", "m"))
    out = {}
    for o in opportunities:
        playbook = playbook_of(o.playbook_version)
        record = records.get(o.pk) or StageRecord(opportunity_id=o.pk)
        snapshot = snapshots[o.pk]
        inputs = health_inputs_of(playbook, record=record, documents=documents.get(o.pk, {}),
                                  scores=scores.get(o.pk, {}), snapshot=snapshot)
        to_stage = _next_open(playbook, o)
        unmet = tuple(check_move_with_gate(playbook, MoveRequest(o.stage, to_stage, o.status), snapshot)) \
            if to_stage else ()
        this_stay = [state for stage, nxt, state, at in approvals.get(o.pk, ())
                     if stage == o.stage and nxt == to_stage and at >= o.stage_entered_at]
        back_at = backs.get(o.pk)
        out[o.pk] = Verdict(
            opportunity=o, playbook=playbook, to_stage=to_stage, unmet=unmet,
            score=compute_health(playbook, inputs), inputs=inputs, snapshot=snapshot,
            granted=ApprovalState.APPROVED in this_stay, asked=bool(this_stay),
            sent_back_here=back_at is not None and back_at >= o.stage_entered_at)
    return out


def pending_action(v: Verdict) -> str | None:
    """What the automatic review does for this verdict: ``approved`` (move: the manager approved),
    ``advance``, ``approval`` (open it), ``back``, or None (nothing: gate incomplete, switched off, already
    asked, already sent back, or S1 below the band — which only shows as "not ready")."""
    if not v.gate_complete:
        return None
    if v.granted:
        return "approved"
    if not v.playbook.health.auto_advance:
        return None
    decision = v.score.decision
    if decision == Decision.ADVANCE or (decision == Decision.APPROVAL and v.band_approved):
        return "advance"
    if decision == Decision.APPROVAL:
        return None if v.asked else "approval"
    if v.first_stage or v.sent_back_here:
        return None
    return "back"


def not_ready(v: Verdict) -> bool:
    """S1 (no earlier stage) with a complete gate and a score below the band: it stays, marked not ready."""
    return v.gate_complete and v.first_stage and v.score.decision == Decision.BACK


def save_score(v: Verdict, *, actor: User | None, now: datetime, reason: str) -> HealthRecord:
    """Save the score the decision was taken on, with its inputs and playbook version."""
    score, o = v.score, v.opportunity
    return HealthRecord.objects.create(
        opportunity=o, stage=o.stage, total=score.total,
        requirement_match=score.dimension(REQUIREMENT_MATCH).points,
        decision_chain=score.dimension(DECISION_CHAIN).points,
        budget_certainty=score.dimension(BUDGET_CERTAINTY).points,
        decision=str(score.decision), detail=score_to_dict(score, v.inputs), playbook_version=v.playbook.version,
        computed_at=now, computed_by=actor if getattr(actor, "pk", None) else None, reason=reason)


def _band(playbook: Playbook) -> dict[str, str]:
    return {"low": score_text(playbook.health.back_below), "high": score_text(playbook.health.advance_above)}


def _advance(v: Verdict, *, actor: User | None, now: datetime, note: str, automatic: bool,
             expected_version: int | None) -> MoveOutcome:
    o, playbook = v.opportunity, v.playbook
    record = save_score(v, actor=actor, now=now, reason="auto" if automatic else "stage_end")
    total = score_text(v.score.total)
    if automatic:
        note = _("Advanced automatically, health score %(total)s.") % {"total": total}
    relocate(actor=actor, opportunity=o, to_stage=v.to_stage, now=now, note=note, expected_version=expected_version)
    message = ""
    if automatic:
        message = _("%(number)s advanced automatically to %(stage)s: health score %(total)s.") % {
            "number": o.number, "stage": stage_name(playbook, v.to_stage), "total": total}
        tell(recipient=o.owner, kind="advanced", key=f"health:{record.pk}:advanced", subject=message,
             body=note, url=card_url(o))
    return MoveOutcome(o, MoveResult.MOVED, message, health=record, automatic=automatic)


def _ask(v: Verdict, *, actor: User | None, now: datetime, note: str, automatic: bool) -> MoveOutcome:
    o, playbook = v.opportunity, v.playbook
    record = save_score(v, actor=actor, now=now, reason="auto" if automatic else "stage_end")
    requester = o.owner if automatic or actor is None else actor  # the system asks in the owner's name
    approval = approval_request(actor=requester, opportunity=o, key=HEALTH_APPROVAL, now=now, note=note,
                                to_stage=v.to_stage, health=record)
    message = _("The health score is %(total)s (%(low)s–%(high)s): the move to %(stage)s waits for the "
                "manager's approval.") % {"total": score_text(v.score.total), "stage": stage_name(playbook, v.to_stage),
                                          **_band(playbook)}
    if automatic:
        tell(recipient=o.owner, kind="approval_opened", key=f"approval:{approval.pk}:opened", subject=message,
             body=message, url=card_url(o))
    return MoveOutcome(o, MoveResult.APPROVAL, message, health=record, approval=approval, automatic=automatic)


def _back(v: Verdict, *, actor: User | None, now: datetime, automatic: bool,
          expected_version: int | None) -> MoveOutcome:
    o, playbook = v.opportunity, v.playbook
    total = score_text(v.score.total)
    reason = _("Health score %(total)s is below %(min)s.") % {"total": total, "min": _band(playbook)["low"]}
    previous = v.previous_stage
    record = save_score(v, actor=actor, now=now, reason="auto" if automatic else "stage_end")
    if previous is None:
        message = _("%(reason)s The opportunity is not ready to leave %(stage)s; it stays there.") % {
            "reason": reason, "stage": stage_name(playbook, o.stage)}
        return MoveOutcome(o, MoveResult.NOT_READY, message, health=record, automatic=automatic)
    relocate(actor=actor, opportunity=o, to_stage=previous, now=now, note=reason, expected_version=expected_version)
    message = _("%(reason)s The opportunity went back to %(stage)s.") % {"reason": reason,
                                                                          "stage": stage_name(playbook, previous)}
    tell(recipient=o.owner, kind="sent_back", key=f"health:{record.pk}:back",
         subject=_("%(number)s went back to %(stage)s") % {"number": o.number, "stage": stage_name(playbook, previous)},
         body=reason, url=card_url(o))
    return MoveOutcome(o, MoveResult.BACK, message, health=record, automatic=automatic)


def decide_move(v: Verdict, *, actor: User, now: datetime, note: str, expected_version: int | None) -> MoveOutcome:
    """A person asked to move to the next open stage and its gate is met: the same H4 decision as the
    automatic review (an approval already granted moves it; otherwise the score decides)."""
    if v.granted:
        relocate(actor=actor, opportunity=v.opportunity, to_stage=v.to_stage, now=now, note=note or
                 _("Health score approved"), expected_version=expected_version)
        return MoveOutcome(v.opportunity, MoveResult.MOVED)
    decision = v.score.decision
    if decision == Decision.ADVANCE or (decision == Decision.APPROVAL and v.band_approved):
        return _advance(v, actor=actor, now=now, note=note, automatic=False, expected_version=expected_version)
    if decision == Decision.APPROVAL:
        return _ask(v, actor=actor, now=now, note=note, automatic=False)
    return _back(v, actor=actor, now=now, automatic=False, expected_version=expected_version)


def health_review(*, actor: User | None, opportunity: Opportunity, now: datetime) -> MoveOutcome | None:
    """The automatic H4 review of one opportunity, in the caller's transaction. Locks the row, reads the
    verdict and acts (see :func:`pending_action`); returns what happened, or None when nothing did."""
    fresh = (Opportunity.objects.select_for_update().select_related("playbook_version", "owner")
             .filter(pk=opportunity.pk).first())
    if fresh is None:
        return None
    v = verdicts([fresh], now=now)[fresh.pk]
    action = pending_action(v)
    if action is None:
        return None
    if action == "approved":
        relocate(actor=actor, opportunity=fresh, to_stage=v.to_stage, now=now, note=_("Health score approved"),
                 expected_version=None)
        outcome: MoveOutcome | None = MoveOutcome(fresh, MoveResult.MOVED, automatic=True)
    elif action == "advance":
        outcome = _advance(v, actor=actor, now=now, note="", automatic=True, expected_version=None)
    elif action == "approval":
        try:
            with transaction.atomic():  # nobody to approve it must not undo the write that triggered it
                outcome = _ask(v, actor=actor, now=now, note="", automatic=True)
        except ServiceError as exc:
            log.warning("H4: no health approval opened for %s: %s", fresh.number, exc.message)
            return None
    else:
        outcome = _back(v, actor=actor, now=now, automatic=True, expected_version=None)
    for name in ("stage", "stage_entered_at", "updated_at", "version"):  # the caller's copy follows
        setattr(opportunity, name, getattr(fresh, name))
    return outcome


def health_review_handler(*, actor: User | None, opportunity: Any, now: datetime) -> object:
    """``common.inputs`` handler: review open opportunities only (cheap refusal for the rest)."""
    if getattr(opportunity, "status", Status.OPEN) != Status.OPEN:
        return None
    return health_review(actor=actor, opportunity=opportunity, now=now)


def health_scan(*, now: datetime) -> dict[str, int]:
    """The worker's H4 pass over every open S1-S3 opportunity whose playbook advances automatically:
    verdicts in batches (a fixed number of queries per batch), then one short transaction per
    opportunity that needs an action (the same :func:`health_review` the writes use). Idempotent."""
    counts = {"checked": 0, "moved": 0, "approval": 0, "back": 0}
    versions = [v for v in PlaybookVersion.objects.all() if playbook_of(v).health.auto_advance]
    for version in versions:
        book = playbook_of(version)
        stages = [k for k in book.open_stage_keys if (n := next_stage(book, k)) and not book.stage(n).closed]
        qs = (Opportunity.objects.filter(status=Status.OPEN, playbook_version=version, stage__in=stages)
              .select_related("playbook_version", "owner").order_by("pk"))
        last = 0
        while True:
            chunk = list(qs.filter(pk__gt=last)[:SCAN_CHUNK])
            if not chunk:
                break
            last = chunk[-1].pk
            counts["checked"] += len(chunk)
            for v in verdicts(chunk, now=now).values():
                if pending_action(v) is None:
                    continue
                try:
                    with transaction.atomic():
                        outcome = health_review(actor=None, opportunity=v.opportunity, now=now)
                except ServiceError as exc:  # e.g. someone saved it meanwhile: the next scan looks again
                    log.warning("H4 scan: %s left as it is: %s", v.opportunity.number, exc.message)
                    continue
                if outcome is not None:
                    key = "approval" if outcome.result == MoveResult.APPROVAL else \
                        "back" if outcome.result == MoveResult.BACK else "moved"
                    counts[key] += 1
    return counts


def health_scan_job() -> dict[str, int]:
    """The periodic job (``opphub.jobs``)."""
    return health_scan(now=timezone.now())
