"""spec: P1, C1-C4, P6 — the rep's "my day": touches overdue, due today and coming up under the stage's
cadence, the daily-update reminder before the playbook's 18:00, "no follow-up for N days" warnings;
only one's own opportunities; a fixed number of queries however many there are.

The selector takes ``now`` (time travel); the page itself runs at the real clock.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from opphub.followups.selectors import UPCOMING_LIMIT, my_day
from opphub.followups.services import followup_log
from opphub.gates.services import approval_decide, approval_request
from opphub.workflow.services import opportunity_move_stage
from tests.factories import client_for, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
WED = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a working Wednesday, 10:00 in Shanghai
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def in_confirmation(actor, *, entered, **data):  # type: ignore[no-untyped-def]
    opp = make_opportunity(actor=actor, now=entered - DAY, **data)
    opportunity_move_stage(actor=actor, opportunity=fulfil(opp), to_stage="confirmation", now=entered)
    return opp


def touch(actor, opp, when, kind="visit"):  # type: ignore[no-untyped-def]
    return followup_log(actor=actor, opportunity=opp, data={"kind": kind, "notes": "拜访客户", "occurred_at": when},
                        now=when)


def numbers(rows):  # type: ignore[no-untyped-def]
    return [r.number for r in rows]


def everything(day):  # type: ignore[no-untyped-def]
    return {r.number for rows in (day.overdue, day.today, day.upcoming, day.not_updated, day.zombies) for r in rows}


def test_confirmation_touched_four_days_ago_is_overdue(org):
    """spec: C2 — a touch every 3 days: the last one 4 days ago makes the next one a day overdue, with
    the rule, the last touch, how late, and the stage's preferred channel."""
    opp = in_confirmation(org.r1, entered=WED - 8 * DAY, name="MES 升级")
    touch(org.r1, opp, WED - 4 * DAY)
    day = my_day(user=org.r1, now=WED)
    assert numbers(day.overdue) == [opp.number]
    row = day.overdue[0]
    assert row.name == "MES 升级" and row.customer == opp.customer.name
    assert row.stage_name == "Requirement confirmation"
    assert row.what == "1 touch every 3 days — last touch 2026-11-14"
    assert row.due_at == WED - DAY and row.overdue_label == "1\xa0day"
    assert row.channels == ("On-site visit",)
    assert row.href == reverse("opportunities:card", kwargs={"number": opp.number})
    assert numbers(day.today) == [] and numbers(day.upcoming) == []


def test_touched_today_is_not_due_but_coming_up(org):
    """spec: C2 — a touch this morning covers the next 3 days: not overdue, not due today."""
    opp = in_confirmation(org.r1, entered=WED - 8 * DAY)
    touch(org.r1, opp, WED - dt.timedelta(hours=1))
    day = my_day(user=org.r1, now=WED)
    assert numbers(day.overdue) == [] and numbers(day.today) == []
    assert numbers(day.upcoming) == [opp.number]
    assert day.upcoming[0].due_at == WED - dt.timedelta(hours=1) + 3 * DAY
    assert day.not_updated == []  # updated today: no reminder either


def test_due_later_today(org):
    """spec: C1 — discovery, 1 touch a week: last touched a week ago at 15:00 → due today at 15:00."""
    opp = make_opportunity(actor=org.r1, now=WED - 10 * DAY)
    touch(org.r1, opp, WED - 7 * DAY + dt.timedelta(hours=5), kind="phone")
    day = my_day(user=org.r1, now=WED)
    assert numbers(day.today) == [opp.number]
    assert day.today[0].due_at == WED + dt.timedelta(hours=5)
    assert day.today[0].channels == ("Phone", "WeCom")


def test_logging_a_follow_up_removes_it_from_overdue(org):
    """spec: C1, P1 — logging the touch (followups.services.followup_log) takes it off the overdue list."""
    opp = make_opportunity(actor=org.r1, now=WED - 10 * DAY)
    assert numbers(my_day(user=org.r1, now=WED).overdue) == [opp.number]
    touch(org.r1, opp, WED, kind="phone")
    day = my_day(user=org.r1, now=WED + dt.timedelta(minutes=1))
    assert numbers(day.overdue) == [] and numbers(day.today) == []
    assert numbers(day.upcoming) == [opp.number]


def test_two_touches_a_week_in_solution(org):
    """spec: C3 — 2 touches a week: one touch in the window is not enough; the rule says how many."""
    opp = in_confirmation(org.r1, entered=WED - 20 * DAY)
    opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="solution", now=WED - 10 * DAY)
    touch(org.r1, opp, WED - 2 * DAY, kind="meeting")
    day = my_day(user=org.r1, now=WED)
    assert numbers(day.overdue) == [opp.number]
    assert day.overdue[0].what.startswith("2 touches every 7 days (1 of 2 in the current window)")
    assert day.overdue[0].channels == ("Executive visit", "Meeting")


