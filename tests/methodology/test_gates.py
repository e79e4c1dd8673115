"""spec: S1-S5, M2 — stage gates from the playbook, decided by the pure core (no database).

Each stage starts from a snapshot that meets every requirement; each case takes one thing away and
expects exactly that unmet code (with its params). The checklist lists ALL unmet items, each once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opphub.methodology.playbook import PlaybookError, load_playbook_file, parse_playbook
from opphub.methodology.snapshots import ContactFact, DocumentFact, FollowUpFact, GateSnapshot, ObjectionFact
from opphub.methodology.stages import (
    MoveRequest,
    check_archive,
    check_close_with_gate,
    check_gate,
    check_move_with_gate,
    deadlines,
    stage_status_label,
)

STANDARD = Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml"
BOOK = load_playbook_file(STANDARD)
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=TZ)
UP = DocumentFact(uploaded=True)
SIGNED = DocumentFact(uploaded=True, customer_confirmed=True)
SCREENING = ("industry", "company_size", "pain_points", "decision_roles", "budget_range", "timeline",
             "requirement_1", "requirement_2", "requirement_3")
INTERVIEW = ("interview_why", "interview_what", "interview_when", "interview_who", "interview_where",
             "interview_how")
PROPOSAL = ("proposal_solution", "proposal_implementation_path", "proposal_roi")
ITEMS = frozenset(i.key for i in BOOK.health.requirement_items)
DIRECTOR = ContactFact("decision_maker", director_or_above=True, contacted=True)


def _at(days: float) -> datetime:
    return NOW - timedelta(days=days)


def ready(stage: str) -> GateSnapshot:
    """A snapshot that meets everything needed to leave ``stage`` and enter the next one."""
    base = GateSnapshot(stage=stage, status="open", now=NOW, entered_stage_at=_at(3))
    if stage == "discovery":
        return replace(base, filled_fields=frozenset(SCREENING), documents={"screening_report": UP},
                       approvals=frozenset({"screening_report"}), requirement_match=Decimal(75),
                       budget_max=Decimal(500000), price_band_min=Decimal(300000))
    if stage == "confirmation":
        return replace(base, filled_fields=frozenset(INTERVIEW),
                       documents={"confirmation_minutes": UP, "confirmation_sheet": SIGNED},
                       participants=frozenset({"presales"}), scored_items=ITEMS, contacts=(DIRECTOR,),
                       followups=(FollowUpFact("interview", _at(2)),))
    if stage == "solution":  # 15 days in: two whole weeks, each with a follow-up
        return replace(base, entered_stage_at=_at(15), filled_fields=frozenset({*PROPOSAL, "priority_commitment"}),
                       documents={"proposal": UP, "acceptance_letter": SIGNED, "executive_minutes": UP},
                       followups=(FollowUpFact("executive_visit", _at(14)), FollowUpFact("meeting", _at(7))))
    assert stage == "closing"
    return replace(base, filled_fields=frozenset({"service_contact"}),
                   documents={"contract_scan": SIGNED, "deal_confirmation": UP},
                   approvals=frozenset({"contract_finance", "contract_legal"}), participants=frozenset({"cs"}),
                   objections=(ObjectionFact(_at(2), resolved_at=_at(1), ref="f1"),))


def without_field(s: GateSnapshot, name: str) -> GateSnapshot:
    return replace(s, filled_fields=s.filled_fields - {name})


def with_document(s: GateSnapshot, name: str, fact: DocumentFact | None) -> GateSnapshot:
    docs = {k: v for k, v in s.documents.items() if k != name}
    return replace(s, documents={**docs, **({name: fact} if fact else {})})


def codes(unmet):
    return [(u.code, dict(u.params)) for u in unmet]


FORWARD = {"discovery": "confirmation", "confirmation": "solution", "solution": "closing"}


@pytest.mark.parametrize("stage", ["discovery", "confirmation", "solution"])
def test_all_met_moves_forward(stage):
    """spec: M2 — with every output and the next entry gate met the checklist is empty."""
    snap = ready(stage)
    assert check_gate(BOOK, snap, FORWARD[stage]) == []
    assert check_move_with_gate(BOOK, MoveRequest(stage, FORWARD[stage], "open"), snap) == []


S1_CASES = [
    *[(lambda s, f=f: without_field(s, f), [("field_missing", {"field": f})]) for f in SCREENING],
    (lambda s: with_document(s, "screening_report", None), [("document_missing", {"document": "screening_report"})]),
    # approval is both an S1 output and the S2 entry gate: listed once
    (lambda s: replace(s, approvals=frozenset()), [("approval_missing", {"approval": "screening_report"})]),
    (lambda s: replace(s, requirement_match=None), [("requirement_match_unknown", {"min": "70"})]),
    (lambda s: replace(s, requirement_match=Decimal("69.99")),
     [("requirement_match_low", {"min": "70", "have": "69.99"})]),
    (lambda s: replace(s, requirement_match=Decimal(70)), []),
    (lambda s: replace(s, budget_max=None), [("budget_unknown", {})]),
    (lambda s: replace(s, price_band_min=None), [("price_band_unknown", {})]),
    (lambda s: replace(s, budget_max=Decimal(299999)),
     [("budget_below_price_band", {"budget": "299999", "price_band_min": "300000"})]),
    (lambda s: replace(s, budget_max=Decimal(300000)), []),
]


@pytest.mark.parametrize(("change", "expected"), S1_CASES)
def test_s1_to_s2_gate(change, expected):
    """spec: S1, S2 gate, M2 — screening form (6 fields + 3 requirements), screening report approved by the
    sales manager, requirement match >= 70%, budget covers the product's price band."""
    assert codes(check_gate(BOOK, change(ready("discovery")), "confirmation")) == expected


