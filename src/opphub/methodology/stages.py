"""Stage order, stage gates and deadlines (spec S1-S5, M2).

Pure: takes the playbook and a snapshot, returns the list of unmet requirements (empty = allowed).
:func:`check_move` / :func:`check_close` check the order of stages and the outcome; :func:`check_gate`
checks the M2 milestones from the playbook (required fields, documents and the customer's confirmation,
approvals, participants, activities, scored items, weekly follow-ups, open objections, and the next
stage's entry gate) and returns every unmet one, a checklist; :func:`deadlines` reports the S2 interview,
S4 objection and S5 archive deadlines with the working-day arithmetic passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta

from .playbook import DECISION_ROLES, Playbook, Stage, Text
from .snapshots import GateSnapshot


@dataclass(frozen=True)
class Unmet:
    """One requirement a move does not meet: a code for programs, params for the message."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")


@dataclass(frozen=True)
class MoveRequest:
    from_stage: str
    to_stage: str
    status: str  # "open" | "won" | "lost"


def check_move(playbook: Playbook, move: MoveRequest) -> list[Unmet]:
    """What stops an opportunity from moving ``from_stage`` → ``to_stage`` under ``playbook``.

    Rules: a stage the playbook does not know is refused; an open opportunity may move forward one
    stage at a time, or back to any earlier open stage (H4 sends work back); the closed (archive)
    stage takes only won or lost opportunities, and a closed opportunity does not move.
    """
    keys = playbook.stage_keys
    if move.to_stage not in keys:
        return [Unmet("unknown_stage", (("stage", move.to_stage),))]
    if move.from_stage not in keys:
        return [Unmet("unknown_stage", (("stage", move.from_stage),))]
    if move.to_stage == move.from_stage:
        return [Unmet("same_stage", (("stage", move.to_stage),))]
    target = playbook.stage(move.to_stage)
    src, dst = keys.index(move.from_stage), keys.index(move.to_stage)
    if move.status != "open":
        return [Unmet("closed_opportunity", (("status", move.status),))]
    if target.closed:
        return [Unmet("archive_needs_outcome", (("stage", move.to_stage),))]
    if dst > src + 1:
        return [Unmet("skips_stage", (("stage", keys[src + 1]),))]
    return []


def next_stage(playbook: Playbook, stage: str) -> str | None:
    keys = playbook.stage_keys
    i = keys.index(stage)
    return keys[i + 1] if i + 1 < len(keys) else None


def check_close(playbook: Playbook, *, stage: str, status: str, outcome: str) -> list[Unmet]:
    """What stops closing an opportunity as won or lost.

    Lost may be recorded from any open stage; won only from the last open stage (S4 Closing), since
    a deal is won when the contract is signed there. A closed opportunity cannot be closed again.
    """
    if outcome not in ("won", "lost"):
        return [Unmet("unknown_outcome", (("outcome", outcome),))]
    if status != "open":
        return [Unmet("closed_opportunity", (("status", status),))]
    if stage not in playbook.stage_keys:
        return [Unmet("unknown_stage", (("stage", stage),))]
    if outcome == "won" and stage != playbook.open_stage_keys[-1]:
        return [Unmet("won_before_closing", (("stage", playbook.open_stage_keys[-1]),))]
    return []


# ---------------------------------------------------------------------------------- gates (M2)

def _unmet(code: str, **params: object) -> Unmet:
    return Unmet(code, tuple((k, str(v)) for k, v in params.items()))


def _document_unmet(snapshot: GateSnapshot, document: str, *, confirmed: bool) -> Unmet | None:
    if not snapshot.uploaded(document):
        return _unmet("document_missing", document=document)
    if confirmed and not snapshot.confirmed(document):
        return _unmet("document_not_confirmed", document=document)
    return None


def _missing_periods(snapshot: GateSnapshot, every_days: int) -> tuple[int, date | None]:
    """How many whole periods of ``every_days`` since entering the stage had no follow-up, and the
    first day of the first such period. The period still running is not counted yet."""
    period = timedelta(days=every_days)
    elapsed = (snapshot.now - snapshot.entered_stage_at) // period
    times = snapshot.followup_dates()
    missing, first = 0, None
    for k in range(max(elapsed, 0)):
        start = snapshot.entered_stage_at + k * period
        if not any(start <= t < start + period for t in times):
            missing += 1
            first = first or start.date()
    return missing, first


