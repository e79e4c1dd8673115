"""spec: M1 — the opportunity card: basic info, decision-chain map, follow-ups and score in one view;
H2 (who of the decision chain was contacted), S1 screening fields, P1-P4 (who sees which card:
invisible records answer 404), H1-H4 (no score shown before scoring is configured)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opphub.followups.services import followup_log
from opphub.opportunities.models import Opportunity
from opphub.opportunities.services import opportunity_assign
from opphub.workflow.services import opportunity_move_stage
from tests.factories import ContactFactory, CustomerFactory, ProductFactory, client_for, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db


def card_url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:card", kwargs={"number": opp.number})


def section(html: str, element_id: str) -> str:
    """The HTML of the <section id=...> element (sections are not nested on the card)."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def log(opp, actor, contacts=(), **data):  # type: ignore[no-untyped-def]
    fields = {"kind": "phone", "notes": "电话沟通需求", **data}
    return followup_log(actor=actor, opportunity=opp, data=fields, contacts=list(contacts),
                        now=dt.datetime.now(dt.UTC))


def test_card_shows_the_whole_picture(org):
    """spec: M1, S1 — number, customer, stage progress, amount and the screening fields on one page."""
    product = ProductFactory(name="MES 平台")
    opp = make_opportunity(actor=org.r1, name="智能工厂一期", amount=Decimal("1250000"), pain_points="排产靠 Excel",
                           decision_roles="厂长拍板，IT 部评估", budget_min=Decimal("1000000"),
                           budget_max=Decimal("1500000"), timeline="明年一季度上线", requirement_1="APS 排产")
    opp.products.set([product])
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=dt.datetime.now(dt.UTC))
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    for text in (opp.number, "智能工厂一期", opp.customer.name, "¥1,250,000", "MES 平台", "排产靠 Excel",
                 "厂长拍板，IT 部评估", "¥1,000,000 – ¥1,500,000", "明年一季度上线", "APS 排产", "孙售前",
                 "华东一部", "Inbound inquiry"):
        assert text in html, text
    # every stage of the playbook, the current one marked
    for name in ("Discovery", "Requirement confirmation", "Solution", "Closing", "Archive"):
        assert name in html
    assert re.search(r'step-current"[^>]*aria-current="step">\s*<span[^>]*>\d</span>\s*<span class="step-name">'
                     r'Discovery', html)


def test_stage_names_follow_the_language(org):
    """spec: M1 — playbook texts come in the reader's language."""
    opp = make_opportunity(actor=org.r1)
    html = client_for(org.r1, lang="zh-hans").get(card_url(opp)).content.decode()
    assert "商机发现" in html and "需求确认" in html


def test_decision_chain_marks_who_was_contacted_on_this_opportunity(org):
    """spec: H2, S3 — contacts grouped by role; contacted = a follow-up of THIS opportunity lists them."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="陈总", decision_role="decision_maker",
                          is_director_or_above=True)
    it = ContactFactory(customer=opp.customer, name="刘工", decision_role="influencer")
    other_opp = make_opportunity(actor=org.r1, customer=opp.customer, name="另一个项目")
    log(other_opp, org.r1, contacts=[boss])  # contacted, but on another opportunity
    log(opp, org.r1, contacts=[it])
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    chain = section(html, "chain")
    boss_row = chain[chain.index("陈总"):chain.index("</li>", chain.index("陈总"))]
    it_row = chain[chain.index("刘工"):chain.index("</li>", chain.index("刘工"))]
    assert "not contacted yet" in boss_row and "Director or above" in boss_row
    assert "contacted" in it_row and "not contacted" not in it_row
    assert "No decision maker has been contacted on this opportunity yet." in chain
    # the other opportunity's card sees the boss as contacted and has no warning
    other = section(client_for(org.r1).get(card_url(other_opp)).content.decode(), "chain")
    assert "No decision maker has been contacted" not in other


def test_chain_warns_when_no_decision_maker_is_recorded(org):
    """spec: G (a deal lost because the decision maker was never recorded), H2."""
    opp = make_opportunity(actor=org.r1)
    ContactFactory(customer=opp.customer, decision_role="user")
    chain = section(client_for(org.r1).get(card_url(opp)).content.decode(), "chain")
    assert "No decision maker is recorded for this customer yet." in chain


def test_health_panel_shows_the_score_and_what_would_raise_it(org):
    """spec: H1-H4 — the card shows the total, each dimension and what would raise it."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="陈总", decision_role="decision_maker")
    log(opp, org.r1, contacts=[boss], notes="拜访陈总")
    health = section(client_for(org.r1).get(card_url(opp)).content.decode(), "health")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", health))
    assert "15 / 100" in text  # decision maker contacted: 50 points × 30%
    assert "Decision-chain coverage 15 / 30" in text
    # S1 has no earlier stage: below the band it is "not ready", never "go back a stage" (H4)
    assert "Not ready: below 60, it stays in this stage" in text and "Goes back a stage" not in text
    assert "Contact an influencer and log it in a follow-up. +9" in text and ".00" not in text


