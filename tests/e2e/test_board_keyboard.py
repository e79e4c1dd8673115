"""spec: S1, M2 — issue 10 item 7: the board without a mouse. Tab to a card's "Move to…" list, choose the
next column, press Move with the keyboard: the same rules as a drag run (a refused move keeps the card and
shows the reasons; a valid move sticks and the focus follows the card)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opphub.opportunities.models import Opportunity
from tests.factories import NOW, make_opportunity
from tests.stagework import fulfil

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_move_a_card_with_the_keyboard(org, live_server, new_page):
    opp = make_opportunity(actor=org.r1, now=NOW, name="键盘移动商机")
    page = new_page("en-US")
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/opportunities/board/")
    card = page.locator(f"li.board-card[data-number='{opp.number}']")
    select = card.get_by_label(f"Move {opp.number} to")
    select.focus()
    select.select_option("confirmation")
    page.keyboard.press("Tab")  # to the Move button
    expect(card.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")
    alert = page.locator("#board-alert")
    expect(alert).to_contain_text("Upload the Screening report.")
    expect(page.locator(f"ol[data-stage='discovery'] li[data-number='{opp.number}']")).to_be_visible()
    assert Opportunity.objects.get(pk=opp.pk).stage == "discovery"

    fulfil(opp)
    select = page.locator(f"li.board-card[data-number='{opp.number}']").get_by_label(f"Move {opp.number} to")
    select.select_option("confirmation")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    moved = page.locator(f"ol[data-stage='confirmation'] li[data-number='{opp.number}']")
    expect(moved).to_be_visible()
    expect(moved.locator(".board-card-link")).to_be_focused()
    assert Opportunity.objects.get(pk=opp.pk).stage == "confirmation"
