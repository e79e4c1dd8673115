"""spec: P1, C1, M3, M5, P4 — escalation in a real browser (issue 4 "Show").

A rep's "My day" lists the due discovery touch; after the follow-up is logged on the card it is gone.
Then the periodic scan escalates another overdue opportunity of the rep at once (the standard playbook has
no grace: overdue items alert the manager), and once only (a scan two days later sends nothing more): their
manager logs in (a second browser context) and sees the escalated item on the team-health page and its
"high risk" badge on the board.

The second opportunity has been in discovery for 25 days (the playbook's default average of 14 days ×
1.5 = 21: high risk, M5) and was last touched 7 days and 2 hours ago (1 touch a week, C1: overdue by 2
hours).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opphub.alerts.models import Alert, AlertKind
from opphub.alerts.scan import scan_run
from opphub.followups.services import followup_log
from opphub.gates.services import approval_request
from tests.factories import make_opportunity

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_due_touch_leaves_my_day_and_the_manager_sees_the_escalation(org, live_server, new_page):
    now = timezone.now()
    due = make_opportunity(actor=org.r1, now=now - dt.timedelta(days=10), name="设备联网改造")
    slipping = make_opportunity(actor=org.r1, now=now - dt.timedelta(days=25), name="仓储自动化二期")
    touched = now - dt.timedelta(days=7, hours=2)
    followup_log(actor=org.r1, opportunity=slipping, now=touched,
                 data={"kind": "phone", "notes": "客户说内部还在讨论", "occurred_at": touched})

    # the rep: the due touch is on "My day"; logging the follow-up on the card takes it off
    rep = new_page("zh-CN")
    login(rep, live_server, "r1")
    rep.click("nav.mainnav a[href='/my-day/']")
    expect(rep.locator(f"#my-day-overdue tr[data-number='{due.number}']")).to_contain_text("设备联网改造")
    expect(rep.locator("nav.mainnav")).not_to_contain_text("团队健康")  # P4 pages are for managers
    rep.locator(f"#my-day-overdue tr[data-number='{due.number}'] a").first.click()
    expect(rep).to_have_url(f"{live_server.url}/opportunities/{due.number}/")
    rep.select_option("#id_kind", "phone")
    rep.fill("#id_notes", "电话确认需求与预算")
    rep.click("#followups button[type=submit]")
    expect(rep.locator("#followups")).to_contain_text("电话确认需求与预算")
    rep.goto(f"{live_server.url}/my-day/")
    expect(rep.locator("#my-day-overdue")).not_to_contain_text(due.number)
    expect(rep.locator("#my-day-overdue")).to_contain_text(slipping.number)  # still overdue

    # the scan at real time escalates it to the manager at once (2 hours overdue; grace 0, M3) ...
    assert scan_run(now=now, x3=False).escalated == 1
    # ... and only once
    assert scan_run(now=now + dt.timedelta(days=2), x3=False).escalated == 0
    alert = Alert.objects.get(opportunity=slipping, kind=AlertKind.OVERDUE_TOUCH, escalated_at__isnull=False)
    assert alert.escalated_to == org.m1
    assert not Alert.objects.filter(opportunity=due, kind=AlertKind.OVERDUE_TOUCH, resolved_at__isnull=True).exists()

    # the manager, in a second browser context: My day asks for the rep's pending approval (P1) ...
    approval_request(actor=org.r1, opportunity=slipping, key="screening_report", now=now)
    manager = new_page("zh-CN")
    login(manager, live_server, "m1")
    manager.click("nav.mainnav a[href='/my-day/']")
    waiting = manager.locator(f"#my-day-approvals tr[data-number='{slipping.number}']")
    expect(waiting).to_contain_text("商机初筛报告审批")
    expect(waiting).to_contain_text(str(org.r1))
    screenshot(manager, "my-day-approvals")
    # ... and team health the escalated touch (P4, M3)
    manager.click("nav.mainnav a[href='/team/health/']")
    expect(manager.locator("h1")).to_have_text("团队健康度")
    escalated = manager.locator("#team-escalated")
    expect(escalated).to_contain_text(slipping.number)
    expect(escalated).to_contain_text("仓储自动化二期")
    expect(escalated).not_to_contain_text(due.number)
    expect(manager.locator("#team-health tr[data-user='r1']")).to_be_visible()
    screenshot(manager, "team-health")

    manager.click("nav.mainnav a[href='/opportunities/board/']")
    card = manager.locator(f"li.board-card[data-number='{slipping.number}']")
    expect(card.locator(".badge.bad")).to_have_text("高风险")
    expect(manager.locator(f"li.board-card[data-number='{due.number}'] .badge.bad")).to_have_count(0)