def test_timeline_newest_first_with_all_fields(org):
    """spec: S3, C1-C4 — follow-ups newest first with feedback, objections, competitor moves, next step."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="陈总", decision_role="decision_maker")
    now = dt.datetime.now(dt.UTC)
    followup_log(actor=org.r1, opportunity=opp, now=now, data={
        "kind": "visit", "notes": "第一次拜访", "occurred_at": now - dt.timedelta(days=3)})
    followup_log(actor=org.r1, opportunity=opp, now=now, contacts=[boss], data={
        "kind": "meeting", "direction": "in", "notes": "第二次会议", "customer_feedback": "方向认可",
        "objections": "价格偏高", "competitor_moves": "竞品报价低 10%", "next_step": "周五发方案",
        "occurred_at": now - dt.timedelta(days=1)})
    html = section(client_for(org.r1).get(card_url(opp)).content.decode(), "followups")
    assert html.index("第二次会议") < html.index("第一次拜访")
    for text in ("Meeting", "Inbound (customer reached out)", "方向认可", "价格偏高", "竞品报价低 10%", "周五发方案",
                 "陈总", "张三"):
        assert text in html, text


def test_timeline_pages_past_fifty(org):
    """spec: M1 — the card stays one quick page: the latest 50 follow-ups, older ones on the next page."""
    opp = make_opportunity(actor=org.r1)
    now = dt.datetime.now(dt.UTC)
    for i in range(52):
        followup_log(actor=org.r1, opportunity=opp, now=now,
                     data={"kind": "phone", "notes": f"note-{i:02d}", "occurred_at": now - dt.timedelta(hours=i)})
    c = client_for(org.r1)
    first = c.get(card_url(opp)).content.decode()
    assert "note-00" in first and "note-49" in first and "note-50" not in first
    assert "?page=2#followups" in first
    second = c.get(card_url(opp) + "?page=2").content.decode()
    assert "note-50" in second and "note-51" in second and "note-00" not in second


def test_escaping(org):
    """spec: M1 — names typed by users are shown as text, never run as markup."""
    customer = CustomerFactory(owner=org.r1, name="<script>alert(1)</script>")
    opp = make_opportunity(actor=org.r1, customer=customer, name="<b>bold</b>")
    ContactFactory(customer=customer, name="<img src=x onerror=alert(2)>")
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "<img src=x" not in html


def test_invisible_card_is_404(org):
    """spec: P1 — another rep's opportunity does not exist for r2 (404, not 403)."""
    opp = make_opportunity(actor=org.r1)
    c = client_for(org.r2)
    assert c.get(card_url(opp)).status_code == 404
    assert c.get(reverse("opportunities:edit", kwargs={"number": opp.number})).status_code == 404
    r = c.post(reverse("opportunities:followup_create", kwargs={"number": opp.number}),
               {"kind": "phone", "direction": "out", "notes": "x"})
    assert r.status_code == 404
    assert not opp.followups.exists()


