"""spec: C1-C4, M3, P1, P6 — follow-up cadence, response times, the zombie rule and the daily update,
decided by the pure core at a fixed ``now`` (time travel, no database).

Every number comes from playbooks/standard.toml; the working-day cases use a calendar built from
chinesecalendar's own data (2026 National Day: Oct 1-7 off, make-up working Saturday Oct 10).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opphub.methodology.business_days import calendar_from_official
from opphub.methodology.cadence import (
    CadenceInput,
    PendingRequest,
    Touch,
    cadence_state,
    daily_update_reminder,
    due_status,
    next_touch,
    response_dues,
    response_rules,
    zombie_ledger_key,
    zombie_state,
)
from opphub.methodology.playbook import Cadence, Playbook, load_playbook_file

BOOK = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")
SH = ZoneInfo("Asia/Shanghai")
CAL = calendar_from_official(
    {d: n for d, n in chinese_calendar.holidays.items() if d.year <= 2026},
    {d: n for d, n in chinese_calendar.workdays.items() if d.year <= 2026},
)
SEC = timedelta(seconds=1)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A 2026 moment in Shanghai time (2026-03-02 is a Monday; 2026-09-30 a Wednesday)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=SH)


def inp(stage: str, entered: datetime, *touches: datetime, status: str = "open", **kw: object) -> CadenceInput:
    return CadenceInput(stage=stage, status=status, stage_entered_at=entered,
                        touches=tuple(Touch(t) for t in touches), **kw)  # type: ignore[arg-type]


def with_cadence(book: Playbook, stage: str, cadence: Cadence) -> Playbook:
    stages = tuple(dataclasses.replace(s, cadence=cadence) if s.key == stage else s for s in book.stages)
    return dataclasses.replace(book, stages=stages)


# ------------------------------------------------------------------ touch cadence (C1-C4)

ENTERED = at(3, 2, 10)  # Monday 10:00


@pytest.mark.parametrize(
    ("stage", "touches", "due", "in_window"),
    [
        # C1 Discovery: >= 1 touch a week; the stage entry gives a week of grace
        ("discovery", [], at(3, 9, 10), 0),
        ("discovery", [at(3, 4, 15)], at(3, 11, 15), 1),
        ("discovery", [at(3, 4, 15), at(3, 3, 9)], at(3, 11, 15), 2),   # the latest touch sets the due
        ("discovery", [at(2, 27, 9)], at(3, 9, 10), 0),                  # before the stage: not counted
        # C2 Confirmation: a touch every 3 days
        ("confirmation", [], at(3, 5, 10), 0),
        ("confirmation", [at(3, 3, 16, 30)], at(3, 6, 16, 30), 1),
        # C3 Solution: 2 touches a week
        ("solution", [], at(3, 9, 10), 0),
        ("solution", [at(3, 4, 15)], at(3, 9, 10), 1),                   # one touch is not enough
        ("solution", [at(3, 4, 15), at(3, 5, 11)], at(3, 11, 15), 2),    # due when the older drops out
        ("solution", [at(3, 3, 9), at(3, 4, 15), at(3, 5, 11)], at(3, 11, 15), 3),
        # C4 Closing: a touch every 2 days
        ("closing", [], at(3, 4, 10), 0),
        ("closing", [at(3, 3, 8)], at(3, 5, 8), 1),
    ],
)
def test_next_touch_per_stage(stage, touches, due, in_window):
    """spec: C1-C4, M3 — due when the trailing window would hold fewer than N touches."""
    now = at(3, 5, 12) if stage != "closing" else at(3, 3, 12)
    result = next_touch(BOOK, inp(stage, ENTERED, *touches), now, CAL)
    assert result is not None
    assert result.due_at == due
    assert result.rule == f"cadence.{stage}"
    assert result.touches_needed == BOOK.stage(stage).cadence.touches
    if now <= due:
        assert result.touches_in_window == in_window


@pytest.mark.parametrize(
    ("stage", "due"),
    [("discovery", at(3, 9, 10)), ("confirmation", at(3, 5, 10)), ("solution", at(3, 9, 10)),
     ("closing", at(3, 4, 10))],
)
@pytest.mark.parametrize(("offset", "overdue"), [(-SEC, False), (timedelta(0), False), (SEC, True)])
def test_touch_due_boundaries(stage, due, offset, overdue):
    """spec: C1-C4 — exactly at the due moment a touch is still in time; one second later it is overdue."""
    result = next_touch(BOOK, inp(stage, ENTERED), due + offset, CAL)
    assert result is not None
    assert result.overdue is overdue
    assert result.overdue_by == (SEC if overdue else timedelta(0))


def test_a_touch_exactly_at_the_due_moment_resets_the_clock():
    """spec: C4 — touching the customer right at the deadline meets it and starts a new period."""
    result = next_touch(BOOK, inp("closing", ENTERED, at(3, 4, 10)), at(3, 4, 10), CAL)
    assert result is not None and not result.overdue
    assert result.due_at == at(3, 6, 10)


def test_overdue_by_grows_and_the_reminder_carries_the_preferred_channels():
    """spec: C1, M3 — a week without touch in discovery: overdue by the hours since; phone and WeCom first."""
    result = next_touch(BOOK, inp("discovery", ENTERED), at(3, 10, 12), CAL)
    assert result is not None
    assert result.overdue and result.overdue_by == timedelta(days=1, hours=2)
    assert result.preferred == ("phone", "wecom")
    assert (result.per_days, result.working_days) == (7, False)


def test_inbound_and_future_touches():
    """spec: C2 — the customer calling us counts as a touch; a record dated in the future does not yet."""
    inbound = CadenceInput("confirmation", "open", ENTERED, touches=(Touch(at(3, 4, 9), "phone", "in"),))
    assert next_touch(BOOK, inbound, at(3, 4, 12), CAL).due_at == at(3, 7, 9)
    future = inp("confirmation", ENTERED, at(3, 6, 9))
    assert next_touch(BOOK, future, at(3, 4, 12), CAL).due_at == at(3, 5, 10)


def test_touch_times_from_the_database_in_utc():
    """spec: C4 — a touch stored in UTC is placed in business time (08:00 UTC = 16:00 Shanghai)."""
    utc_touch = datetime(2026, 3, 3, 8, 0, tzinfo=ZoneInfo("UTC"))
    result = next_touch(BOOK, inp("closing", ENTERED, utc_touch), at(3, 4), CAL)
    assert result.due_at == at(3, 5, 16)
    assert result.due_at.tzinfo == SH


@pytest.mark.parametrize(("stage", "status"), [("discovery", "won"), ("closing", "lost"), ("archive", "won"),
                                               ("archive", "open")])
def test_no_cadence_when_closed_or_archived(stage, status):
    """spec: C1-C4, S5 — closed opportunities and the archive stage have no touch cadence."""
    assert next_touch(BOOK, inp(stage, ENTERED, status=status), at(4, 1), CAL) is None
    assert cadence_state(BOOK, inp(stage, ENTERED, status=status), at(4, 1), CAL).touch is None


def test_a_working_day_cadence_skips_national_day():
    """spec: C1-C4 — a playbook whose cadence counts working days: 2 per 3 working days over National Day."""
    book = with_cadence(BOOK, "closing", Cadence(touches=1, per_days=3, working_days=True, preferred=()))
    # a touch on Wed Sep 30: working days after it are Oct 8, 9, 10 (make-up Saturday) → due end of Oct 10
    result = next_touch(book, inp("closing", at(9, 28, 9), at(9, 30, 11)), at(10, 5, 9), CAL)
    assert result.due_at == at(10, 10, 23, 59, 59) + timedelta(microseconds=999999)
    assert not result.overdue and result.touches_in_window == 1
    late = next_touch(book, inp("closing", at(9, 28, 9), at(9, 30, 11)), at(10, 11, 0, 0, 0), CAL)
    assert late.overdue and late.touches_in_window == 0


STAGES = st.sampled_from(("discovery", "confirmation", "solution", "closing"))
MOMENTS = st.integers(min_value=0, max_value=40 * 24 * 3600).map(lambda s: at(9, 20) + timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(stage=STAGES, touches=st.lists(MOMENTS, max_size=6), extra=MOMENTS, now=MOMENTS,
       working=st.booleans())
def test_property_adding_a_touch_never_makes_the_next_due_earlier(stage, touches, extra, now, working):
    """spec: C1-C4 — one more touch can only push the next due later (or leave it), never earlier;
    and an opportunity is overdue exactly when now is past its due moment."""
    cad = BOOK.stage(stage).cadence
    book = with_cadence(BOOK, stage, dataclasses.replace(cad, working_days=working)) if working else BOOK
    entered = at(9, 20)
    before = next_touch(book, inp(stage, entered, *touches), now, CAL)
    after = next_touch(book, inp(stage, entered, *touches, extra), now, CAL)
    assert after.due_at >= before.due_at
    assert after.touches_in_window >= before.touches_in_window
    assert before.overdue is (now > before.due_at)


# ------------------------------------------------------------------ response times (C1-C4)

@pytest.mark.parametrize(
    ("stage", "kind", "received", "due", "unit"),
    [
        ("discovery", "key_action", at(3, 2, 10), at(3, 3, 10), "hours"),          # C1: update within 24 h
        ("confirmation", "confirmation", at(3, 2, 10), at(3, 4, 10), "hours"),     # C2: review within 48 h
        ("closing", "objection", at(3, 6, 17), at(3, 7, 17), "hours"),             # C4: 24 h, weekend or not
        ("solution", "feedback", at(3, 5, 10), at(3, 9, 23, 59, 59), "working_days"),  # C3: Thu → end of Mon
        # C3 over National Day: Sep 30 → Oct 8, 9 → end of Fri Oct 9
        ("solution", "feedback", at(9, 30, 16), at(10, 9, 23, 59, 59), "working_days"),
        # C3 on the make-up Saturday: Oct 8 → Oct 9, Oct 10 (调休) → end of Sat Oct 10
        ("solution", "feedback", at(10, 8, 9), at(10, 10, 23, 59, 59), "working_days"),
        # C3 on a holiday: Oct 3 → Oct 8, 9 → end of Oct 9
        ("solution", "feedback", at(10, 3, 12), at(10, 9, 23, 59, 59), "working_days"),
        # an objection raised while in Solution is answered under C4's 24 h
        ("solution", "objection", at(3, 5, 10), at(3, 6, 10), "hours"),
    ],
)
def test_response_dues(stage, kind, received, due, unit):
    """spec: C1-C4 — response times in hours, or in working days on the Chinese calendar (C3)."""
    if unit == "working_days":
        due = due + timedelta(microseconds=999999)
    state = CadenceInput(stage, "open", at(1, 5), pending=(PendingRequest(kind, received, "r1"),))
    (item,) = response_dues(BOOK, state, received, CAL)
    assert (item.due_at, item.unit, item.kind, item.ref) == (due, unit, kind, "r1")
    for offset, overdue in ((-SEC, False), (timedelta(0), False), (SEC, True)):
        (item,) = response_dues(BOOK, state, due + offset, CAL)
        assert item.overdue is overdue
        assert item.overdue_by == (SEC if overdue else timedelta(0))


def test_response_dues_are_sorted_and_unknown_kinds_left_out():
    """spec: C3, C4, M3 — the earliest answer due first; a request no rule covers has no due."""
    state = CadenceInput("closing", "open", at(3, 2), pending=(
        PendingRequest("feedback", at(3, 2, 9), "fb"),
        PendingRequest("objection", at(3, 3, 9), "ob"),
        PendingRequest("gossip", at(3, 2, 9), "x"),
    ))
    dues = response_dues(BOOK, state, at(3, 3, 12), CAL)
    assert [d.ref for d in dues] == ["ob", "fb"]
    assert dues[0].rule == "response.closing.objection_hours"
    assert dues[1].rule == "response.solution.feedback_working_days"
    assert response_dues(BOOK, dataclasses.replace(state, status="won"), at(3, 3, 12), CAL) == ()


def test_response_rules_read_the_unit_from_the_key():
    """spec: C1-C4 — the playbook's response keys name their unit; a key without one is refused."""
    assert [(r.action, r.trigger, r.amount, r.unit) for r in response_rules(BOOK.stage("confirmation"))] == [
        ("review_submit", "confirmation", 48, "hours")]
    bad = dataclasses.replace(BOOK.stage("closing"), response={"objection_minutes": 30})
    with pytest.raises(ValueError, match=r"closing\.response\.objection_minutes"):
        response_rules(bad)