def test_daily_update_reminder_before_the_playbook_time_only(org):
    """spec: P1 — before 18:00 (playbook rules.daily_update_time) the opportunities without a follow-up
    today are listed; from 18:00 on the reminder is gone; one updated today is never listed."""
    stale = make_opportunity(actor=org.r1, now=WED - 2 * DAY, name="昨天更新过")
    fresh = make_opportunity(actor=org.r1, now=WED - 2 * DAY, name="今天更新过")
    touch(org.r1, fresh, WED, kind="phone")
    before = my_day(user=org.r1, now=WED.replace(hour=17, minute=59))
    assert numbers(before.not_updated) == [stale.number]
    assert before.update_by == dt.time(18, 0)
    after = my_day(user=org.r1, now=WED.replace(hour=18, minute=0))
    assert after.not_updated == [] and after.update_by is None


def test_no_reminder_on_a_day_off(org):
    """spec: P1 — Saturday is not a working day: no daily-update reminder."""
    make_opportunity(actor=org.r1, now=WED - 2 * DAY)
    assert my_day(user=org.r1, now=WED + 3 * DAY).not_updated == []


def test_zombie_warnings(org):
    """spec: P6 — 3 calendar days without a follow-up → −5 points; more than 7 → the manager steps in;
    2 days → a warning that tomorrow costs points."""
    penalty = make_opportunity(actor=org.r1, now=dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH), name="三天没跟进")
    touch(org.r1, penalty, dt.datetime(2026, 11, 15, 9, 0, tzinfo=SH))  # Sun; Mon, Tue complete → 2 days
    intervene = make_opportunity(actor=org.r1, now=dt.datetime(2026, 11, 4, 9, 0, tzinfo=SH), name="很久没跟进")
    day = my_day(user=org.r1, now=WED)
    levels = {r.number: (r.zombie_level, r.zombie.days_without_update) for r in day.zombies}
    assert levels == {penalty.number: ("warning", 2), intervene.number: ("intervention", 13)}
    assert numbers(day.zombies) == [intervene.number, penalty.number]  # the longest streak first
    later = my_day(user=org.r1, now=WED + DAY)
    assert {r.number: r.zombie_level for r in later.zombies}[penalty.number] == "penalty"


def test_page_warns_of_a_zombie(org):
    """spec: P6 — on the page: a month without a follow-up shows the days, the points and the manager."""
    opp = make_opportunity(actor=org.r1, now=timezone.now() - 30 * DAY, name="很久没跟进")
    html = client_for(org.r1).get(reverse("followups:my_day")).content.decode()
    zombies = html[html.index('id="my-day-zombies"'):html.index('id="my-day-upcoming"')]
    assert opp.number in zombies and "No follow-up for 29 days" in zombies and "working days" not in zombies
    assert "−5 performance points this month, and your manager must step in." in zombies


def test_another_reps_opportunities_never_appear(org):
    """spec: P1-P4 — my day lists only one's own opportunities: not a colleague's, and for a manager
    not the team's (they are on the board)."""
    mine = make_opportunity(actor=org.r1, now=WED - 10 * DAY)
    theirs = make_opportunity(actor=org.r2, now=WED - 10 * DAY)
    east2 = make_opportunity(actor=org.r3, now=WED - 10 * DAY)
    assert everything(my_day(user=org.r1, now=WED)) == {mine.number}
    assert everything(my_day(user=org.r2, now=WED)) == {theirs.number}
    assert everything(my_day(user=org.m1, now=WED)) == set()
    assert everything(my_day(user=org.director, now=WED)) == set()
    html = client_for(org.r2).get(reverse("followups:my_day")).content.decode()
    assert theirs.number in html and mine.number not in html and east2.number not in html


def test_a_manager_sees_own_opportunities_and_the_empty_state_says_so(org):
    """spec: P4 — a manager owning no opportunity gets an empty page explaining the team is on the board;
    one they own themselves is listed."""
    html = client_for(org.m1).get(reverse("followups:my_day")).content.decode()
    assert "only the opportunities you own yourself" in html
    assert reverse("opportunities:board") in html
    own = make_opportunity(actor=org.m1, now=timezone.now() - 10 * DAY)
    html = client_for(org.m1).get(reverse("followups:my_day")).content.decode()
    assert own.number in html


