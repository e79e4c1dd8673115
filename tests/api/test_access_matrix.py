"""spec: P1-P4 — role × endpoint matrix over the API. Records owned by r1 (team east), r3 (east2, below
east) and r2 (west); r1's supported by presales and finance, r2's by customer success; plus a customer of
r1 without an opportunity. Every GET answers 200 or 404 exactly per the access rules (rep: own +
assigned; presales/cs/finance/legal: assigned; manager m1: east + east2; m2: west; director/admin: all),
lists hold exactly the visible set, and writes are refused (403 when visible, 404 when not) for roles
that may not make them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from opphub.followups.services import followup_log
from opphub.opportunities.services import opportunity_assign
from tests.api.clients import session_client, token_client
from tests.factories import ContactFactory, CustomerFactory, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
JSON = "application/json"
ALL = {"r1", "r2", "r3"}
ROLES = ["rep", "presales", "cs", "manager", "director", "finance", "legal", "admin"]  # org.by_role()
USERS = ["r1", "presales", "cs", "m1", "director", "finance", "legal", "admin", "r2", "r3", "m2"]

# whose opportunities each user sees
SEES = {"r1": {"r1"}, "r2": {"r2"}, "r3": {"r3"}, "presales": {"r1"}, "finance": {"r1"}, "cs": {"r2"},
        "legal": set(), "m1": {"r1", "r3"}, "m2": {"r2"}, "director": ALL, "admin": ALL}
# whose opportunities (and their customers) each user may change; supporters change nothing
EDITS = {"r1": {"r1"}, "r2": {"r2"}, "r3": {"r3"}, "m1": {"r1", "r3"}, "m2": {"r2"}, "director": ALL, "admin": ALL}
# r1's customer without an opportunity: its owner, the owner's manager, director and admin
LONELY = {"r1", "m1", "director", "admin"}
REVIEWERS = {"finance", "legal"}


def test_users_cover_every_role(org):
    assert sorted(org.by_role()) == sorted(ROLES)
    assert {u.username for u in org.by_role().values()} | {"r2", "r3", "m2"} == set(USERS)


@pytest.fixture
def world(org):  # type: ignore[no-untyped-def]
    now = timezone.now()
    opps = {name: fulfil(make_opportunity(actor=getattr(org, name), now=now)) for name in sorted(ALL)}
    opportunity_assign(actor=org.r1, opportunity=opps["r1"], user=org.presales, now=now)
    opportunity_assign(actor=org.r1, opportunity=opps["r1"], user=org.finance, now=now)
    opportunity_assign(actor=org.r2, opportunity=opps["r2"], user=org.cs, now=now)
    contacts = {}
    for name, opp in opps.items():
        contacts[name] = ContactFactory(customer=opp.customer)
        followup_log(actor=getattr(org, name), opportunity=opp, now=now, data={"kind": "phone", "notes": "电话"})
    lonely = CustomerFactory(owner=org.r1, region=org.region)
    contacts["lonely"] = ContactFactory(customer=lonely)
    customers = {**{name: opp.customer for name, opp in opps.items()}, "lonely": lonely}
    return opps, customers, contacts


def visible_customers(who):  # type: ignore[no-untyped-def]
    return SEES[who] | ({"lonely"} if who in LONELY else set())


def editable_customers(who):  # type: ignore[no-untyped-def]
    return EDITS.get(who, set()) | ({"lonely"} if who in LONELY and who in EDITS else set())


@pytest.mark.parametrize("who", USERS)
def test_reads(org, world, who):
    """spec: P1-P4 — every GET endpoint on every record: 200 exactly when visible, else 404."""
    opps, customers, contacts = world
    client = session_client(getattr(org, who))
    got, expected = {}, {}
    for name, opp in opps.items():
        for tail in ("", "/stage-history", "/followups"):
            path = f"/api/opportunities/{opp.number}{tail}"
            got[path] = client.get(path).status_code
            expected[path] = 200 if name in SEES[who] else 404
    for name, customer in customers.items():
        for path in (f"/api/customers/{customer.pk}", f"/api/customers/{customer.pk}/contacts",
                     f"/api/contacts/{contacts[name].pk}"):
            got[path] = client.get(path).status_code
            expected[path] = 200 if name in visible_customers(who) else 404
    assert got == expected


@pytest.mark.parametrize("who", USERS)
def test_lists_hold_exactly_the_visible_set(org, world, who):
    """spec: P1-P4 — list endpoints leak nothing and miss nothing (session and token alike)."""
    opps, customers, contacts = world
    for client in (session_client(getattr(org, who)), token_client(getattr(org, who))):
        listed = client.get("/api/opportunities", {"limit": 200}).json()
        assert {o["number"] for o in listed["items"]} == {opps[n].number for n in SEES[who]}
        assert listed["count"] == len(SEES[who])
        listed = client.get("/api/customers", {"limit": 200}).json()
        assert {c["id"] for c in listed["items"]} == {customers[n].pk for n in visible_customers(who)}
        assert listed["count"] == len(visible_customers(who))
        for name in SEES[who]:
            followups = client.get(f"/api/opportunities/{opps[name].number}/followups").json()
            assert followups["count"] == 1
        for name in visible_customers(who):
            listed_contacts = client.get(f"/api/customers/{customers[name].pk}/contacts").json()
            assert [c["id"] for c in listed_contacts] == [contacts[name].pk]


def expect(allowed, visible, ok):  # type: ignore[no-untyped-def]
    return ok if allowed else (403 if visible else 404)


@pytest.mark.parametrize("who", USERS)
def test_writes(org, world, who):
    """spec: P1-P4 — PATCH, move, close and follow-up POST on every record, and customer/contact PATCH:
    done when allowed; 403 for a visible record the role may not change; 404 when invisible."""
    opps, customers, contacts = world
    client = session_client(getattr(org, who))
    got, expected = {}, {}
    for name, opp in opps.items():
        visible, allowed = name in SEES[who], name in EDITS.get(who, set())
        base = f"/api/opportunities/{opp.number}"
        key = f"PATCH {base}"
        got[key] = client.patch(base, {"timeline": who}, content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 200)
        key = f"move {base}"
        got[key] = client.post(f"{base}/move", {"to_stage": "confirmation"}, content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 200)
        key = f"followup {base}"
        got[key] = client.post(f"{base}/followups", {"kind": "phone", "notes": who}, content_type=JSON).status_code
        expected[key] = expect(visible and who not in REVIEWERS, visible, 201)
        key = f"close {base}"
        got[key] = client.post(f"{base}/close", {"outcome": "lost"}, content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 200)
    for name, customer in customers.items():
        visible, allowed = name in visible_customers(who), name in editable_customers(who)
        key = f"PATCH customer {name}"
        got[key] = client.patch(f"/api/customers/{customer.pk}", {"notes": who}, content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 200)
        key = f"PATCH contact {name}"
        got[key] = client.patch(f"/api/contacts/{contacts[name].pk}", {"notes": who},
                                content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 200)
        key = f"POST contact {name}"
        got[key] = client.post(f"/api/customers/{customer.pk}/contacts", {"name": who},
                               content_type=JSON).status_code
        expected[key] = expect(allowed, visible, 201)
    assert got == expected


@pytest.mark.parametrize("who", USERS)
def test_create_opportunity_on_visible_customers_only(org, world, who):
    """spec: P1/P2 — creators add opportunities to customers they see (the director and the administrator
    name a rep as owner); supporters create none; a customer one cannot see is 'unknown' (422), not a 403
    that would confirm it exists."""
    _opps, customers, _contacts = world
    client = session_client(getattr(org, who))
    creator = who in {"r1", "r2", "r3", "m1", "m2", "director", "admin"}
    for name, customer in customers.items():
        body = {"customer_id": customer.pk, "name": "新商机", "amount": "1000", "expected_close_date": "2027-01-31"}
        if who in {"director", "admin"}:  # they belong to no sales team: they name the owner
            body["owner_id"] = customer.owner_id
        r = client.post("/api/opportunities", body, content_type=JSON)
        if name not in visible_customers(who):
            assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "customer_id"]
        else:
            assert r.status_code == (201 if creator else 403), (name, r.content)
