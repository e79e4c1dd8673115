"""spec: P1, P2, C1 — the morning in a real browser at 1440×900: a rep with 36 open opportunities (6 touches
overdue, 30 not yet updated today) sees the counts and the first overdue touch without scrolling, ranked and
with its next action; a presales engineer's My day lists the opportunity they support.

The page runs at the real clock: whatever the hour, the reminder stays one line or a short list that scrolls
inside itself, so the overdue touches are on the first screen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opphub.opportunities.services import opportunity_assign
from tests.factories import make_opportunity

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
WIDTH, HEIGHT = 1440, 900


def in_first_screen(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, (selector, box)


def test_the_reps_first_screen_shows_the_counts_and_the_overdue_touches(org, live_server, new_page):
    now = timezone.now()
    for i in range(30):
        make_opportunity(actor=org.r1, now=now - dt.timedelta(days=2), name=f"日常商机{i}")
    created = [now - dt.timedelta(days=10, minutes=i) for i in range(6)]  # the larger amount created later
    overdue = [make_opportunity(actor=org.r1, now=at, name=f"逾期商机{i}", amount=Decimal(100000 * (i + 1)))
               for i, at in enumerate(created)]
    page = new_page("zh-CN", WIDTH, HEIGHT)
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/my-day/")
    expect(page.locator("#my-day-counts")).to_contain_text("6")
    in_first_screen(page, "#my-day-counts")
    rows = page.locator("#my-day-overdue tbody tr")
    expect(rows).to_have_count(6)
    in_first_screen(page, "#my-day-overdue tbody tr")
    # as many days late (unless the minutes straddle midnight): the largest amount first, though due last
    if len({timezone.localtime(at).date() for at in created}) == 1:
        expect(rows.first).to_have_attribute("data-number", overdue[-1].number)
    number = rows.first.get_attribute("data-number")
    expect(rows.first.locator(".my-day-action a")).to_have_attribute("href", f"/opportunities/{number}/#followups")
    in_first_screen(page, "#my-day-overdue tbody tr .my-day-action a")
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, "my-day-morning")


def test_presales_my_day_lists_the_supported_opportunity(org, live_server, new_page):
    now = timezone.now()
    supported = make_opportunity(actor=org.r1, now=now - dt.timedelta(days=3), name="产线数字化")
    other = make_opportunity(actor=org.r1, now=now - dt.timedelta(days=3), name="别的商机")
    opportunity_assign(actor=org.r1, opportunity=supported, user=org.presales, now=now)
    page = new_page("zh-CN", WIDTH, HEIGHT)
    login(page, live_server, "presales")
    page.goto(f"{live_server.url}/my-day/")
    row = page.locator(f"#my-day-supported tr[data-number='{supported.number}']")
    expect(row).to_contain_text("产线数字化")
    expect(row).to_contain_text(str(org.r1))
    expect(page.locator("body")).not_to_contain_text(other.number)
    in_first_screen(page, f"#my-day-supported tr[data-number='{supported.number}']")
    screenshot(page, "my-day-presales")
    row.locator("a.button").click()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{supported.number}/stage/")
