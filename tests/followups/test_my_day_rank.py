"""spec: P1, C1-C4, P6, R4 — My day ranks the work: the counts first; overdue and due-today touches in order of
urgency (whole days late) and then amount, each with its next action; the daily-update reminder compact in
the morning and listing the opportunities in its last hours; presales, customer success, finance and legal
get the opportunities they support and the reviews waiting for them (amount, deadline) instead of an empty
page; a fixed number of queries however many rows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from opphub.followups.selectors import REMINDER_EXPANDS_HOURS, my_day
from opphub.followups.services import followup_log, request_record
from opphub.gates.services import approval_request
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.services import opportunity_assign
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
WED = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a working Wednesday, 10:00 in Shanghai
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def opp(org, *, created, amount, name="商机"):  # type: ignore[no-untyped-def]
    return make_opportunity(actor=org.r1, now=created, name=name, amount=Decimal(amount))


def page(user, day, rf, supports=False, reviews=False):  # type: ignore[no-untyped-def]
    request = rf.get(reverse("followups:my_day"))
    request.user = user
    return render_to_string("followups/my_day.html", {"day": day, "oversees_others": False, "supports": supports,
                                                       "reviews": reviews}, request=request)


def test_overdue_ranked_by_days_late_then_amount(org):
    """spec: C1, P1 — discovery (1 touch a week): two touches 3 days late and one 1 day late. The longer
    late come first; of the two on the same day the larger amount first, although it fell due later."""
    small = opp(org, created=WED - 10 * DAY, amount="100000", name="小单")
    big = opp(org, created=WED - 10 * DAY + 2 * HOUR, amount="900000", name="大单")
    recent = opp(org, created=WED - 8 * DAY, amount="5000000", name="刚逾期")
    day = my_day(user=org.r1, now=WED)
    assert [r.number for r in day.overdue] == [big.number, small.number, recent.number]


def test_due_today_ranked_by_amount(org):
    """spec: C1, P1 — two touches due today: the larger amount first, though it falls due later."""
    early = opp(org, created=WED - 10 * DAY, amount="100000")
    late = opp(org, created=WED - 10 * DAY, amount="2000000")
    for o, at in ((early, WED - 7 * DAY + HOUR), (late, WED - 7 * DAY + 5 * HOUR)):
        followup_log(actor=org.r1, opportunity=o, data={"kind": "phone", "notes": "电话", "occurred_at": at}, now=at)
    day = my_day(user=org.r1, now=WED)
    assert [r.number for r in day.today] == [late.number, early.number]
    assert day.today[0].action == "Call, then log it"  # discovery prefers the phone


def test_counts_open_the_page_and_each_row_has_its_next_action(org, rf):
    """spec: P1, P6 — the page opens with the counts (overdue, due today, customer requests, days without a
    follow-up) before any list; an overdue row offers its next action, logging the touch on the card."""
    o = opp(org, created=WED - 10 * DAY, amount="800000", name="设备联网")
    html = page(org.r1, my_day(user=org.r1, now=WED), rf)
    counts = html[html.index('id="my-day-counts"'):html.index("</ul>", html.index('id="my-day-counts"'))]
    assert "<strong>1</strong> overdue" in counts and "<strong>0</strong> due today" in counts
    assert "customer requests" in counts and "without follow-up for days" in counts
    assert html.index('id="my-day-counts"') < html.index('id="my-day-reminder"') < html.index('id="my-day-overdue"')
    overdue = html[html.index('id="my-day-overdue"'):html.index('id="my-day-today"')]
    card = reverse("opportunities:card", kwargs={"number": o.number})
    assert f'href="{card}#followups">Call, then log it</a>' in overdue
    assert "¥800,000" in overdue


def test_reminder_compact_in_the_morning_and_listing_near_the_update_time(org, rf):
    """spec: P1 — before the playbook's rules.daily_update_time (18:00) the reminder is one line with the
    count in the morning; in the last hours (a constant of the page) it opens and lists the opportunities."""
    stale = opp(org, created=WED - 2 * DAY, amount="100000")
    update_by = playbook_of(stale.playbook_version).rules.daily_update_time
    at_update = WED.replace(hour=update_by.hour, minute=update_by.minute)
    morning = my_day(user=org.r1, now=WED.replace(hour=9))
    assert not morning.reminder_expanded and [r.number for r in morning.not_updated] == [stale.number]
    html = page(org.r1, morning, rf)
    reminder = html[html.index('id="my-day-reminder"') - 60:html.index("</details>")]
    assert " open>" not in reminder and "1 opportunity has no follow-up logged today" in reminder
    assert not my_day(user=org.r1, now=at_update - REMINDER_EXPANDS_HOURS * HOUR - dt.timedelta(minutes=1)
                      ).reminder_expanded
    near = my_day(user=org.r1, now=at_update - REMINDER_EXPANDS_HOURS * HOUR)
    assert near.reminder_expanded
    html = page(org.r1, near, rf)
    assert 'id="my-day-reminder" open>' in html


def test_presales_my_day_lists_the_supported_opportunities(org):
    """spec: P2 — a presales engineer owns nothing: My day lists the open opportunities they are assigned to
    (owner, stage, amount), with the stage page to work on, not "you own no open opportunities"."""
    o = opp(org, created=WED - 3 * DAY, amount="1200000", name="产线数字化")
    opp(org, created=WED - 3 * DAY, amount="300000", name="别的商机")
    opportunity_assign(actor=org.r1, opportunity=o, user=org.presales, now=WED - 2 * DAY)
    day = my_day(user=org.presales, now=WED)
    assert [(s.number, s.owner, s.stage_name, s.amount) for s in day.supported] == [
        (o.number, str(org.r1), "Discovery", Decimal("1200000"))]
    assert day.supported[0].work_href == reverse("gates:stage", kwargs={"number": o.number})
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.presales)
    html = c.get(reverse("followups:my_day")).content.decode()
    supported = html[html.index('id="my-day-supported"'):]
    assert "Opportunities you support" in supported and o.number in supported and "产线数字化" in supported
    assert "¥1,200,000" in supported and "别的商机" not in html
    assert "You own no open opportunities" not in html


def test_customer_success_with_nothing_assigned_is_told_how_assignments_happen(org):
    """spec: P3 — a customer success manager with no assignment sees why the list is empty."""
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.cs)
    html = c.get(reverse("followups:my_day")).content.decode()
    assert "No open opportunity is assigned to you yet" in html and "You own no open opportunities" not in html


def test_finance_review_waits_with_amount_and_deadline(org, rf):
    """spec: R4, M2 — the finance contract review the rep asked for waits for the assigned finance reviewer
    with the amount and the deadline: the playbook's working days after the request (3 → Monday)."""
    o = opp(org, created=WED - 5 * DAY, amount="2500000", name="合同评审")
    opportunity_assign(actor=org.r1, opportunity=o, user=org.finance, now=WED - 2 * DAY)
    approval_request(actor=org.r1, opportunity=o, key="contract_finance", now=WED)
    assert playbook_of(o.playbook_version).number("resource_queue", "contract_review_working_days") == 3
    day = my_day(user=org.finance, now=WED)
    [review] = day.approvals_waiting
    assert (review.number, review.what, review.amount) == (o.number, "Finance contract review", Decimal("2500000"))
    assert review.deadline == dt.date(2026, 11, 23) and not review.deadline_overdue
    assert my_day(user=org.finance, now=WED + 6 * DAY).approvals_waiting[0].deadline_overdue
    assert [s.number for s in day.supported] == [o.number]
    html = page(org.finance, day, rf, supports=True, reviews=True)
    reviews = html[html.index('id="my-day-approvals"'):html.index('id="my-day-supported"')]
    assert "Reviews waiting for you" in reviews and "¥2,500,000" in reviews and "2026-11-23" in reviews
    assert "<strong>1</strong> reviews waiting on me" in html


