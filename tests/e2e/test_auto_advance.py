"""spec: H4 (issue 8 item 1) — in a real browser, a rep attaches the customer's signature to the last S2
document; the gate is complete and the health score above the band, so the opportunity moves to S3 by
itself: the card shows Solution and its stage history says why, and the owner's bell has the message."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opphub.gates.models import Document
from opphub.opportunities.models import Opportunity, StageHistory
from tests.factories import make_opportunity
from tests.stagework import PDF, advance_to, fulfil

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_confirming_the_last_s2_document_moves_it_to_s3(org, live_server, new_page, tmp_path):
    opp = advance_to(make_opportunity(actor=org.r1, name="MES 升级项目"), "confirmation")
    fulfil(opp)  # everything S2 owes, scored 100 — except the customer's signature on the 需求确认单
    sheet = Document.objects.get(opportunity=opp, doc_type="confirmation_sheet")
    Document.objects.filter(pk=sheet.pk).update(confirmed_at=None, confirmation="", confirmation_name="")
    scan = tmp_path / "签字扫描件.pdf"
    scan.write_bytes(PDF)

    page = new_page("en-US")
    login(page, live_server, "r1")
    page.goto(f"{live_server.url}/opportunities/{opp.number}/stage/")
    page.set_input_files(f"#confirm-{sheet.pk}", str(scan))
    page.locator(f"form[action$='/documents/{sheet.pk}/confirm/'] button").click()
    expect(page.locator(".msg-success")).to_be_visible()

    assert Opportunity.objects.get(pk=opp.pk).stage == "solution"
    assert StageHistory.objects.filter(opportunity=opp).last().note == "Advanced automatically, health score 100."
    page.goto(f"{live_server.url}/opportunities/{opp.number}/")
    expect(page.locator(".step-current")).to_contain_text("Solution")
    screenshot(page, "auto-advanced")
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("body")).to_contain_text("advanced automatically to Solution")