def test_page_shows_rows_and_the_nav_link(org):
    """spec: P1, C2 — the page at the real clock: an overdue confirmation row with number (link to the
    card), customer, stage name, rule, how late and channel; "My day" sits before "Pipeline board"."""
    now = timezone.now()
    opp = in_confirmation(org.r1, entered=now - 8 * DAY, name="WMS 仓储")
    touch(org.r1, opp, now - 4 * DAY)
    response = client_for(org.r1).get(reverse("followups:my_day"))
    assert response.status_code == 200
    html = response.content.decode()
    overdue = html[html.index('id="my-day-overdue"'):html.index('id="my-day-today"')]
    card = reverse("opportunities:card", kwargs={"number": opp.number})
    assert f'href="{card}"' in overdue and "WMS 仓储" in overdue and opp.customer.name in overdue
    assert "Requirement confirmation" in overdue and "1 touch every 3 days — last touch" in overdue
    assert "1\xa0day overdue" in overdue and "On-site visit" in overdue
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    assert nav.index("My day") < nav.index("Pipeline board")
    assert 'aria-current="page">My day' in nav
    zh = client_for(org.r1, "zh-hans").get(reverse("followups:my_day")).content.decode()
    assert "需求确认" in zh  # the stage name comes from the playbook in the page's language


def test_login_required(client, org):
    """spec: P1 — the page is for logged-in users."""
    response = client.get(reverse("followups:my_day"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_coming_up_shows_a_few(org):
    """spec: P1 — "coming up next" lists the nearest few, then says how many more."""
    for i in range(UPCOMING_LIMIT + 2):
        touch(org.r1, make_opportunity(actor=org.r1, now=WED - 2 * DAY, name=f"商机{i}"), WED - dt.timedelta(hours=i))
    day = my_day(user=org.r1, now=WED)
    assert len(day.upcoming) == UPCOMING_LIMIT and day.upcoming_more == 2
    assert [r.due_at for r in day.upcoming] == sorted(r.due_at for r in day.upcoming)


def _queries(user, now):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        day = my_day(user=user, now=now)
    return len(ctx.captured_queries), day


def test_fixed_query_count(org):
    """spec: P1, architecture "fixed query count" — 2 or 20 opportunities with follow-ups and pending
    approval requests: the same queries (opportunities, calendar, follow-ups, the rep's own requests; a
    rep decides no approvals, so that list costs no query; the next gates of all of them: the opportunities'
    gate facts, one query per kind of fact)."""
    def build(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            opp = in_confirmation(org.r1, entered=WED - 8 * DAY, name=f"商机{i}") if i % 2 else \
                make_opportunity(actor=org.r1, now=WED - 9 * DAY, name=f"商机{i}")
            touch(org.r1, opp, WED - dt.timedelta(days=i % 5, hours=1))
            if opp.stage == "discovery":
                approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=WED - DAY)

    def page_queries():  # type: ignore[no-untyped-def]
        client = client_for(org.r1)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("followups:my_day")).status_code == 200
        return len(ctx.captured_queries)

    build(2)
    _queries(org.r1, WED)  # the playbook parsed once per process
    few, day = _queries(org.r1, WED)
    few_page = page_queries()
    assert day.open_count == 2
    build(18)
    many, day = _queries(org.r1, WED)
    assert day.open_count == 20
    assert len(day.overdue) + len(day.today) + len(day.upcoming) + day.upcoming_more == 20
    assert len(day.my_requests) == 10
    assert few == many == 17  # incl. the customers waiting for an answer (C1-C4), the playbook versions
    assert page_queries() == few_page


def test_reminder_on_the_page(org, rf):
    """spec: P1 — the page's reminder names the playbook's time and each opportunity not updated today
    (rendered at a fixed working-day afternoon)."""
    from django.template.loader import render_to_string

    stale = make_opportunity(actor=org.r1, now=WED - 2 * DAY, name="昨天更新过")
    request = rf.get(reverse("followups:my_day"))
    request.user = org.r1
    html = render_to_string("followups/my_day.html", {"day": my_day(user=org.r1, now=WED.replace(hour=17)),
                                                       "oversees_others": False}, request=request)
    reminder = html[html.index('id="my-day-reminder"'):html.index('id="my-day-overdue"')]
    assert "Update before 18:00: 1 opportunity has no follow-up logged today" in reminder
    assert stale.number in reminder
    late = render_to_string("followups/my_day.html", {"day": my_day(user=org.r1, now=WED.replace(hour=18)),
                                                      "oversees_others": False}, request=request)
    assert 'id="my-day-reminder"' not in late


# ---------------------------------------------------------------- approvals (P1, M2, H4)


def test_approvals_waiting_for_the_manager_and_the_reps_own_requests(org):
    """spec: P1, M2 — the rep's screening-report request waits for the team's manager: it is in the
    manager's "approvals waiting for you" (not another team's manager's) and in the rep's "your requests
    waiting"; once decided, it leaves both."""
    opp = make_opportunity(actor=org.r1, now=WED - 2 * DAY, name="产线数字化")
    west = make_opportunity(actor=org.r2, now=WED - 2 * DAY)
    approval = approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=WED - DAY,
                                note="匹配度 80%")
    approval_request(actor=org.r2, opportunity=west, key="screening_report", now=WED - DAY)

    manager = my_day(user=org.m1, now=WED)
    assert [(r.number, r.what, r.requested_by, r.note) for r in manager.approvals_waiting] == [
        (opp.number, "Screening report approval", str(org.r1), "匹配度 80%")]
    assert manager.approvals_waiting[0].href == reverse("gates:stage", kwargs={"number": opp.number}) + "#approvals"
    assert manager.approvals_waiting[0].requested_at == WED - DAY
    assert manager.my_requests == [] and not manager.nothing_due
    assert [r.number for r in my_day(user=org.m2, now=WED).approvals_waiting] == [west.number]
    rep = my_day(user=org.r1, now=WED)
    assert rep.approvals_waiting == [] and [r.number for r in rep.my_requests] == [opp.number]

    approval_decide(actor=org.m1, approval=approval, approve=True, comment="", now=WED)
    assert my_day(user=org.m1, now=WED).approvals_waiting == []
    assert my_day(user=org.r1, now=WED).my_requests == []