S2_CASES = [
    *[(lambda s, f=f: without_field(s, f), [("field_missing", {"field": f})]) for f in INTERVIEW],
    (lambda s: with_document(s, "confirmation_minutes", None),
     [("document_missing", {"document": "confirmation_minutes"})]),
    (lambda s: with_document(s, "confirmation_sheet", UP),
     [("document_not_confirmed", {"document": "confirmation_sheet"})]),
    (lambda s: with_document(s, "confirmation_sheet", None),
     [("document_missing", {"document": "confirmation_sheet"})]),
    (lambda s: replace(s, participants=frozenset({"cs"})), [("participant_missing", {"role": "presales"})]),
    (lambda s: replace(s, followups=(FollowUpFact("visit", _at(2)),)),
     [("activity_missing", {"kind": "interview", "count": "1", "have": "0"})]),
    (lambda s: replace(s, scored_items=ITEMS - {"service_fit"}),
     [("requirement_items_unscored", {"items": "service_fit", "count": "1"})]),
    (lambda s: replace(s, contacts=(replace(DIRECTOR, contacted=False),)), [("director_not_contacted", {})]),
    (lambda s: replace(s, contacts=(replace(DIRECTOR, director_or_above=False),)), [("director_not_contacted", {})]),
    (lambda s: replace(s, contacts=(replace(DIRECTOR, role="other"),)), [("director_not_contacted", {})]),
    (lambda s: replace(s, contacts=(ContactFact("user"), replace(DIRECTOR, role="influencer"))), []),
]


@pytest.mark.parametrize(("change", "expected"), S2_CASES)
def test_s2_to_s3_gate(change, expected):
    """spec: S2 outputs, S3 gate, M2 — 5W1H interview record, minutes, 需求確認單 confirmed by the customer
    (also the S3 gate: listed once), presales took part, the 10 items scored, a director-or-above
    decision-chain contact contacted."""
    assert codes(check_gate(BOOK, change(ready("confirmation")), "solution")) == expected


