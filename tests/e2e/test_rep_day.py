"""spec: S1, M1, P1-P4 — a rep's first opportunity in a real browser, seen (or not) by others.

A rep logs in, creates a customer, a contact and an opportunity, sees its generated number, logs a
follow-up and sees it on the card and on the board; a second rep gets 404 for it on the page and the
API; their manager sees it; the language switch turns the page from Chinese into English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opphub.customers import credit_code

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

CODE17 = "91310115MA1K4XYW0"
CREDIT_CODE = CODE17 + credit_code.check_char(CODE17)


def test_rep_creates_logs_and_others_see_what_they_may(org, live_server, new_page):
    page = new_page("zh-CN")
    login(page, live_server, "r1")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # customer
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_name", "上海星辰精密机械有限公司")
    page.fill("#id_credit_code", CREDIT_CODE)
    page.select_option("#id_region", label="上海 (SH)")
    page.select_option("#id_industry", "manufacturing")
    page.select_option("#id_size", "large")
    page.click("form.panel button[type=submit]")
    expect(page.locator("h1")).to_contain_text("上海星辰精密机械有限公司")
    customer_url = page.url

    # contact: the decision maker
    page.click(f"a[href$='{customer_url.split(live_server.url)[1]}contacts/new/'], a[href*='/contacts/new/']")
    page.fill("#id_name", "陈建国")
    page.fill("#id_title", "总经理")
    page.check("#id_is_director_or_above")
    page.select_option("#id_decision_role", "decision_maker")
    page.click("form.panel button[type=submit]")
    expect(page.locator("body")).to_contain_text("陈建国")

    # opportunity (S1 screening form)
    page.goto(f"{live_server.url}/opportunities/new/")
    page.select_option("#id_customer", label="上海星辰精密机械有限公司")
    page.fill("#id_name", "MES 二期升级")
    page.fill("#id_amount", "880000")
    page.fill("#id_expected_close_date", "2027-03-31")
    page.fill("#id_pain_points", "车间数据靠人工抄录，交期经常延误")
    page.fill("#id_requirement_1", "设备联网与实时看板")
    page.click("form.panel button[type=submit]")
    number = page.locator("h1, .card-number").first.inner_text()
    match = re.search(r"\d{4}-SH-\d{3}", page.content())
    assert match, number
    number = match.group(0)
    assert page.url.endswith(f"/opportunities/{number}/")
    expect(page.locator("body")).to_contain_text(number)
    expect(page.locator("body")).to_contain_text("陈建国")

    # follow-up from the card; the decision maker becomes "contacted"
    page.select_option("#id_kind", "visit")
    page.check("input[name=contacts]")
    page.fill("#id_notes", "拜访陈总，确认预算约88万，计划明年一季度上线")
    page.fill("#id_next_step", "下周三提交方案初稿")
    page.click("#followups button[type=submit], form[hx-post*='followups'] button[type=submit]")
    expect(page.locator("#followups")).to_contain_text("拜访陈总，确认预算约88万")
    expect(page.locator("#last-followup")).not_to_contain_text("暂无")  # the header follows the new touch
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "card")

    _more_pipeline(org)
    page.goto(f"{live_server.url}/opportunities/board/")
    expect(page.locator("body")).to_contain_text(number)
    screenshot(page, "board")

    # a second rep: 404 on the page and the API
    other = new_page("zh-CN")
    login(other, live_server, "r2")
    response = other.goto(f"{live_server.url}/opportunities/{number}/")
    assert response is not None and response.status == 404
    api = other.request.get(f"{live_server.url}/api/opportunities/{number}")
    assert api.status == 404
    other.goto(f"{live_server.url}/opportunities/board/")
    expect(other.locator("body")).not_to_contain_text(number)

    # the manager of r1's team sees it, with the follow-up
    manager = new_page("zh-CN")
    login(manager, live_server, "m1")
    response = manager.goto(f"{live_server.url}/opportunities/{number}/")
    assert response is not None and response.status == 200
    expect(manager.locator("#followups")).to_contain_text("拜访陈总")
    assert manager.request.get(f"{live_server.url}/api/opportunities/{number}").status == 200

    # language switch: Chinese → English
    expect(page.locator("nav.mainnav")).to_contain_text("商机看板")
    page.select_option("#language-select", "en")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.mainnav")).to_contain_text("Pipeline board")


def _more_pipeline(org):
    """A few more of r1's opportunities in later stages, so the board screenshot shows a pipeline."""
    from decimal import Decimal

    from django.utils import timezone

    from opphub.workflow.services import opportunity_move_stage
    from tests.factories import make_opportunity
    from tests.stagework import fulfil

    now = timezone.now()
    plan = [("WMS 仓储管理系统", "1250000", 1), ("设备物联网平台", "460000", 2), ("ERP 财务模块", "2300000", 3),
            ("质量追溯系统", "380000", 2)]
    for name, amount, steps in plan:
        opp = make_opportunity(actor=org.r1, now=now, name=name, amount=Decimal(amount))
        for stage in ("confirmation", "solution", "closing")[:steps]:
            opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage=stage, now=now)


def test_board_on_a_phone(org, live_server, new_page):
    """Pages work in WeCom's in-app browser (a phone-sized viewport)."""
    from tests.factories import NOW, make_opportunity

    make_opportunity(actor=org.r1, now=NOW, name="手机上看的商机")
    page = new_page("zh-CN", width=390, height=844)
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/opportunities/board/")
    expect(page.locator("body")).to_contain_text("手机上看的商机")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page itself must not scroll sideways (the board columns may)"
    screenshot(page, "board-phone")