def test_manager_sees_the_subteam_card_with_actions(org):
    """spec: P4 — manager m1 sees r3's (East-2, below East) card and may move it."""
    opp = make_opportunity(actor=org.r3)
    html = client_for(org.m1).get(card_url(opp)).content.decode()
    assert opp.number in html
    assert "Advance to Requirement confirmation" in html
    assert reverse("opportunities:edit", kwargs={"number": opp.number}) in html
    assert client_for(org.m2).get(card_url(opp)).status_code == 404


def test_stage_actions_carry_version_and_return_to_the_card(org):
    """spec: S1-S4 — advance/back/won/lost buttons post to the move/close endpoints with version and next."""
    opp = make_opportunity(actor=org.r1)
    now = dt.datetime.now(dt.UTC)
    for stage in ("confirmation", "solution", "closing"):
        opp = opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage=stage, now=now).opportunity
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    assert "Mark won" in html and "Mark lost" in html and "Back to Solution" in html
    assert "Advance to" not in html  # the archive is reached by marking won or lost
    assert f'name="version" value="{opp.version}"' in html
    assert f'name="next" value="{card_url(opp)}"' in html
    # won only in the last open stage
    early = make_opportunity(actor=org.r1)
    html = client_for(org.r1).get(card_url(early)).content.decode()
    assert "Mark won" not in html and "Mark lost" in html and "Back to" not in html


def test_card_button_round_trip(org):
    """spec: S2 — pressing "advance" on the card moves the opportunity and comes back to the card."""
    opp = fulfil(make_opportunity(actor=org.r1))
    c = client_for(org.r1)
    r = c.post(reverse("opportunities:move", kwargs={"number": opp.number}),
               {"to_stage": "confirmation", "version": opp.version, "next": card_url(opp)}, follow=True)
    assert r.redirect_chain[-1][0] == card_url(opp)
    assert "Requirement confirmation" in r.content.decode()
    opp.refresh_from_db()
    assert opp.stage == "confirmation"


def test_finance_sees_assigned_card_without_actions_or_form(org):
    """spec: P1-P5, R4 — finance reviewers read an assigned opportunity but neither edit nor log."""
    opp = make_opportunity(actor=org.r1)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=dt.datetime.now(dt.UTC))
    html = client_for(org.finance).get(card_url(opp)).content.decode()
    assert opp.number in html
    assert "Log a follow-up" not in html
    assert "Mark lost" not in html
    assert reverse("opportunities:move", kwargs={"number": opp.number}) not in html
    assert reverse("opportunities:edit", kwargs={"number": opp.number}) not in html


def test_recent_changes_listed(org):
    """spec: M1 — recent field changes from the audit trail, latest first, folded away."""
    opp = make_opportunity(actor=org.r1)
    opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="confirmation", now=dt.datetime.now(dt.UTC))
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    changes = html[html.index('class="changes"'):]
    assert "Discovery → Requirement confirmation" in changes
    assert "[#" not in changes


@pytest.mark.parametrize("role", ["r1", "m1", "director"])
def test_card_query_count_is_fixed(org, django_assert_max_num_queries, role):
    """spec: M1 (fast card) — the number of queries does not grow with follow-ups or contacts."""
    small = make_opportunity(actor=org.r1)
    big = make_opportunity(actor=org.r1)
    for opp, n in ((small, 2), (big, 30)):
        contacts = [ContactFactory(customer=opp.customer, decision_role="influencer") for _ in range(n)]
        for i in range(n):
            log(opp, org.r1, contacts=contacts[: i % 3 + 1], notes=f"n{i}")
        opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=dt.datetime.now(dt.UTC))
    c = client_for(getattr(org, role))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_ctx:
        assert c.get(card_url(small)).status_code == 200
    with django_assert_max_num_queries(len(small_ctx.captured_queries)):
        assert c.get(card_url(big)).status_code == 200
    assert len(small_ctx.captured_queries) <= 30  # with the gate checklist and the health score (M2, H1-H4)