S3_CASES = [
    *[(lambda s, f=f: without_field(s, f), [("field_missing", {"field": f})]) for f in PROPOSAL],
    (lambda s: without_field(s, "priority_commitment"), [("field_missing", {"field": "priority_commitment"})]),
    (lambda s: with_document(s, "proposal", None), [("document_missing", {"document": "proposal"})]),
    (lambda s: with_document(s, "executive_minutes", None), [("document_missing", {"document": "executive_minutes"})]),
    (lambda s: with_document(s, "acceptance_letter", UP),
     [("document_not_confirmed", {"document": "acceptance_letter"})]),
    (lambda s: replace(s, followups=(FollowUpFact("meeting", _at(14)), FollowUpFact("meeting", _at(7)))),
     [("activity_missing", {"kind": "executive_visit", "count": "1", "have": "0"})]),
    # week 2 (days 7-14 of the stage) without a follow-up; the running third week is not counted yet
    (lambda s: replace(s, followups=(FollowUpFact("executive_visit", _at(14)), FollowUpFact("phone", _at(0.5)))),
     [("followups_missing", {"every_days": "7", "periods": "1", "since": "2026-03-12"})]),
    (lambda s: replace(s, followups=()),
     [("activity_missing", {"kind": "executive_visit", "count": "1", "have": "0"}),
      ("followups_missing", {"every_days": "7", "periods": "2", "since": "2026-03-05"})]),
    (lambda s: replace(s, entered_stage_at=_at(6), followups=(FollowUpFact("executive_visit", _at(30)),)), []),
]


@pytest.mark.parametrize(("change", "expected"), S3_CASES)
def test_s3_to_s4_gate(change, expected):
    """spec: S3 outputs, S4 gate, M2 — proposal (pain → solution, implementation path, ROI), executive visit
    and minutes, weekly follow-up records, acceptance letter signed, the customer will prioritise us."""
    assert codes(check_gate(BOOK, change(ready("solution")), "closing")) == expected


S4_CASES = [
    (lambda s: without_field(s, "service_contact"), [("field_missing", {"field": "service_contact"})]),
    (lambda s: with_document(s, "contract_scan", UP), [("document_not_confirmed", {"document": "contract_scan"})]),
    (lambda s: with_document(s, "deal_confirmation", None), [("document_missing", {"document": "deal_confirmation"})]),
    (lambda s: replace(s, approvals=frozenset({"contract_legal"})),
     [("approval_missing", {"approval": "contract_finance"})]),
    (lambda s: replace(s, approvals=frozenset({"contract_finance"})),
     [("approval_missing", {"approval": "contract_legal"})]),
    (lambda s: replace(s, participants=frozenset({"presales", "finance"})), [("participant_missing", {"role": "cs"})]),
    (lambda s: replace(s, objections=(*s.objections, ObjectionFact(_at(1)), ObjectionFact(_at(0.5)))),
     [("objections_open", {"count": "2"})]),
    (lambda s: s, []),
]


@pytest.mark.parametrize(("change", "expected"), S4_CASES)
def test_s4_won_gate(change, expected):
    """spec: S4 — contract reviewed by finance and legal, stamped contract, deal confirmation with the
    customer's service contact, customer success for the hand-off, last objections resolved; then Won."""
    assert codes(check_close_with_gate(BOOK, change(ready("closing")), "won")) == expected


def test_lost_needs_no_gate_but_won_needs_closing():
    """spec: S4, S5 — lost may be recorded from any stage without outputs; won only from Closing."""
    empty = GateSnapshot(stage="solution", status="open", now=NOW, entered_stage_at=_at(30))
    assert check_close_with_gate(BOOK, empty, "lost") == []
    assert [u.code for u in check_close_with_gate(BOOK, empty, "won")] == ["won_before_closing"]
    assert check_close_with_gate(BOOK, replace(empty, stage="closing"), "lost") == []


@pytest.mark.parametrize(("src", "dst"), [("closing", "solution"), ("closing", "discovery"),
                                          ("confirmation", "discovery"), ("solution", "solution")])
def test_backward_moves_need_no_gate(src, dst):
    """spec: H4, M2 — sending work back is never blocked by a gate."""
    empty = GateSnapshot(stage=src, status="open", now=NOW, entered_stage_at=_at(30))
    assert check_gate(BOOK, empty, dst) == []
    if src != dst:
        assert check_move_with_gate(BOOK, MoveRequest(src, dst, "open"), empty) == []


