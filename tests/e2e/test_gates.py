"""spec: S1-S5, M2, H1-H4 — a rep takes one opportunity from Discovery to Won through every gate in a real
browser. A skipped gate shows the checklist; the sales manager approves the screening report in a second
browser context, finance and legal approve the contract review in theirs; the health score advances
S1→S2 (in the band, with the manager's screening approval), S2→S3 and S3→S4 (96 > 80) on its own;
the lifecycle PDF downloads and its Chinese text extracts (pdftotext).

The customer's contacts and the product already exist (they are not part of the gates)."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from opphub.gates.models import Approval, HealthRecord
from opphub.opportunities.models import Opportunity
from tests.factories import ContactFactory, CustomerFactory, ProductFactory, make_opportunity
from tests.stagework import PDF

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = ("pain_clarity", "scenario_fit", "functional_fit", "technical_fit", "integration", "timeline_fit",
         "implementation", "evaluation", "scale_fit", "service_fit")


@pytest.fixture
def files(tmp_path):  # type: ignore[no-untyped-def]
    pdf = tmp_path / "文档.pdf"
    pdf.write_bytes(PDF)
    eml = tmp_path / "客户确认.eml"
    eml.write_text("From: 陈总 <chen@example.cn>\nSubject: 确认\n\n同意。\n", encoding="utf-8")
    return pdf, eml


def upload(page, doc_type, pdf, confirmation=None):  # type: ignore[no-untyped-def]
    page.select_option("#id_doc_type", doc_type)
    page.set_input_files("#id_file", str(pdf))
    if confirmation is not None:
        page.set_input_files("#id_confirmation", str(confirmation))
    page.click("form.upload-form button[type=submit]")
    expect(page.locator(".msg-success")).to_be_visible()


def save_record(page, **values):  # type: ignore[no-untyped-def]
    form = page.locator("#record form")
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if not field.is_visible():  # in a folded group
            field.locator("xpath=ancestor::details[1]/summary").click()
        if isinstance(value, bool):
            field.set_checked(value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()


def log_followup(page, live_server, number, kind, notes, contacts=()):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/opportunities/{number}/")
    log = page.locator("details.followup-log")
    if not log.evaluate("e => e.open"):
        log.locator("summary").click()
    page.select_option("#id_kind", kind)
    page.fill("#id_notes", notes)
    for name in contacts:
        page.locator("#followups label.choice", has_text=name).locator("input").check()
    page.click("#followups button[type=submit]")
    expect(page.locator("#followups")).to_contain_text(notes)


def approve(new_page, live_server, username, number, key):  # type: ignore[no-untyped-def]
    """Another person, in their own browser context, approves on the stage page."""
    other = new_page("zh-CN")
    login(other, live_server, username)
    other.goto(f"{live_server.url}/opportunities/{number}/stage/#approvals")
    pending = Approval.objects.get(opportunity__number=number, key=key, state="pending")
    box = other.locator(f"form[action$='/approvals/{pending.pk}/decide/']")
    box.locator("textarea").fill("同意")
    box.locator("button[value=approve]").click()
    expect(other.locator(".msg-success")).to_be_visible()
    other.context.close()


def stage_of(opp):  # type: ignore[no-untyped-def]
    return Opportunity.objects.get(pk=opp.pk).stage


def test_discovery_to_won_through_every_gate(org, live_server, new_page, files):
    pdf, eml = files
    customer = CustomerFactory(owner=org.r1, name="上海某某制造有限公司")
    for name, role, director in (("陈总", "decision_maker", True), ("李经理", "influencer", False),
                                 ("王工", "user", False)):
        ContactFactory(customer=customer, name=name, decision_role=role, is_director_or_above=director)
    opp = make_opportunity(actor=org.r1, customer=customer, name="MES 升级项目", pain_points="排产靠人工",
                           decision_roles="陈总拍板，李经理评估，王工使用", budget_min=Decimal("600000"),
                           budget_max=Decimal("900000"), timeline="明年一季度上线", requirement_1="自动排产",
                           requirement_2="质量追溯", requirement_3="设备联网")
    opp.products.add(ProductFactory(name="MES 标准版", price_band_min=Decimal("500000"),
                                    price_band_max=Decimal("1200000")))
    n = opp.number
    stage_url = f"{live_server.url}/opportunities/{n}/stage/"
    page = new_page("zh-CN")
    login(page, live_server, "r1")

    # S1: advancing with the gate unmet shows the checklist and changes nothing
    page.goto(f"{live_server.url}/opportunities/{n}/")
    page.click(".stage-actions form button.primary")
    expect(page.locator(".msg-error").first).to_be_visible()
    # one message naming the opportunity, each missing item a link to the place that fixes it
    expect(page.locator(".msg-error").first).to_contain_text(n)
    assert page.locator(".msg-error .refusal-links li a").count() >= 3 and stage_of(opp) == "discovery"
    expect(page.locator("#gate .checklist li").first).to_be_visible()
    screenshot(page, "gate-checklist")

    page.goto(stage_url)
    save_record(page, screening_match="85", budget_explicit_amount=True, budget_approved=True,
                budget_in_annual_plan=True)
    for doc_type in ("screening_report", "budget_explicit_amount", "budget_approved", "budget_in_annual_plan"):
        upload(page, doc_type, pdf)
    page.select_option("#id_key", "screening_report")
    page.fill("#id_note", "初筛完成，请审批")
    page.locator("#approvals button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    approve(new_page, live_server, "m1", n, "screening_report")  # the sales manager, in a second context
    # the gate is met and the score (34 + 30 = 64) is in the band, where the manager's approval of the
    # screening report is the band's approval: it moved on by itself (H4)
    assert stage_of(opp) == "confirmation"

    # S2: presales, the 5W1H interview, minutes and the confirmed sheet, the 10 scored items
    page.goto(stage_url)
    page.select_option("#assign-user", str(org.presales.pk))
    page.locator("#supporters button[type=submit]").click()
    save_record(page, interview_why="产能瓶颈", interview_what="排产与质检", interview_when="明年一月",
                interview_who="陈总", interview_where="苏州工厂", interview_how="排产效率提升20%")
    upload(page, "confirmation_minutes", pdf)
    upload(page, "confirmation_sheet", pdf, eml)
    for item in ITEMS:
        page.fill(f"#scores [name={item}]", "90")
    page.locator("#scores button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    log_followup(page, live_server, n, "interview", "5W1H 深度访谈", contacts=("陈总", "李经理", "王工"))
    assert stage_of(opp) == "solution"  # the last input of the gate: 96 > 80 advances on its own (H4)
    page.goto(stage_url)
    expect(page.locator("#health .health-total")).to_have_text("96")

    # S3: the proposal, the executive visit, the signed acceptance letter, the customer's commitment
    page.goto(stage_url)
    save_record(page, proposal_solution="痛点→自动排产", proposal_implementation_path="三期上线",
                proposal_roi="一年回本", priority_commitment="陈总：优先与我们合作")
    for doc_type in ("proposal", "executive_minutes"):
        upload(page, doc_type, pdf)
    upload(page, "acceptance_letter", pdf, eml)
    page.goto(stage_url)
    expect(page.locator(".badge.warn", has_text="方案")).to_be_visible()  # 方案确认中 once the proposal is in
    log_followup(page, live_server, n, "executive_visit", "销售总监拜访陈总", contacts=("陈总",))
    assert stage_of(opp) == "closing"  # the gate is complete, 96 > 80: on its own again

    # S4: hand-off, the stamped contract, finance and legal review in their own browsers, then Won
    page.goto(stage_url)
    for user in (org.cs, org.finance, org.legal):
        page.select_option("#assign-user", str(user.pk))
        page.locator("#supporters button[type=submit]").click()
    boss = customer.contacts.get(name="陈总")
    save_record(page, service_contact=str(boss.pk))
    upload(page, "contract_scan", pdf, eml)
    upload(page, "deal_confirmation", pdf)
    for key in ("contract_finance", "contract_legal"):
        page.select_option("#id_key", key)
        page.locator("#approvals button[type=submit]").click()
        expect(page.locator(".msg-success")).to_be_visible()
    approve(new_page, live_server, "finance", n, "contract_finance")
    approve(new_page, live_server, "legal", n, "contract_legal")
    page.goto(stage_url)
    page.click(".stage-actions button.ok")
    expect(page.locator(".msg-success")).to_be_visible()
    won = Opportunity.objects.get(pk=opp.pk)
    assert (won.status, won.stage) == ("won", "archive")
    assert list(HealthRecord.objects.filter(opportunity=opp).order_by("computed_at")
                .values_list("decision", "reason")) == [
        ("approval", "auto"), ("advance", "auto"), ("advance", "auto")]
    screenshot(page, "stage-work")

    # the lifecycle report as PDF, with its Chinese text intact
    page.goto(f"{live_server.url}/opportunities/{n}/archive/report/")
    with page.expect_download() as info:
        page.locator(f"a[href$='/opportunities/{n}/archive/report.pdf']").first.click()
    path = Path(info.value.path())
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("上海某某制造有限公司", "商机发现", "需求确认", "方案推进", "商务成交", n):
        assert expected in text, expected