def test_a_supporter_sees_the_customer_requests_they_owe(org, rf):
    """spec: C3 — a proposal feedback owed by the presales engineer is on their My day, counted."""
    o = opp(org, created=WED - 5 * DAY, amount="100000", name="方案反馈")
    opportunity_assign(actor=org.r1, opportunity=o, user=org.presales, now=WED - 2 * DAY)
    request_record(actor=org.r1, opportunity=o, kind="feedback", text="对方案的技术问题", received_at=WED - HOUR,
                   now=WED, owed_by=org.presales)
    day = my_day(user=org.presales, now=WED)
    assert [r.number for r in day.responses] == [o.number]
    html = page(org.presales, day, rf, supports=True)
    assert "<strong>1</strong> customer requests" in html and "reviews waiting on me" not in html
    assert "对方案的技术问题" in html[html.index('id="my-day-responses"'):]


def _count(user):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        day = my_day(user=user, now=WED)
    return len(ctx.captured_queries), day


def test_supporters_query_count_is_fixed(org):
    """spec: P2, R4, architecture "fixed query count" — a finance reviewer with 1 or 5 supported
    opportunities and reviews waiting: the same number of queries."""
    def build(n):  # type: ignore[no-untyped-def]
        for i in range(n):
            o = opp(org, created=WED - 5 * DAY, amount=str(100000 * (i + 1)), name=f"商机{i}")
            opportunity_assign(actor=org.r1, opportunity=o, user=org.finance, now=WED - 2 * DAY)
            approval_request(actor=org.r1, opportunity=o, key="contract_finance", now=WED - DAY)

    build(1)
    _count(org.finance)
    few, day = _count(org.finance)
    assert len(day.supported) == len(day.approvals_waiting) == 1
    build(4)
    many, day = _count(org.finance)
    assert len(day.supported) == len(day.approvals_waiting) == 5
    assert few == many