def test_the_checklist_lists_everything_unmet():
    """spec: M2 — the user sees the whole checklist of what is missing, not only the first item."""
    empty = GateSnapshot(stage="discovery", status="open", now=NOW, entered_stage_at=_at(1))
    assert codes(check_gate(BOOK, empty, "confirmation")) == [
        *[("field_missing", {"field": f}) for f in SCREENING],
        ("document_missing", {"document": "screening_report"}),
        ("approval_missing", {"approval": "screening_report"}),
        ("requirement_match_unknown", {"min": "70"}),
        ("budget_unknown", {}),
    ]
    empty2 = replace(empty, stage="confirmation")
    assert [u.code for u in check_gate(BOOK, empty2, "solution")] == [
        *["field_missing"] * 6, "document_missing", "document_missing", "participant_missing",
        "activity_missing", "requirement_items_unscored", "director_not_contacted"]
    unscored = check_gate(BOOK, empty2, "solution")[-2]
    assert unscored.param("count") == "10" and unscored.param("items").split(",")[0] == "pain_clarity"


def test_order_problems_come_before_the_gate():
    """spec: S1-S5 — a skipped stage is refused as such; the gate of an impossible move is not listed."""
    empty = GateSnapshot(stage="discovery", status="open", now=NOW, entered_stage_at=_at(1))
    assert [u.code for u in check_move_with_gate(BOOK, MoveRequest("discovery", "solution", "open"), empty)] == [
        "skips_stage"]
    with pytest.raises(ValueError, match="snapshot is in 'discovery'"):
        check_move_with_gate(BOOK, MoveRequest("solution", "closing", "open"), empty)


def test_gate_for_a_skip_covers_every_stage_in_between():
    """spec: M2 — asked directly, the gate over two stages lists the outputs and entries of both."""
    snap = replace(ready("discovery"), contacts=(DIRECTOR,))
    listed = codes(check_gate(BOOK, snap, "solution"))
    assert ("field_missing", {"field": "interview_why"}) in listed
    assert ("document_missing", {"document": "confirmation_sheet"}) in listed
    all_items = ",".join(i.key for i in BOOK.health.requirement_items)
    assert ("requirement_items_unscored", {"items": all_items, "count": "10"}) in listed


def test_gate_numbers_come_from_the_playbook():
    """spec: M2, K4 — a playbook with other thresholds gives other gates; nothing is hard-coded."""
    text = STANDARD.read_text(encoding="utf-8")
    pilot = parse_playbook(text.replace("min_requirement_match = 70", "min_requirement_match = 60", 1)
                           .replace("followup_every_days = 7", "followup_every_days = 14", 1)
                           .replace('required_participants = ["presales"]', "required_participants = []", 1))
    assert check_gate(pilot, replace(ready("discovery"), requirement_match=Decimal(65)), "confirmation") == []
    assert [u.code for u in check_gate(BOOK, replace(ready("discovery"), requirement_match=Decimal(65)),
                                       "confirmation")] == ["requirement_match_low"]
    weekly_gap = replace(ready("solution"), followups=(FollowUpFact("executive_visit", _at(14)),))
    assert [u.code for u in check_gate(BOOK, weekly_gap, "closing")] == ["followups_missing"]
    assert check_gate(pilot, weekly_gap, "closing") == []
    assert check_gate(pilot, replace(ready("confirmation"), participants=frozenset()), "solution") == []


