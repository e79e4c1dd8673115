"""The calendar feed (issue 4 item 8): planned meetings (follow-up next steps) as events, and the S2
interview, S4 objection and S5 archive deadlines as to-dos, in working days, with stable UIDs, for the
opportunities the user owns; a fixed number of queries however many there are.

``ics.feed`` takes ``now`` (time travel); the HTTP route with its secret token is tested in
test_escalation_pages.py.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from icalendar import Calendar

from opphub.alerts import ics
from opphub.followups.services import followup_log
from opphub.gates.models import StageRecord
from opphub.gates.selectors import build_snapshot
from opphub.gates.services import objection_record, objection_resolve
from opphub.methodology.business_days import add_working_days
from opphub.methodology.stages import deadlines
from opphub.opportunities.playbooks import playbook_of
from opphub.workdays.calendar import work_calendar
from opphub.workflow.services import opportunity_move_stage
from tests.factories import make_opportunity
from tests.stagework import advance_to, fulfil, win

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
WED = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a working Wednesday
DAY = dt.timedelta(days=1)
BASE = "https://opphub.example.cn"


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def _feed(user, now=WED):  # type: ignore[no-untyped-def]
    return Calendar.from_ical(ics.feed(user=user, now=now, base_url=BASE))


def _deadline_todos(cal, action):  # type: ignore[no-untyped-def]
    return [t for t in cal.walk("VTODO") if t.get("categories") is not None
            and action in [str(c) for c in t.get("categories").cats]]


def _core_due(opp, now, action):  # type: ignore[no-untyped-def]
    """The same deadline as the gate panel computes it (methodology.stages.deadlines on a snapshot)."""
    opp.refresh_from_db()
    cal = work_calendar()
    found = [d for d in deadlines(playbook_of(opp.playbook_version), build_snapshot(opp, now=now),
                                  lambda day, n: add_working_days(cal, day, n)) if d.action == action]
    return [(d.due, d.done) for d in found]


def test_planned_next_step_is_a_one_hour_event_with_a_stable_uid(org):
    """spec: C1-C4, P1 — a follow-up's planned next step ("when") is an event titled with the step and the
    opportunity number, one hour long, linking to the card; another rep's meeting is not in my feed."""
    opp = make_opportunity(actor=org.r1, now=WED - 3 * DAY)
    meeting = WED + 2 * DAY + dt.timedelta(hours=4)  # Friday 14:00
    followup_log(actor=org.r1, opportunity=opp, now=WED,
                 data={"kind": "phone", "notes": "约了演示", "next_step": "现场演示", "next_step_at": meeting})
    theirs = make_opportunity(actor=org.r2, now=WED - 3 * DAY)
    followup_log(actor=org.r2, opportunity=theirs, now=WED,
                 data={"kind": "phone", "notes": "别人的", "next_step": "别人的会议", "next_step_at": meeting})
    events = _feed(org.r1).walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == f"现场演示 · {opp.number}"
    assert event.decoded("dtstart") == meeting and event.decoded("dtend") == meeting + dt.timedelta(hours=1)
    assert str(event["url"]) == f"{BASE}/opportunities/{opp.number}/"
    later = _feed(org.r1, WED + DAY).walk("VEVENT")
    assert [str(e["uid"]) for e in later] == [str(event["uid"])]


def test_old_meetings_drop_out_of_the_feed(org):
    """spec: P1 — meetings more than a month past are no longer listed."""
    opp = make_opportunity(actor=org.r1, now=WED - 3 * DAY)
    followup_log(actor=org.r1, opportunity=opp, now=WED,
                 data={"kind": "phone", "notes": "约了", "next_step_at": WED + DAY})
    assert len(_feed(org.r1, WED + 30 * DAY).walk("VEVENT")) == 1
    assert str(_feed(org.r1, WED + 30 * DAY).walk("VEVENT")[0]["summary"]) == f"Next step · {opp.number}"
    assert _feed(org.r1, WED + 32 * DAY).walk("VEVENT") == []


def test_interview_deadline_in_working_days_until_the_interview_is_logged(org):
    """spec: S2, C2 — entering requirement confirmation on a Wednesday: the 5W1H interview is due 7 working
    days later, Friday of the next week (the weekend does not count), the same day the gate panel shows;
    once an interview follow-up is logged it leaves the feed."""
    opp = make_opportunity(actor=org.r1, now=WED - 2 * DAY)
    opp = opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="confirmation", now=WED).opportunity
    cal = _feed(org.r1, WED + DAY)
    [todo] = _deadline_todos(cal, "interview")
    assert todo.decoded("due") == dt.date(2026, 11, 27)
    assert _core_due(opp, WED + DAY, "interview") == [(dt.date(2026, 11, 27), False)]
    assert opp.number in str(todo["summary"]) and "5W1H" in str(todo["summary"])
    assert str(todo["url"]) == f"{BASE}/opportunities/{opp.number}/stage/"
    assert str(_deadline_todos(_feed(org.r1, WED + 2 * DAY), "interview")[0]["uid"]) == str(todo["uid"])
    followup_log(actor=org.r1, opportunity=opp, now=WED + 2 * DAY,
                 data={"kind": "interview", "notes": "5W1H 访谈"})
    assert _deadline_todos(_feed(org.r1, WED + 2 * DAY), "interview") == []


