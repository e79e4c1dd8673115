"""spec: S1/S2/H2 — customers and contacts (decision-chain roles) over the API: create, read, list,
change with optimistic locking; field errors as 422 in one shape, translated per Accept-Language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opphub.customers import credit_code
from opphub.customers.models import Customer
from tests.api.clients import session_client, token_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

VALID = "91310000MA1FL0XX1"
VALID += credit_code.check_char(VALID)
NEW = {"name": "上海星辰精密机械有限公司", "industry": "manufacturing", "size": "large", "region": "SH"}


def errors_by_field(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    return {tuple(e["loc"]): e for e in response.json()["detail"]}


def test_create_read_list_customer(org):
    """spec: S1 — a rep records a customer with its credit code; it shows in their list."""
    client = session_client(org.r1)
    r = client.post("/api/customers", {**NEW, "credit_code": VALID.lower(), "website": "https://xc.example"},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == NEW["name"] and body["credit_code"] == VALID and body["region"] == "SH"
    assert body["owner"]["id"] == org.r1.pk and body["version"] == 1
    assert client.get(f"/api/customers/{body['id']}").json() == body
    listed = client.get("/api/customers", {"q": "星辰"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert client.get("/api/customers", {"q": "不存在"}).json()["count"] == 0


def test_manager_creates_for_a_rep_but_rep_not_for_others(org):
    """spec: P4 — a manager may make a rep of the team the owner; a rep may not hand customers out."""
    r = session_client(org.m1).post("/api/customers", {**NEW, "owner_id": org.r3.pk},
                                    content_type="application/json")
    assert r.status_code == 201 and r.json()["owner"]["id"] == org.r3.pk
    r = session_client(org.r1).post("/api/customers", {**NEW, "name": "另一家", "owner_id": org.r2.pk},
                                    content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_supporters_cannot_create_customers(org):
    """spec: P2/P3 — presales and finance support opportunities; they do not create customers."""
    for user in (org.presales, org.finance):
        r = token_client(user).post("/api/customers", NEW, content_type="application/json")
        assert r.status_code == 403


def test_customer_field_errors_are_422(org):
    """spec: S1 — missing name, bad credit code, unknown industry and region: 422, one entry per field."""
    client = session_client(org.r1)
    errors = errors_by_field(client.post("/api/customers", {"industry": "mining", "size": "large", "region": "SH"},
                                         content_type="application/json"))
    assert set(errors) == {("body", "name"), ("body", "industry")}
    assert errors[("body", "name")]["type"] == "missing"
    errors = errors_by_field(client.post("/api/customers", {**NEW, "credit_code": VALID[:-1] + "0"},
                                         content_type="application/json"))
    assert errors[("body", "credit_code")]["type"] == "credit_code"
    assert "unified social credit code" in errors[("body", "credit_code")]["msg"]
    errors = errors_by_field(client.post("/api/customers", {**NEW, "region": "XX"}, content_type="application/json"))
    assert ("body", "region") in errors
    errors = errors_by_field(client.post("/api/customers", {**NEW, "name": "   "}, content_type="application/json"))
    assert errors[("body", "name")]["type"] == "blank"
    assert Customer.objects.count() == 0


def test_duplicate_credit_code_is_422(org):
    """One company, one record: the unified social credit code is unique."""
    CustomerFactory(owner=org.r2, credit_code=VALID)
    r = session_client(org.r1).post("/api/customers", {**NEW, "credit_code": VALID}, content_type="application/json")
    assert ("body", "credit_code") in errors_by_field(r)


def test_errors_follow_accept_language(org):
    """Messages in the caller's language: the same missing name in Simplified Chinese."""
    r = session_client(org.r1, lang="zh-hans").post("/api/customers", {"industry": "software"},
                                                   content_type="application/json")
    message = errors_by_field(r)[("body", "name")]["msg"]
    assert message != "This field is required." and "字段" in message


def test_patch_customer_and_stale_version(org):
    """Optimistic locking: a PATCH naming an old version is 409; without a version it applies."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    client = session_client(org.r1)
    r = client.patch(f"/api/customers/{customer.pk}", {"address": "上海市浦东新区", "version": 1},
                     content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["address"] == "上海市浦东新区" and r.json()["version"] == 2
    assert r.json()["name"] == customer.name  # untouched fields stay
    r = client.patch(f"/api/customers/{customer.pk}", {"notes": "old tab", "version": 1},
                     content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = client.patch(f"/api/customers/{customer.pk}", {"name": None}, content_type="application/json")
    assert ("body", "name") in errors_by_field(r)
    r = client.patch(f"/api/customers/{customer.pk}", {"owner": org.r2.pk}, content_type="application/json")
    assert errors_by_field(r)[("body", "owner")]["type"] == "extra_forbidden"


def test_contacts_create_list_patch(org):
    """spec: S2/H2 — contacts carry the decision-chain role (decision maker, influencer, user)."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    client = session_client(org.r1)
    r = client.post(f"/api/customers/{customer.pk}/contacts",
                    {"name": "陈总", "title": "CIO", "is_director_or_above": True, "decision_role": "decision_maker",
                     "email": "chen@example.com"}, content_type="application/json")
    assert r.status_code == 201, r.content
    contact = r.json()
    assert contact["customer"] == {"id": customer.pk, "name": customer.name}
    assert contact["decision_role"] == "decision_maker" and contact["is_director_or_above"] is True
    listed = client.get(f"/api/customers/{customer.pk}/contacts").json()
    assert [c["id"] for c in listed] == [contact["id"]]
    r = client.patch(f"/api/contacts/{contact['id']}", {"decision_role": "influencer", "version": 1},
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["decision_role"] == "influencer" and r.json()["version"] == 2
    assert client.get(f"/api/contacts/{contact['id']}").json()["decision_role"] == "influencer"
    r = client.patch(f"/api/contacts/{contact['id']}", {"title": "CTO", "version": 1},
                     content_type="application/json")
    assert r.status_code == 409


def test_contact_field_errors_are_422(org):
    """A contact needs a name, a known decision role and a valid e-mail address."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    client = session_client(org.r1)
    errors = errors_by_field(client.post(f"/api/customers/{customer.pk}/contacts",
                                         {"decision_role": "boss"}, content_type="application/json"))
    assert set(errors) == {("body", "name"), ("body", "decision_role")}
    errors = errors_by_field(client.post(f"/api/customers/{customer.pk}/contacts",
                                         {"name": "陈总", "email": "not-an-email"}, content_type="application/json"))
    assert errors[("body", "email")]["type"] == "invalid"


def test_customer_list_query_count_is_fixed(org):
    """Lists cost the same number of queries for 2 or 40 customers (no N+1)."""
    client = session_client(org.m1)
    counts = []
    for n in (2, 40):
        CustomerFactory.create_batch(n - Customer.objects.count(), owner=org.r1, region=org.region)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/customers", {"limit": 100}).json()["count"] == n
        counts.append(len(ctx))
    assert counts[0] == counts[1]