# ------------------------------------------------------------------ zombie rule (P6)

@pytest.mark.parametrize(
    ("last", "now", "working", "days", "penalty", "intervention"),
    [
        (at(3, 2, 17), at(3, 2, 23), True, 0, False, False),            # updated today
        (at(3, 2, 17), at(3, 5, 23, 59, 59), True, 2, False, False),    # Tue, Wed complete; Thu not over
        (at(3, 2, 17), at(3, 6, 0, 0, 0), True, 3, True, False),        # Tue, Wed, Thu → penalty Fri 00:00
        (at(3, 6, 17), at(3, 11, 23), True, 2, False, False),           # Fri update: the weekend does not count
        (at(3, 6, 17), at(3, 12, 0), True, 3, True, False),             # Mon, Tue, Wed
        (at(3, 6, 17), at(3, 10, 0), False, 3, True, False),            # calendar days: Sat, Sun, Mon
        (at(3, 2, 17), at(3, 12, 23), True, 7, True, False),            # 7 working days: not yet "more than 7"
        (at(3, 2, 17), at(3, 13, 0), True, 8, True, True),              # the 8th → the manager steps in
        (at(3, 2, 17), at(3, 10, 23), False, 7, True, False),
        (at(3, 2, 17), at(3, 11, 0), False, 8, True, True),
        # National Day: Sep 30 update, Oct 1-7 off; Oct 8, 9, 10 (make-up Sat) → penalty on Oct 11
        (at(9, 30, 17), at(10, 10, 23), True, 2, False, False),
        (at(9, 30, 17), at(10, 11, 0), True, 3, True, False),
        (at(3, 5, 9), at(3, 4, 9), True, 0, False, False),              # an update dated after now
    ],
)
def test_zombie_state(last, now, working, days, penalty, intervention):
    """spec: P6 — 3 consecutive days without a follow-up update → penalty; more than 7 → intervention."""
    state = zombie_state(BOOK, last, now, CAL, working_days=working)
    assert (state.days_without_update, state.penalty_due, state.intervention_due) == (days, penalty, intervention)
    assert state.penalty_points == 5