def test_objection_deadline_until_it_is_resolved(org):
    """spec: S4, C4 — an objection raised in closing is due within 3 working days (Friday → Wednesday);
    answered, it leaves the feed."""
    opp = advance_to(make_opportunity(actor=org.r1, now=WED - 10 * DAY), "closing", now=WED - 5 * DAY)
    friday = WED + 2 * DAY
    objection = objection_record(actor=org.r1, opportunity=opp, text="能否分三期付款？", now=friday)
    [todo] = _deadline_todos(_feed(org.r1, friday), "objection")
    assert todo.decoded("due") == dt.date(2026, 11, 25)
    assert _core_due(opp, friday, "objection") == [(dt.date(2026, 11, 25), False)]
    assert "能否分三期付款？" in str(todo["summary"]) and opp.number in str(todo["summary"])
    objection_resolve(actor=org.r1, objection=objection, resolution="同意分三期", now=friday + DAY)
    assert _deadline_todos(_feed(org.r1, friday + DAY), "objection") == []


def test_archive_deadline_until_the_archive_is_complete(org):
    """spec: S5 — won on Wednesday: the archive is due 7 working days later; complete, it leaves the feed."""
    opp = win(make_opportunity(actor=org.r1, now=WED - 20 * DAY), now=WED)
    [todo] = _deadline_todos(_feed(org.r1, WED + DAY), "archive")
    assert todo.decoded("due") == dt.date(2026, 11, 27)
    assert _core_due(opp, WED + DAY, "archive") == [(dt.date(2026, 11, 27), False)]
    StageRecord.objects.filter(opportunity=opp).update(archived_at=WED + DAY)
    assert _deadline_todos(_feed(org.r1, WED + DAY), "archive") == []


def test_only_own_opportunities_deadlines(org):
    """spec: P1-P4 — the manager's feed does not list the team's deadlines (those are the reps' to-dos)."""
    opp = make_opportunity(actor=org.r1, now=WED - 2 * DAY)
    opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="confirmation", now=WED)
    assert _deadline_todos(_feed(org.m1, WED + DAY), "interview") == []
    assert _deadline_todos(_feed(org.r2, WED + DAY), "interview") == []


def test_fixed_query_count(org):
    """spec: issue 4 item 9 — the feed costs the same queries for 1 or 4 opportunities of each kind
    (touch dues, meetings, interview, objection and archive deadlines)."""
    def build(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            confirming = make_opportunity(actor=org.r1, now=WED - (20 + i) * DAY)
            opportunity_move_stage(actor=org.r1, opportunity=fulfil(confirming), to_stage="confirmation",
                                   now=WED - i * DAY)
            closing = advance_to(make_opportunity(actor=org.r1, now=WED - 20 * DAY), "closing", now=WED - 5 * DAY)
            objection_record(actor=org.r1, opportunity=closing, text=f"异议{i}", now=WED - i * DAY)
            win(make_opportunity(actor=org.r1, now=WED - 20 * DAY), now=WED - i * DAY)
            followup_log(actor=org.r1, opportunity=closing, now=WED,
                         data={"kind": "phone", "notes": "约了", "next_step_at": WED + (i + 1) * DAY})

    def queries():  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            cal = _feed(org.r1)
        return len(ctx.captured_queries), cal

    build(1)
    queries()
    one, cal = queries()
    assert len(cal.walk("VEVENT")) == 1 and len(_deadline_todos(cal, "archive")) == 1
    build(3)
    four, cal = queries()
    assert len(cal.walk("VEVENT")) == 4
    assert [len(_deadline_todos(cal, a)) for a in ("interview", "objection", "archive")] == [4, 4, 4]
    assert one == four


def test_what_the_customer_waits_for_is_a_to_do_due_at_the_response_time(org):
    """spec: C4, C1-C4 — a recorded objection is also a to-do due 24 h later (the playbook's response time,
    beside S4's 3-working-day resolution deadline); answered, it leaves the feed."""
    opp = advance_to(make_opportunity(actor=org.r1, now=WED - 10 * DAY), "closing", now=WED - 5 * DAY)
    objection = objection_record(actor=org.r1, opportunity=opp, text="能否分三期付款？", now=WED)
    [todo] = [t for t in _feed(org.r1, WED).walk("VTODO") if str(t["uid"]).startswith("request-")]
    assert todo.decoded("due") == WED + DAY
    assert "能否分三期付款？" in str(todo["summary"]) and "within 24 hours" in str(todo["description"])
    objection_resolve(actor=org.r1, objection=objection, resolution="同意分三期", now=WED + DAY)
    assert not [t for t in _feed(org.r1, WED + DAY).walk("VTODO") if str(t["uid"]).startswith("request-")]
