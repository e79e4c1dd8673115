"""spec: S1 (customer data, unified social credit code), S2/H2 (contacts with decision-chain roles and
the director-or-above flag), P1-P4 (a user sees only visible customers; invisible ones answer 404;
actions not allowed are hidden and refused), optimistic locking on edits."""

from __future__ import annotations

import pytest
from django.urls import reverse

from opphub.customers import credit_code
from opphub.customers.models import Contact, Customer
from opphub.customers.services import customer_update
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, ContactFactory, CustomerFactory, client_for, make_opportunity

pytestmark = pytest.mark.django_db
LIST = "/customers/"
VALID = "91310000MA1FL0XX1"
VALID += credit_code.check_char(VALID)


def detail_url(customer):  # type: ignore[no-untyped-def]
    return reverse("customers:detail", kwargs={"pk": customer.pk})


def customer_data(org, **extra):  # type: ignore[no-untyped-def]
    return {"name": "上海星辰精密机械有限公司", "credit_code": VALID, "industry": "manufacturing", "size": "large",
            "region": org.region.pk, "address": "上海市嘉定区", "website": "https://xingchen.example", "notes": "",
            **extra}


def test_list_shows_only_visible_customers_and_searches(org):
    """spec: P1 — a rep lists their own customers; search by name or credit code, filter by industry."""
    CustomerFactory(owner=org.r1, name="星辰机械", credit_code=VALID)
    CustomerFactory(owner=org.r1, name="海纳零售", industry="retail")
    CustomerFactory(owner=org.r2, name="别人的客户")
    c = client_for(org.r1)
    html = c.get(LIST).content.decode()
    assert "星辰机械" in html and "海纳零售" in html and "别人的客户" not in html
    html = c.get(LIST, {"q": "星辰"}).content.decode()
    assert "星辰机械" in html and "海纳零售" not in html
    html = c.get(LIST, {"q": VALID[:10].lower()}).content.decode()
    assert "星辰机械" in html and "海纳零售" not in html
    html = c.get(LIST, {"industry": "retail"}).content.decode()
    assert "海纳零售" in html and "星辰机械" not in html
    assert "别人的客户" not in c.get(LIST, {"q": "别人"}).content.decode()


