"""Issue 9 item 4 — under the Content-Security-Policy (scripts and styles from this server only) every page
works in a real browser: no violation is reported, the language switch (formerly an inline handler)
and the opportunity form's defaults (formerly an inline script) still work, Swagger UI renders."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import CustomerFactory, make_opportunity

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_work_under_the_csp_without_violations(org, live_server, new_page):
    customer = CustomerFactory(owner=org.r1, region=org.region, industry="logistics", size="large")
    opp = make_opportunity(actor=org.r1, customer=customer)
    page = new_page("zh-CN")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, live_server, "m1")
    for path in ("/", "/opportunities/board/", "/opportunities/", "/my-day/", f"/opportunities/{opp.number}/",
                 f"/opportunities/{opp.number}/stage/", "/customers/", f"/customers/{customer.pk}/",
                 "/team/health/", "/team/review/", "/calendar/", "/notifications/", "/api/docs"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
    expect(page.locator(".swagger-ui .info")).to_be_visible()  # Swagger UI rendered under the policy

    # the opportunity form's defaults from the customer (a static script now)
    page.goto(f"{live_server.url}/opportunities/new/")
    page.select_option("#id_customer", str(customer.pk))
    expect(page.locator("#id_industry")).to_have_value("logistics")
    expect(page.locator("#id_company_size")).to_have_value("large")

    # the language switch submits on change (no inline onchange)
    page.select_option("#language-select", "en")
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert violations == []
