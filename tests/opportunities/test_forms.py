"""spec: S1 — the screening form 需求初篩表 creates an opportunity with a generated number
(YEAR-REGION-SEQ); edits are optimistic-locked (a stale edit is refused and nothing is overwritten);
P1-P4 — who may create, edit and pick an owner."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opphub.opportunities.models import Opportunity
from opphub.opportunities.services import opportunity_update
from tests.factories import CustomerFactory, ProductFactory, client_for, make_opportunity

pytestmark = pytest.mark.django_db


def edit_url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:edit", kwargs={"number": opp.number})


def create_data(customer, **extra):  # type: ignore[no-untyped-def]
    return {"customer": customer.pk, "name": "智能仓储项目", "amount": "880000", "expected_close_date": "2027-03-31",
            "source": "event", "industry": "logistics", "company_size": "large", "pain_points": "拣货效率低",
            "decision_roles": "物流总监决策", "budget_min": "600000", "budget_max": "900000",
            "timeline": "2027 Q2 上线", "requirement_1": "WMS 对接", "requirement_2": "", "requirement_3": "",
            **extra}


def test_create_shows_the_generated_number(org):
    """spec: S1 — saving the screening form generates 2026-SH-001-style numbers and opens the card."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    product = ProductFactory(name="WMS")
    c = client_for(org.r1)
    r = c.post(reverse("opportunities:create"), create_data(customer, products=[product.pk]))
    opp = Opportunity.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("opportunities:card", kwargs={"number": opp.number})
    year = timezone.localtime().year
    assert opp.number == f"{year}-SH-001"
    page = c.get(r["Location"]).content.decode()
    assert f"Opportunity {opp.number} created." in page
    assert opp.owner == org.r1 and list(opp.products.all()) == [product]
    assert opp.budget_min == Decimal("600000") and opp.pain_points == "拣货效率低" and opp.source == "event"


def test_customer_preselected_and_screening_defaults(org):
    """spec: S1 — ?customer= preselects the customer; industry and company size default from it."""
    customer = CustomerFactory(owner=org.r1, industry="retail", size="enterprise")
    html = client_for(org.r1).get(reverse("opportunities:create") + f"?customer={customer.pk}").content.decode()
    assert re.search(rf'<option value="{customer.pk}"[^>]*selected', html)
    assert re.search(r'<option value="retail" selected', html)
    assert re.search(r'<option value="enterprise" selected', html)
    assert 'data-size="enterprise"' in html


def test_only_visible_customers_are_offered(org):
    """spec: P1 — a rep picks from their own customers only; someone else's customer is refused."""
    mine = CustomerFactory(owner=org.r1, name="我的客户")
    theirs = CustomerFactory(owner=org.r2, name="别人的客户")
    c = client_for(org.r1)
    html = c.get(reverse("opportunities:create")).content.decode()
    assert "我的客户" in html and "别人的客户" not in html
    r = c.post(reverse("opportunities:create"), create_data(theirs))
    assert r.status_code == 200 and not Opportunity.objects.exists()
    assert "Select a valid choice." in r.content.decode()
    assert mine  # offered


def test_owner_field_only_when_there_is_a_choice(org):
    """spec: P4 — a manager may make a team member the owner; a rep only creates for themselves."""
    assert 'name="owner"' not in client_for(org.r1).get(reverse("opportunities:create")).content.decode()
    html = client_for(org.m1).get(reverse("opportunities:create")).content.decode()
    assert 'name="owner"' in html and "王五" in html and "李四" not in html
    customer = CustomerFactory(owner=org.r3)
    r = client_for(org.m1).post(reverse("opportunities:create"), create_data(customer, owner=org.r3.pk))
    assert r.status_code == 302
    opp = Opportunity.objects.get()
    assert opp.owner == org.r3 and opp.team == org.east2