def test_list_pages_with_fixed_query_count(org, django_assert_max_num_queries, settings):
    """spec: M4 spirit — the list is paged and its query count does not grow with the customers."""
    settings.OPPHUB_PAGE_SIZE = 10
    for i in range(3):
        ContactFactory(customer=CustomerFactory(owner=org.r1, name=f"客户A{i:02d}"))
    c = client_for(org.r1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get(LIST)
    for i in range(30):
        ContactFactory(customer=CustomerFactory(owner=org.r1, name=f"客户B{i:02d}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = c.get(LIST).content.decode()
    assert "page 1 of 4" in html and "page=2" in html
    html = c.get(LIST, {"page": "4"}).content.decode()
    assert "客户B29" in html


def test_detail_shows_contacts_and_visible_opportunities(org):
    """spec: S2/H2 — contacts with role and director flag; only the opportunities the user may see."""
    customer = CustomerFactory(owner=org.r1)
    ContactFactory(customer=customer, name="陈总", title="总经理", decision_role="decision_maker",
                   is_director_or_above=True)
    mine = make_opportunity(actor=org.r1, customer=customer, name="r1 的项目")
    other = make_opportunity(actor=org.director, owner=org.r3, customer=customer, name="r3 的项目")
    html = client_for(org.r1).get(detail_url(customer)).content.decode()
    assert "陈总" in html and "Decision maker" in html and "Director or above" in html
    assert mine.number in html and other.number not in html
    html = client_for(org.m1).get(detail_url(customer)).content.decode()
    assert mine.number in html and other.number in html


def test_invisible_customer_is_404(org):
    """spec: P1 — another rep's customer does not exist for r2."""
    customer = CustomerFactory(owner=org.r1)
    contact = ContactFactory(customer=customer)
    c = client_for(org.r2)
    assert c.get(detail_url(customer)).status_code == 404
    assert c.get(reverse("customers:edit", kwargs={"pk": customer.pk})).status_code == 404
    assert c.post(reverse("customers:contact_create", kwargs={"pk": customer.pk}), {"name": "x"}).status_code == 404
    assert c.get(reverse("customers:contact_edit", kwargs={"pk": contact.pk})).status_code == 404


def test_create_customer_validates_credit_code_and_keeps_values(org):
    """spec: S1 — a wrong credit code is refused on its field; everything typed stays."""
    c = client_for(org.r1)
    bad = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    r = c.post(reverse("customers:create"), customer_data(org, credit_code=bad))
    html = r.content.decode()
    assert r.status_code == 200 and "not a valid unified social credit code" in html
    assert "上海市嘉定区" in html and f'value="{bad}"' in html
    assert not Customer.objects.exists()
    r = c.post(reverse("customers:create"), customer_data(org))
    customer = Customer.objects.get()
    assert r.status_code == 302 and r["Location"] == detail_url(customer)
    assert customer.owner == org.r1 and customer.credit_code == VALID


def test_escaping_on_customer_pages(org):
    """spec: M1 — a customer named <script> renders as text."""
    customer = CustomerFactory(owner=org.r1, name="<script>alert(1)</script>")
    for url in (LIST, detail_url(customer)):
        html = client_for(org.r1).get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_stale_customer_edit_is_refused(org):
    """spec: optimistic locking — someone saved first: message shown, typed values kept, nothing overwritten."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    read_version = customer.version
    customer_update(actor=org.m1, customer=Customer.objects.get(pk=customer.pk), data={"address": "经理写的地址"},
                    now=NOW, expected_version=read_version)
    r = client_for(org.r1).post(reverse("customers:edit", kwargs={"pk": customer.pk}),
                                customer_data(org, credit_code="", address="销售写的地址", version=read_version))
    html = r.content.decode()
    assert r.status_code == 200 and "Someone else saved this record after you opened it." in html
    assert "销售写的地址" in html
    customer.refresh_from_db()
    assert customer.address == "经理写的地址"


def test_contact_create_and_edit_return_to_where_the_user_came_from(org):
    """spec: S2/H2 — add a decision maker from the card and come back to the card."""
    opp = make_opportunity(actor=org.r1)
    card = reverse("opportunities:card", kwargs={"number": opp.number})
    c = client_for(org.r1)
    url = reverse("customers:contact_create", kwargs={"pk": opp.customer_id})
    assert f'value="{card}"' in c.get(url, {"next": card}).content.decode()
    r = c.post(url, {"name": "陈总", "title": "总经理", "decision_role": "decision_maker",
                     "is_director_or_above": "on", "mobile": "13800000000", "email": "", "wecom": "", "notes": "",
                     "next": card})
    assert r.status_code == 302 and r["Location"] == card
    contact = Contact.objects.get()
    assert contact.is_director_or_above and contact.decision_role == "decision_maker"
    edit = reverse("customers:contact_edit", kwargs={"pk": contact.pk})
    r = c.post(edit, {"name": "陈总", "title": "董事长", "decision_role": "decision_maker", "email": "not-an-email",
                      "version": contact.version})
    assert r.status_code == 200 and "董事长" in r.content.decode()
    r = c.post(edit, {"name": "陈总", "title": "董事长", "decision_role": "decision_maker", "version": contact.version})
    assert r.status_code == 302 and r["Location"] == detail_url(opp.customer)
    contact.refresh_from_db()
    assert contact.title == "董事长" and not contact.is_director_or_above


def test_unsafe_next_is_ignored(org):
    """spec: P1 security — "back" never leads off the site."""
    customer = CustomerFactory(owner=org.r1)
    html = client_for(org.r1).get(detail_url(customer), {"next": "https://evil.example/"}).content.decode()
    assert 'href="https://evil.example/"' not in html and f'href="{LIST}"' in html


def test_supporters_see_but_cannot_change_customers(org):
    """spec: P2, R4 — presales/finance read the customer of an assigned opportunity; edit is hidden and refused."""
    opp = make_opportunity(actor=org.r1)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=NOW)
    c = client_for(org.finance)
    html = c.get(detail_url(opp.customer)).content.decode()
    assert opp.customer.name in html
    assert reverse("customers:edit", kwargs={"pk": opp.customer_id}) not in html
    assert reverse("customers:contact_create", kwargs={"pk": opp.customer_id}) not in html
    assert "New opportunity for this customer" not in html
    assert c.get(reverse("customers:edit", kwargs={"pk": opp.customer_id})).status_code == 403
    r = c.post(reverse("customers:contact_create", kwargs={"pk": opp.customer_id}),
               {"name": "x", "decision_role": "other"})
    assert r.status_code == 403 and not Contact.objects.exists()
    assert c.get(reverse("customers:create")).status_code == 403
