"""Browser: the director's team health grouped by team, and the weekly review sorted and filtered by the
controls a manager uses (spec P4)."""

from __future__ import annotations

import pytest

from ..alerts.test_team_pages import _review_org, _score
from .conftest import login, screenshot


@pytest.mark.django_db(transaction=True)
def test_director_team_health_and_the_review_filters(org, live_server, new_page):
    """spec: P4 — the director sees 华东二部 inside 华东一部 with both subtotals and the total, the page fits
    the window; on the review, choosing a risk kind and then sorting by days in stage keeps the filter."""
    from django.utils import timezone

    big, old, quiet, _west = _review_org(org)
    _score(big, "82", timezone.now())
    _score(old, "58", timezone.now())
    page = new_page(locale="en", width=1440, height=900)
    login(page, live_server, "director")
    page.goto(f"{live_server.url}/team/health/")
    assert page.locator("tr.team-subtotal").count() == 3 and page.locator("tr.team-total").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "team-health-director")
    page.select_option("#team-health-team", str(org.east2.pk))
    page.click("#team-health-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("tr[data-user]").count() == 1 and "team=" in page.url
    page.goto(f"{live_server.url}/team/review/")
    page.select_option("#review-kind", "slow_response")
    page.click("#review-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("a[data-sort=days]")
    page.wait_for_load_state("networkidle")
    assert "kind=slow_response" in page.url and "sort=days" in page.url
    numbers = page.locator("#review tbody tr[data-number]").evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert numbers == [old.number, quiet.number]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "weekly-review")


@pytest.mark.django_db(transaction=True)
def test_team_pages_fit_a_phone(org, live_server, new_page):
    """spec: P4 — on a 390 px phone the grouped team health and the filtered review do not scroll sideways
    (their tables scroll inside themselves)."""
    _review_org(org)
    page = new_page(locale="zh-CN", width=390, height=844)
    login(page, live_server, "director")
    for url, shot in (("/team/health/", "team-health-phone"), ("/team/review/?sort=days", "weekly-review-phone")):
        page.goto(f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), url
        screenshot(page, shot)