def test_invalid_create_keeps_typed_values(org):
    """spec: S1 — a bad form re-renders with translated field errors and everything typed kept."""
    customer = CustomerFactory(owner=org.r1)
    data = create_data(customer, name="", amount="abc", budget_min="900000", budget_max="100000")
    r = client_for(org.r1, lang="zh-hans").post(reverse("opportunities:create"), data)
    assert r.status_code == 200
    html = r.content.decode()
    assert "这个字段是必填项。" in html
    assert "拣货效率低" in html and "物流总监决策" in html and "2027 Q2 上线" in html and 'value="abc"' in html
    assert 'class="field has-error' in html
    assert not Opportunity.objects.exists()


def test_service_validation_lands_on_the_field(org):
    """spec: S1 — the budget range checked by the service shows beside "budget to", values kept."""
    customer = CustomerFactory(owner=org.r1)
    r = client_for(org.r1).post(reverse("opportunities:create"),
                                create_data(customer, budget_min="900000", budget_max="100000"))
    html = r.content.decode()
    assert "The budget range ends below where it starts." in html
    field = html[html.index('id="id_budget_max"') - 400:html.index('id="id_budget_max"') + 400]
    assert "has-error" in field and 'value="100000"' in field
    assert not Opportunity.objects.exists()


def test_finance_cannot_create(org):
    """spec: P1-P5 — only reps, managers, directors and admins create opportunities."""
    assert client_for(org.finance).get(reverse("opportunities:create")).status_code == 403


def test_edit_saves_and_returns_to_the_card(org):
    """spec: S1 — editing the screening fields saves them and bumps the version."""
    opp = make_opportunity(actor=org.r1)
    c = client_for(org.r1)
    html = c.get(edit_url(opp)).content.decode()
    assert 'name="customer"' not in html and f'name="version" value="{opp.version}"' in html
    data = create_data(opp.customer, version=opp.version, name="MES 升级项目（二期）")
    del data["customer"]
    r = c.post(edit_url(opp), data)
    assert r.status_code == 302
    opp.refresh_from_db()
    assert opp.name == "MES 升级项目（二期）" and opp.version == 2 and opp.industry == "logistics"


def test_stale_edit_is_refused_and_nothing_overwritten(org):
    """spec: optimistic locking — the second editor is told someone saved first; typed values stay."""
    opp = make_opportunity(actor=org.r1)
    read_version = opp.version
    opportunity_update(actor=org.m1, opportunity=Opportunity.objects.get(pk=opp.pk), data={"name": "经理改的名字"},
                       now=timezone.now(), expected_version=read_version)
    data = create_data(opp.customer, version=read_version, name="销售改的名字", pain_points="新的痛点")
    del data["customer"]
    r = client_for(org.r1).post(edit_url(opp), data)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Someone else saved this record after you opened it." in html
    assert "销售改的名字" in html and "新的痛点" in html
    opp.refresh_from_db()
    assert opp.name == "经理改的名字" and opp.pain_points == "" and opp.version == read_version + 1


def test_edit_refused_for_supporters_and_hidden_for_other_reps(org):
    """spec: P2, P1 — a supporter reads but may not edit (403); another rep gets 404."""
    from opphub.opportunities.services import opportunity_assign

    opp = make_opportunity(actor=org.r1)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=timezone.now())
    assert client_for(org.presales).get(edit_url(opp)).status_code == 403
    assert client_for(org.r2).get(edit_url(opp)).status_code == 404
    data = create_data(opp.customer, version=opp.version, name="改名")
    assert client_for(org.presales).post(edit_url(opp), data).status_code == 403
    opp.refresh_from_db()
    assert opp.name == "MES 升级项目"


def test_create_then_card_links_back_to_customer(org):
    """spec: M1 — from the customer page: new opportunity for this customer, then its card."""
    customer = CustomerFactory(owner=org.r1)
    detail = reverse("customers:detail", kwargs={"pk": customer.pk})
    html = client_for(org.r1).get(detail).content.decode()
    assert f"{reverse('opportunities:create')}?customer={customer.pk}" in html
