"""spec: M2 (issue 10 item 2) — a refused drag shows the way: the board's refusal names the opportunity,
and a click on an unmet item lands on the form that fixes it, the document type already chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opphub.opportunities.models import Opportunity
from tests.factories import NOW, make_opportunity
from tests.stagework import advance_to

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_drags_link_leads_to_the_upload_with_the_type_chosen(org, live_server, new_page):
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW, name="指路测试商机"), "confirmation", now=NOW)
    page = new_page("en-US")
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/opportunities/board/")
    page.locator(f"li.board-card[data-number='{opp.number}']").drag_to(
        page.locator("ol.board-cards[data-stage='solution']"))
    alert = page.locator("#board-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(f"{opp.number} “指路测试商机” was not moved.")
    link = alert.get_by_role("link", name="Upload the Requirement confirmation sheet.")
    expect(link).to_be_visible()
    assert Opportunity.objects.get(pk=opp.pk).stage == "confirmation"
    screenshot(page, "board-refusal-links")

    link.click()
    page.wait_for_url(f"**/opportunities/{opp.number}/stage/?doc_type=confirmation_sheet#upload")
    expect(page.locator("#upload #id_doc_type")).to_have_value("confirmation_sheet")
    expect(page.locator("#upload")).to_be_in_viewport()
