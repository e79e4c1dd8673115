"""spec: P1, C1 — a rep's "my day" in a real browser: the overdue discovery touch is listed; after the
follow-up is logged on the card it is gone.

The opportunity is created 10 days ago, so discovery's cadence (1 touch every 7 days) is 3 days overdue.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_opportunity

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_rep_logs_the_due_touch_and_it_leaves_my_day(org, live_server, new_page):
    opp = make_opportunity(actor=org.r1, now=timezone.now() - dt.timedelta(days=10), name="设备联网改造")
    other = make_opportunity(actor=org.r2, now=timezone.now() - dt.timedelta(days=10), name="别人的商机")
    page = new_page("zh-CN")
    login(page, live_server, "r1")

    page.click("nav.mainnav a[href='/my-day/']")
    overdue = page.locator("#my-day-overdue")
    row = overdue.locator(f"tr[data-number='{opp.number}']")
    expect(row).to_contain_text("设备联网改造")
    expect(row).to_contain_text(opp.customer.name)
    expect(row).to_contain_text("商机发现")  # the stage name from the playbook, in the page's language
    expect(page.locator("body")).not_to_contain_text(other.number)
    screenshot(page, "my-day")

    row.locator("a").first.click()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{opp.number}/")
    page.select_option("#id_kind", "phone")
    page.fill("#id_notes", "电话确认需求与预算")
    page.click("#followups button[type=submit]")
    expect(page.locator("#followups")).to_contain_text("电话确认需求与预算")

    page.goto(f"{live_server.url}/my-day/")
    expect(page.locator("#my-day-overdue")).not_to_contain_text(opp.number)
    expect(page.locator("#my-day-today")).not_to_contain_text(opp.number)
    expect(page.locator("#my-day-upcoming")).to_contain_text(opp.number)  # next touch in a week