@pytest.mark.parametrize(
    ("status", "docs", "fields", "expected"),
    [
        ("won", {"screening_report": UP, "confirmation_minutes": UP, "proposal": UP, "contract_scan": SIGNED},
         {"success_points"}, []),
        ("won", {"screening_report": UP, "proposal": UP, "contract_scan": SIGNED}, set(),
         [("document_missing", {"document": "confirmation_minutes"}), ("field_missing", {"field": "success_points"})]),
        ("lost", {}, {"loss_reason"}, [("document_missing", {"document": "loss_analysis"})]),
        ("lost", {"loss_analysis": UP}, {"loss_reason"}, []),
        ("open", {}, set(), [("not_closed", {"status": "open"})]),
    ],
)
def test_archive_completeness(status, docs, fields, expected):
    """spec: S5 — won: screening form, minutes, proposal, contract and success tags; lost: loss analysis."""
    snap = GateSnapshot(stage="archive", status=status, now=NOW, entered_stage_at=_at(2), documents=docs,
                        filled_fields=frozenset(fields), closed_at=_at(2))
    assert codes(check_archive(BOOK, snap)) == expected


def test_status_label_once_the_proposal_is_out():
    """spec: S3 — the status becomes 方案確認中 (proposal under confirmation) once the proposal is delivered."""
    snap = ready("solution")
    label = stage_status_label(BOOK, snap)
    assert label is not None and label.get("zh-hans") == "方案确认中"
    assert stage_status_label(BOOK, with_document(snap, "proposal", None)) is None
    assert stage_status_label(BOOK, ready("closing")) is None


def test_s1_is_to_be_confirmed_until_the_screening_report_is_approved():
    """spec: S1 — an S1 opportunity carries 待確認商機 (to be confirmed) until the sales manager approves
    the screening report; a closed one carries no mark."""
    snap = GateSnapshot(stage="discovery", status="open", now=NOW, entered_stage_at=_at(2))
    label = stage_status_label(BOOK, snap)
    assert label is not None
    texts = (label.get("zh-hans"), label.get("zh-hant"), label.get("en"))
    assert texts == ("待确认商机", "待確認商機", "To be confirmed")
    uploaded = GateSnapshot(stage="discovery", status="open", now=NOW, entered_stage_at=_at(2),
                            documents={"screening_report": UP})
    assert stage_status_label(BOOK, uploaded) == label  # uploaded is not approved
    approved = GateSnapshot(stage="discovery", status="open", now=NOW, entered_stage_at=_at(2),
                            approvals=frozenset({"screening_report"}))
    assert stage_status_label(BOOK, approved) is None
    lost = GateSnapshot(stage="discovery", status="lost", now=NOW, entered_stage_at=_at(2), closed_at=_at(1))
    assert stage_status_label(BOOK, lost) is None


def test_a_status_mark_until_approvals_needs_its_label():
    """spec: S1 — ``status_until_approvals`` names approvals of the playbook and needs a ``status_label``."""
    text = STANDARD.read_text(encoding="utf-8")
    broken = text.replace('status_until_approvals = ["screening_report"]', 'status_until_approvals = ["nope"]')
    with pytest.raises(PlaybookError, match="status_until_approvals"):
        parse_playbook(broken)
    unlabelled = text.replace(
        'status_label = { zh-hans = "待确认商机", zh-hant = "待確認商機", en = "To be confirmed" }\n', "")
    with pytest.raises(PlaybookError, match="needs a status_label"):
        parse_playbook(unlabelled)


def test_snapshot_refuses_naive_datetimes():
    """Aware datetimes only: a naive one is a programming error caught at once."""
    with pytest.raises(ValueError, match="now must be an aware datetime"):
        GateSnapshot(stage="discovery", status="open", now=datetime(2026, 3, 2), entered_stage_at=NOW)
    with pytest.raises(ValueError, match="occurred_at"):
        FollowUpFact("phone", datetime(2026, 3, 2))


# ------------------------------------------------------------------------------ deadlines (S2, S4, S5)


def mon_fri(holidays: frozenset[date] = frozenset()):
    """A fake calendar: Monday to Friday are working days, except ``holidays``."""
    def add(day: date, n: int) -> date:
        while n:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in holidays:
                n -= 1
        return day
    return add


def _local(d: str, hh: int = 10) -> datetime:
    return datetime.fromisoformat(d).replace(hour=hh, tzinfo=TZ)