def stage_outputs(playbook: Playbook, stage: Stage, snapshot: GateSnapshot) -> list[Unmet]:
    """What the opportunity still owes before it may leave ``stage`` (the stage's outputs, M2)."""
    unmet: list[Unmet] = [_unmet("field_missing", field=f)
                          for f in stage.required_fields if f not in snapshot.filled_fields]
    for d in stage.required_documents:
        problem = _document_unmet(snapshot, d, confirmed=d in stage.customer_confirmed_documents)
        if problem:
            unmet.append(problem)
    unmet += [_unmet("approval_missing", approval=a) for a in stage.required_approvals if a not in snapshot.approvals]
    unmet += [_unmet("participant_missing", role=p)
              for p in stage.required_participants if p not in snapshot.participants]
    for kind, count in stage.required_activities:
        have = snapshot.followup_count(kind)
        if have < count:
            unmet.append(_unmet("activity_missing", kind=kind, count=count, have=have))
    if stage.scored_requirement_items:
        unscored = [i.key for i in playbook.health.requirement_items if i.key not in snapshot.scored_items]
        if unscored:
            unmet.append(_unmet("requirement_items_unscored", items=",".join(unscored), count=len(unscored)))
    if stage.followup_every_days and snapshot.stage == stage.key:
        missing, first = _missing_periods(snapshot, stage.followup_every_days)
        if missing:
            unmet.append(_unmet("followups_missing", every_days=stage.followup_every_days, periods=missing,
                                since=first.isoformat() if first else ""))
    if stage.objections_resolved:
        still_open = sum(1 for o in snapshot.objections if o.resolved_at is None)
        if still_open:
            unmet.append(_unmet("objections_open", count=still_open))
    return unmet


def stage_entry(playbook: Playbook, stage: Stage, snapshot: GateSnapshot) -> list[Unmet]:
    """What stops the opportunity from entering ``stage`` (its entry gate 進入門檻)."""
    rules = stage.entry_rules
    unmet: list[Unmet] = [_unmet("field_missing", field=f)
                          for f in rules.required_fields if f not in snapshot.filled_fields]
    unmet += [_unmet("approval_missing", approval=a) for a in rules.approvals if a not in snapshot.approvals]
    for d in rules.signed_documents:
        problem = _document_unmet(snapshot, d, confirmed=True)
        if problem:
            unmet.append(problem)
    minimum = rules.min_requirement_match
    if minimum is not None:
        match = snapshot.requirement_match
        if match is None:
            unmet.append(_unmet("requirement_match_unknown", min=minimum))
        elif match < minimum:
            unmet.append(_unmet("requirement_match_low", min=minimum, have=match))
    if rules.budget_covers_price_band:
        if snapshot.budget_max is None:
            unmet.append(_unmet("budget_unknown"))
        elif snapshot.price_band_min is None:
            unmet.append(_unmet("price_band_unknown"))
        elif snapshot.budget_max < snapshot.price_band_min:
            unmet.append(_unmet("budget_below_price_band", budget=snapshot.budget_max,
                                price_band_min=snapshot.price_band_min))
    if rules.director_contacted and not snapshot.director_contacted(DECISION_ROLES):
        unmet.append(_unmet("director_not_contacted"))
    return unmet


def _once(items: list[Unmet]) -> list[Unmet]:
    seen: set[Unmet] = set()
    out = []
    for u in items:
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def check_gate(playbook: Playbook, snapshot: GateSnapshot, to_stage: str, *,
               outcome: str | None = None) -> list[Unmet]:
    """Every unmet requirement (a checklist, each once) for moving from the snapshot's stage to ``to_stage``.

    Forward: the outputs of the stage being left (and of any stage in between), then the entry gate of
    the stage being entered (and of any in between). Backward or same stage: no gate. Into the closed
    (archive) stage: ``outcome="lost"`` needs nothing; won (or no outcome given) needs the outputs of
    the stage being left — S4's contract review, objections and hand-off before Won.
    """
    keys = playbook.stage_keys
    for key in (snapshot.stage, to_stage):
        if key not in keys:
            return [_unmet("unknown_stage", stage=key)]
    src, dst = keys.index(snapshot.stage), keys.index(to_stage)
    if dst <= src:
        return []
    if playbook.stages[dst].closed and outcome == "lost":
        return []
    unmet: list[Unmet] = []
    for stage in playbook.stages[src:dst]:
        unmet += stage_outputs(playbook, stage, snapshot)
    for stage in playbook.stages[src + 1:dst + 1]:
        unmet += stage_entry(playbook, stage, snapshot)
    return _once(unmet)


def _same_stage(move_from: str, snapshot: GateSnapshot) -> None:
    if move_from != snapshot.stage:
        raise ValueError(f"the move starts in {move_from!r} but the snapshot is in {snapshot.stage!r}")