def test_zombie_ledger_key_is_one_per_streak():
    """spec: P6 — every scan of one streak books the same penalty; a new streak after an update is new;
    the penalty belongs to the month of the day that completed the streak."""
    # Fri update; Mon 30, Tue 31, Wed Apr 1 (working days)
    first = zombie_state(BOOK, at(3, 27, 10), at(4, 2, 9), CAL, working_days=True)
    again = zombie_state(BOOK, at(3, 27, 10), at(4, 20, 9), CAL, working_days=True)
    assert first.penalty_due and first.penalty_day.isoformat() == "2026-04-01"
    assert first.ledger_month == "2026-04"
    assert zombie_ledger_key("2026-SH-001", first) == zombie_ledger_key("2026-SH-001", again)
    assert again.intervention_due
    assert zombie_ledger_key("2026-SH-001", again, "intervention") != zombie_ledger_key("2026-SH-001", again)
    later = zombie_state(BOOK, at(4, 21, 10), at(4, 27, 9), CAL, working_days=True)
    assert zombie_ledger_key("2026-SH-001", later) != zombie_ledger_key("2026-SH-001", first)
    assert zombie_ledger_key("2026-SH-002", first) != zombie_ledger_key("2026-SH-001", first)
    assert zombie_state(BOOK, at(3, 27, 10), at(3, 31, 9), CAL, working_days=True).ledger_month is None
    with pytest.raises(ValueError, match="action"):
        zombie_ledger_key("x", first, "bonus")