def test_counter_strategy_shown_for_a_known_objection(org):
    """spec: X1, X2 — an objection about price brings the playbook's price counter-strategy onto the card;
    none is shown without a matching objection, or once the opportunity is closed."""
    opp = make_opportunity(actor=org.r1)
    c = client_for(org.r1)
    assert 'id="strategies"' not in c.get(card_url(opp)).content.decode()
    log(opp, org.r1, objections="觉得价格太贵，竞品便宜两成")
    html = section(c.get(card_url(opp)).content.decode(), "strategies")
    assert "Competitor&#x27;s lower price" in html or "Competitor's lower price" in html
    assert "value anchors" in html
    assert "觉得价格太贵" in html
    zh = client_for(org.r1, lang="zh-hans").get(card_url(opp)).content.decode()
    assert "价值锚点" in section(zh, "strategies")
    from opphub.workflow.services import opportunity_close

    opp.refresh_from_db()
    opportunity_close(actor=org.r1, opportunity=opp, outcome="lost", now=timezone.now())
    assert 'id="strategies"' not in c.get(card_url(opp)).content.decode()


def test_risk_warnings_with_interventions(org):
    """spec: M5, X3, X4 — an opportunity far longer in its stage than the average (playbook default while
    history is thin), and whose notes keep saying the customer is discussing internally, shows both
    warnings with the playbook's interventions; a fresh one shows none."""
    from django.core.cache import cache

    cache.clear()
    fresh = make_opportunity(actor=org.r1)
    c = client_for(org.r1)
    assert 'id="risks"' not in c.get(card_url(fresh)).content.decode()
    old = make_opportunity(actor=org.r1, now=timezone.now() - dt.timedelta(days=30))  # discovery default: 14 days
    log(old, org.r1, notes="客户还在内部讨论预算")
    log(old, org.r1, notes="客戶還在內部討論，下週再說")  # Traditional
    html = section(c.get(card_url(old)).content.decode(), "risks")
    assert ("30.0 days in this stage: average 14.0 days, high risk after 21.0 (1.5 × the playbook default)."
            in html)
    assert "2 recent follow-ups say the customer is still discussing internally." in html
    assert "Add an executive visit" in html  # X4 for stage_overdue
    assert "ask about the internal disagreement" in html  # X4 for internal_discussion
    zh = client_for(org.r1, lang="zh-hans").get(card_url(old)).content.decode()
    assert "增加一次高层拜访" in section(zh, "risks")


def test_the_card_shows_the_computed_stage_limit(org):
    """spec: M5 — the card shows the stage's average and the limit the 1.5× formula gives: confirmation
    averages 7 days (the playbook default while history is thin) → high risk after 10.5 days, not the
    spec example's "10" (docs/decisions.md)."""
    from django.core.cache import cache

    cache.clear()
    opp = make_opportunity(actor=org.r1)
    Opportunity.objects.filter(pk=opp.pk).update(stage="confirmation")
    html = client_for(org.r1).get(card_url(opp)).content.decode()
    assert "Average 7.0 days in this stage, high risk after 10.5 (1.5 × the playbook default)." in html


def test_recent_changes_name_the_stage_work(org):
    """spec: M1 — uploads, approvals and scores show in the card's recent changes under readable names."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from opphub.gates.services import approval_request, document_upload
    from tests.stagework import PDF

    opp = make_opportunity(actor=org.r1)
    now = dt.datetime.now(dt.UTC)
    document_upload(actor=org.r1, opportunity=opp, doc_type="screening_report",
                    upload=SimpleUploadedFile("a.pdf", PDF), now=now)
    approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=now)
    changes = section(client_for(org.r1).get(card_url(opp)).content.decode(), "changes-title")
    assert "<strong>documents</strong>" in changes and "<strong>approvals</strong>" in changes