def check_move_with_gate(playbook: Playbook, move: MoveRequest, snapshot: GateSnapshot) -> list[Unmet]:
    """The order check, then (for an allowed forward move) the gate checklist. A move the order refuses
    reports only that (e.g. "move it to S2 first"), since its gate would not apply."""
    _same_stage(move.from_stage, snapshot)
    return check_move(playbook, move) or check_gate(playbook, snapshot, move.to_stage)


def check_close_with_gate(playbook: Playbook, snapshot: GateSnapshot, outcome: str) -> list[Unmet]:
    """Closing as won needs the last open stage's outputs (S4); lost needs no gate."""
    order = check_close(playbook, stage=snapshot.stage, status=snapshot.status, outcome=outcome)
    return order or check_gate(playbook, snapshot, playbook.stage_keys[-1], outcome=outcome)


def check_archive(playbook: Playbook, snapshot: GateSnapshot) -> list[Unmet]:
    """S5: what the archive of a won or lost opportunity still lacks (documents and tags per outcome)."""
    if snapshot.status not in ("won", "lost"):
        return [_unmet("not_closed", status=snapshot.status)]
    archive = playbook.stages[-1]
    unmet = [_unmet("document_missing", document=d)
             for d in archive.outcome_documents.get(snapshot.status, ()) if not snapshot.uploaded(d)]
    unmet += [_unmet("field_missing", field=f)
              for f in archive.outcome_fields.get(snapshot.status, ()) if f not in snapshot.filled_fields]
    return unmet


def status_label_of(stage: Stage, *, uploaded: Collection[str], approved: Collection[str]) -> Text | None:
    """The stage's status mark, if it applies: once every ``status_after_documents`` is uploaded and
    until every ``status_until_approvals`` is granted (S1: 待確認商機 until the screening report is
    approved; S3: 方案確認中 once the proposal is with the customer). ``uploaded``: document types
    uploaded; ``approved``: approval keys granted."""
    if stage.status_label is None or not all(d in uploaded for d in stage.status_after_documents):
        return None
    if stage.status_until_approvals and all(a in approved for a in stage.status_until_approvals):
        return None
    return stage.status_label


def stage_status_label(playbook: Playbook, snapshot: GateSnapshot) -> Text | None:
    """The status mark shown in the current stage of an open opportunity (see :func:`status_label_of`)."""
    if snapshot.status != "open":
        return None
    stage = playbook.stage(snapshot.stage)
    uploaded = {d for d in stage.status_after_documents if snapshot.uploaded(d)}
    return status_label_of(stage, uploaded=uploaded, approved=snapshot.approvals)


# ------------------------------------------------------------------------------- deadlines (S2, S4, S5)

AddWorkingDays = Callable[[date, int], date]


@dataclass(frozen=True)
class DeadlineState:
    """One deadline of the current stage: counted from ``start``, due by the end of ``due``."""

    action: str  # "interview" (S2) | "objection" (S4) | "archive" (S5)
    stage: str
    start: date
    due: date
    done_on: date | None
    overdue: bool  # not done and ``now`` is past the due day
    ref: str = ""  # which objection

    @property
    def done(self) -> bool:
        return self.done_on is not None

    @property
    def late(self) -> bool:
        return self.done_on is not None and self.done_on > self.due


def deadlines(playbook: Playbook, snapshot: GateSnapshot, calendar_add_working_days: AddWorkingDays,
              ) -> list[DeadlineState]:
    """The deadlines of the snapshot's stage at ``snapshot.now``.

    S2 interview: N working days from entering the stage, done by the first interview follow-up.
    S4 objections: N working days from each objection, done when it is resolved. S5 archive: N working
    days from closing, done when the archive is complete. ``calendar_add_working_days(day, n)`` is the
    N-th working day after ``day`` (``business_days.add_working_days`` with the calendar bound).
    """
    stage = playbook.stage(snapshot.stage)
    today = snapshot.today
    out: list[DeadlineState] = []

    def add(action: str, start: date, n: int, done_on: date | None, ref: str = "") -> None:
        due = calendar_add_working_days(start, n)
        out.append(DeadlineState(action, stage.key, start, due, done_on, done_on is None and today > due, ref))

    for dl in stage.deadlines:
        if dl.action == "interview":
            interviews = snapshot.followup_dates("interview")
            add(dl.action, snapshot.entered_stage_at.date(), dl.working_days,
                interviews[0].date() if interviews else None)
        elif dl.action == "objection":
            for o in sorted(snapshot.objections, key=lambda o: o.raised_at):
                add(dl.action, o.raised_at.date(), dl.working_days,
                    o.resolved_at.date() if o.resolved_at else None, o.ref)
        elif dl.action == "archive":
            start = (snapshot.closed_at or snapshot.entered_stage_at).date()
            add(dl.action, start, dl.working_days, snapshot.archived_at.date() if snapshot.archived_at else None)
    return out