def test_zombie_numbers_come_from_the_playbook():
    """spec: P6 — a playbook with zombie_days = 2 and 10 points penalises after two days."""
    sections = {**BOOK.sections, "incentives": {**BOOK.sections["incentives"], "zombie_days": 2,
                                                 "zombie_penalty_points": 10}}
    book = dataclasses.replace(BOOK, sections=sections)
    state = zombie_state(book, at(3, 2, 17), at(3, 5, 0), CAL)
    assert state.penalty_due and state.penalty_points == 10


# ------------------------------------------------------------------ daily update (P1) and "my day"

@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        (at(3, 2, 9), at(3, 3, 17, 59, 59), True),     # not updated today, one second before 18:00
        (at(3, 2, 9), at(3, 3, 18, 0, 0), False),      # 18:00: the day's reminder is over
        (at(3, 3, 9), at(3, 3, 15), False),            # updated this morning
        (None, at(3, 3, 8), True),                     # never updated
        (datetime(2026, 3, 2, 17, 0, tzinfo=ZoneInfo("UTC")), at(3, 3, 15), False),  # 01:00 Mar 3 in Shanghai
        (datetime(2026, 3, 2, 15, 0, tzinfo=ZoneInfo("UTC")), at(3, 3, 15), True),   # 23:00 Mar 2 in Shanghai
        (at(3, 6, 9), at(3, 7, 10), False),            # Saturday: no working day
        (at(9, 30, 9), at(10, 10, 10), True),          # make-up Saturday after National Day: a working day
    ],
)
def test_daily_update_reminder(last, now, expected):
    """spec: P1 — reps update the system daily before 18:00 (the playbook's daily_update_time)."""
    assert daily_update_reminder(BOOK, last, now, calendar=CAL) is expected


