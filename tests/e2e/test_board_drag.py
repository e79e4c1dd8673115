"""spec: S1-S5, M2 — moving a card on the board runs the same stage rules as every other path: a
skipped stage or an unmet gate is refused with the reasons and the card goes back; a valid move sticks
and is recorded."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opphub.opportunities.models import Opportunity, StageHistory
from tests.factories import NOW, make_opportunity
from tests.stagework import fulfil

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_drag_refused_then_accepted(org, live_server, new_page):
    opp = make_opportunity(actor=org.r1, now=NOW, name="拖拽测试商机")
    page = new_page("en-US")
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(f"li.board-card[data-number='{opp.number}']")
    expect(card).to_be_visible()

    card.drag_to(page.locator("ol.board-cards[data-stage='solution']"))
    alert = page.locator("#board-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Stages cannot be skipped")
    expect(page.locator(f"ol[data-stage='discovery'] li[data-number='{opp.number}']")).to_be_visible()
    assert Opportunity.objects.get(pk=opp.pk).stage == "discovery"

    # the next stage, but its gate (M2) is not met: the alert lists what is missing
    page.reload()
    alert = page.locator("#board-alert")
    page.locator(f"li.board-card[data-number='{opp.number}']").drag_to(
        page.locator("ol.board-cards[data-stage='confirmation']"))
    expect(alert).to_contain_text("Upload the Screening report.")
    expect(alert).to_contain_text("Get the Screening report approval.")
    assert Opportunity.objects.get(pk=opp.pk).stage == "discovery"

    fulfil(opp)
    page.reload()  # a fresh board: the refused card was put back where it was
    expect(page.locator(f"ol[data-stage='discovery'] li[data-number='{opp.number}']")).to_be_visible()
    page.locator(f"li.board-card[data-number='{opp.number}']").drag_to(
        page.locator("ol.board-cards[data-stage='confirmation']"))
    expect(page.locator(f"ol[data-stage='confirmation'] li[data-number='{opp.number}']")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert Opportunity.objects.get(pk=opp.pk).stage == "confirmation"
    assert list(StageHistory.objects.filter(opportunity=opp).values_list("stage", flat=True)) == [
        "discovery", "confirmation"]
    page.reload()
    expect(page.locator(f"ol[data-stage='confirmation'] li[data-number='{opp.number}']")).to_be_visible()