def test_nobody_is_asked_to_approve_their_own_opportunity(org):
    """spec: M2 — a manager's request on their own opportunity waits for the director, not for them."""
    own = make_opportunity(actor=org.m1, now=WED - 2 * DAY)
    approval_request(actor=org.m1, opportunity=own, key="screening_report", now=WED - DAY)
    assert my_day(user=org.m1, now=WED).approvals_waiting == []
    assert [r.number for r in my_day(user=org.m1, now=WED).my_requests] == [own.number]
    assert [r.number for r in my_day(user=org.director, now=WED).approvals_waiting] == [own.number]


def test_approvals_on_the_page(org):
    """spec: P1 — a manager who owns nothing still sees the approvals waiting, with the opportunity, what is
    asked, who asked and a link to decide on the stage page; the rep sees the request waiting."""
    opp = make_opportunity(actor=org.r1, now=timezone.now() - 2 * DAY, name="产线数字化")
    approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=timezone.now())
    html = client_for(org.m1).get(reverse("followups:my_day")).content.decode()
    section = html[html.index('id="my-day-approvals"'):html.index('id="my-day-empty"')]
    stage = reverse("gates:stage", kwargs={"number": opp.number})
    assert "Approvals waiting for you" in section and opp.number in section and "产线数字化" in section
    assert "Screening report approval" in section and str(org.r1) in section
    assert f'href="{stage}#approvals"' in section
    html = client_for(org.r1).get(reverse("followups:my_day")).content.decode()
    assert 'id="my-day-approvals"' not in html
    requests = html[html.index('id="my-day-requests"'):]
    assert "Your requests waiting" in requests and "Screening report approval" in requests


def test_manager_query_count_does_not_grow_with_approvals(org):
    """spec: P1, architecture "fixed query count" — a manager's my day with 1 or 6 approvals waiting."""
    def request(n):  # type: ignore[no-untyped-def]
        for _ in range(n):
            opp = make_opportunity(actor=org.r1, now=WED - 2 * DAY)
            approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=WED - DAY)

    def count():  # type: ignore[no-untyped-def]
        org.m1.__dict__.pop("_opphub_managed_team_ids", None)  # as on a fresh request
        return _queries(org.m1, WED)

    request(1)
    count()
    one, day = count()
    assert len(day.approvals_waiting) == 1
    request(5)
    six, day = count()
    assert len(day.approvals_waiting) == 6 and one == six


def test_next_gates_closest_to_ready_first(org):
    """spec: P1, M2 — My day lists what each open opportunity still needs before its next step; one whose
    gate is met shows as ready, first."""
    from tests.stagework import fulfil

    far = make_opportunity(actor=org.r1, now=WED - DAY, name="刚开始")
    ready = fulfil(make_opportunity(actor=org.r1, now=WED - DAY, name="可推进"))
    with translation.override("en"):
        gates = my_day(user=org.r1, now=WED).gates
    assert [g.number for g in gates] == [ready.number, far.number]
    assert gates[0].missing == [] and gates[0].target == "Advance to Requirement confirmation"
    assert "Upload the Screening report." in gates[1].missing
    html = client_for(org.r1).get(reverse("followups:my_day")).content.decode()
    assert 'id="my-day-gates"' in html and f"/opportunities/{ready.number}/stage/#gate" in html