def test_daily_update_reminder_without_calendar_and_naive_times():
    """spec: P1 — without a calendar every day reminds; a naive time is refused, not guessed."""
    assert daily_update_reminder(BOOK, at(3, 6, 9), at(3, 7, 10)) is True
    with pytest.raises(ValueError, match="aware"):
        daily_update_reminder(BOOK, None, datetime(2026, 3, 3, 10))


@pytest.mark.parametrize(
    ("due", "now", "status"),
    [(at(3, 3, 18), at(3, 3, 9), "today"), (at(3, 3, 9), at(3, 3, 9, 0, 1), "overdue"),
     (at(3, 4, 0), at(3, 3, 23), "upcoming"), (at(3, 3, 9), at(3, 3, 9), "today")],
)
def test_due_status_for_my_day(due, now, status):
    """spec: P1, M3 — "my day" sorts dues into overdue, due today and upcoming."""
    assert due_status(due, now) == status


def test_cadence_state_brings_it_together():
    """spec: C2, M3, P1, P6 — one opportunity's touch, answers, zombie state and daily reminder."""
    state = CadenceInput("confirmation", "open", at(3, 2, 10), touches=(Touch(at(3, 2, 15), "visit"),),
                         pending=(PendingRequest("confirmation", at(3, 3, 10), "sheet"),),
                         last_update_at=at(3, 2, 15))
    result = cadence_state(BOOK, state, at(3, 6, 9), CAL)
    assert result.touch.due_at == at(3, 5, 15) and result.touch.overdue
    assert result.responses[0].due_at == at(3, 5, 10) and result.responses[0].overdue
    assert result.zombie.days_without_update == 3 and result.zombie.penalty_due
    assert result.daily_update_due and result.overdue
    closed = cadence_state(BOOK, dataclasses.replace(state, status="lost"), at(3, 6, 9), CAL)
    assert (closed.touch, closed.responses, closed.zombie, closed.daily_update_due) == (None, (), None, False)
    assert not closed.overdue