def _s2(entered: str, now: datetime, interview: str | None = None) -> GateSnapshot:
    followups = (FollowUpFact("interview", _local(interview)),) if interview else ()
    return GateSnapshot(stage="confirmation", status="open", now=now, entered_stage_at=_local(entered),
                        followups=followups)


@pytest.mark.parametrize(
    ("entered", "now", "interview", "due", "done", "overdue", "late"),
    [
        ("2026-03-02", "2026-03-05", None, "2026-03-11", False, False, False),  # Mon + 7 working days = Wed
        ("2026-03-02", "2026-03-11T23:59:00", None, "2026-03-11", False, False, False),  # the due day itself
        ("2026-03-02", "2026-03-12", None, "2026-03-11", False, True, False),
        ("2026-03-02", "2026-03-20", "2026-03-10", "2026-03-11", True, False, False),
        ("2026-03-02", "2026-03-20", "2026-03-12", "2026-03-11", True, False, True),
        ("2026-03-06", "2026-03-16", None, "2026-03-17", False, False, False),  # Fri + 7 skips two weekends
    ],
)
def test_s2_interview_deadline(entered, now, interview, due, done, overdue, late):
    """spec: S2 — the 5W1H interview within 7 working days of entering requirement confirmation."""
    now_dt = datetime.fromisoformat(now).replace(tzinfo=TZ) if "T" in now else _local(now)
    (state,) = deadlines(BOOK, _s2(entered, now_dt, interview), mon_fri())
    assert (state.action, state.stage, state.start) == ("interview", "confirmation", date.fromisoformat(entered))
    assert (state.due, state.done, state.overdue, state.late) == (date.fromisoformat(due), done, overdue, late)


def test_the_calendar_is_passed_in():
    """spec: S2 — working days come from the calendar given (a holiday moves the due day)."""
    snap = _s2("2026-03-02", _local("2026-03-12"))
    (state,) = deadlines(BOOK, snap, mon_fri(frozenset({date(2026, 3, 9)})))
    assert state.due == date(2026, 3, 12) and not state.overdue


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-03-09", [("a", "2026-03-10", True, False, False), ("b", "2026-03-12", False, False, False)]),
        ("2026-03-13", [("a", "2026-03-10", True, False, False), ("b", "2026-03-12", False, True, False)]),
    ],
)
def test_s4_objection_deadlines(now, expected):
    """spec: S4 — each objection answered within 3 working days of the follow-up that raised it."""
    snap = GateSnapshot(stage="closing", status="open", now=_local(now), entered_stage_at=_local("2026-03-02"),
                        objections=(ObjectionFact(_local("2026-03-09"), ref="b"),
                                    ObjectionFact(_local("2026-03-05"), resolved_at=_local("2026-03-06"), ref="a")))
    got = [(d.ref, d.due.isoformat(), d.done, d.overdue, d.late) for d in deadlines(BOOK, snap, mon_fri())]
    assert got == expected


@pytest.mark.parametrize(
    ("archived", "now", "overdue", "late"),
    [(None, "2026-03-17", False, False), (None, "2026-03-18", True, False),
     ("2026-03-16", "2026-03-18", False, False), ("2026-03-19", "2026-03-20", False, True)],
)
def test_s5_archive_deadline(archived, now, overdue, late):
    """spec: S5 — archive within 7 working days of closing, won or lost."""
    snap = GateSnapshot(stage="archive", status="lost", now=_local(now), entered_stage_at=_local("2026-03-06"),
                        closed_at=_local("2026-03-06"), archived_at=_local(archived) if archived else None)
    (state,) = deadlines(BOOK, snap, mon_fri())
    assert (state.action, state.due, state.overdue, state.late) == ("archive", date(2026, 3, 17), overdue, late)


@pytest.mark.parametrize("stage", ["discovery", "solution"])
def test_stages_without_deadlines(stage):
    """spec: S1, S3 — no working-day deadline of their own (their cadence is C1/C3)."""
    snap = GateSnapshot(stage=stage, status="open", now=NOW, entered_stage_at=_at(40))
    assert deadlines(BOOK, snap, mon_fri()) == []
