"""spec: S1-S5 over the API — create in S1 with the screening fields and a YEAR-REGION-SEQ number, move
one stage at a time (409 listing what is unmet, M2), close won/lost into S5, stage history; filters and
pagination for integrations; optimistic locking (409 stale); 422 field errors; fixed query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opphub.followups.services import followup_log
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.services import opportunity_assign
from tests.api.clients import session_client, token_client
from tests.factories import CustomerFactory, ProductFactory, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
JSON = "application/json"


def new_opportunity(customer, **extra):  # type: ignore[no-untyped-def]
    return {"customer_id": customer.pk, "name": "ERP 二期", "amount": "1250000.50",
            "expected_close_date": "2027-06-30", **extra}


def url(opp, tail=""):  # type: ignore[no-untyped-def]
    return f"/api/opportunities/{opp if isinstance(opp, str) else opp.number}{tail}"


def test_create_opportunity_with_screening_fields(org):
    """spec: S1 — the six screening fields and three requirements; number YEAR-REGION-SEQ; first stage."""
    customer = CustomerFactory(owner=org.r1, region=org.region, industry="retail", size="large")
    product = ProductFactory(code="MES")
    client = token_client(org.r1)
    screening = {"pain_points": "库存周转慢", "decision_roles": "CIO 决策, IT 经理影响", "budget_min": "1000000",
                 "budget_max": "1500000", "timeline": "2027 Q2 上线", "requirement_1": "门店补货",
                 "requirement_2": "会员", "requirement_3": "报表"}
    r = client.post("/api/opportunities", new_opportunity(customer, products=["MES"], **screening), content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    year = timezone.localtime().year
    assert body["number"] == f"{year}-SH-001"
    assert body["stage"] == "discovery" and body["stage_name"] == "Discovery" and body["status"] == "open"
    assert body["amount"] == "1250000.50" and body["budget_min"] == "1000000.00"
    assert body["industry"] == "retail" and body["company_size"] == "large"  # taken from the customer
    assert {k: body[k] for k in screening} == {**screening, "budget_min": "1000000.00", "budget_max": "1500000.00"}
    assert body["customer"] == {"id": customer.pk, "name": customer.name}
    assert body["owner"] == {"id": org.r1.pk, "name": "张三"} and body["team"]["name"] == "华东一部"
    assert body["region"] == "SH" and body["version"] == 1
    assert body["products"] == [{"id": product.pk, "code": "MES", "name": product.name}]
    assert client.get(url(body["number"])).json() == body


def test_stage_name_follows_accept_language(org):
    """Stage names come from the playbook in the caller's language."""
    opp = make_opportunity(actor=org.r1)
    assert session_client(org.r1, lang="zh-hans").get(url(opp)).json()["stage_name"] == "商机发现"
    assert session_client(org.r1, lang="zh-hant").get(url(opp)).json()["stage_name"] == "商機發現"


@pytest.mark.parametrize(("field", "value", "error_type"), [
    ("amount", "12万", "decimal_parsing"),
    ("amount", "-1", "min_value"),
    ("amount", "1.234", "max_decimal_places"),
    ("amount", "NaN", "finite_number"),
    ("expected_close_date", "2027-02-30", "date_from_datetime_parsing"),
    ("budget_max", "10", "invalid"),
    ("name", "", "blank"),
    ("products", ["NOPE"], "unknown"),
    ("owner_id", 0, "greater_than_equal"),
    ("stage", "closing", "extra_forbidden"),
])
def test_create_field_errors_are_422(org, field, value, error_type):
    """spec: S1 — a bad amount, date, budget range, name, product or owner: 422 naming the field."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    r = session_client(org.r1).post("/api/opportunities",
                                    new_opportunity(customer, budget_min="100", **{field: value}), content_type=JSON)
    assert r.status_code == 422, r.content
    errors = {e["loc"][-1]: e for e in r.json()["detail"]}
    assert errors[field]["type"] == error_type, errors
    assert all(e["loc"][0] == "body" and e["msg"] for e in r.json()["detail"])
    assert not Opportunity.objects.exists()


def test_missing_name_and_unknown_customer(org):
    """spec: S1 — required fields are listed together; a customer you cannot see is 'unknown'."""
    hidden = CustomerFactory(owner=org.r2, region=org.region)
    client = session_client(org.r1)
    r = client.post("/api/opportunities", {"customer_id": hidden.pk}, content_type=JSON)
    assert {tuple(e["loc"]) for e in r.json()["detail"]} == {
        ("body", "name"), ("body", "amount"), ("body", "expected_close_date")}
    r = client.post("/api/opportunities", new_opportunity(hidden), content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "customer_id"]


def test_move_one_stage_and_history(org):
    """spec: S1→S2→S3 — each move is recorded with who, when and the note."""
    opp = fulfil(make_opportunity(actor=org.r1))
    client = session_client(org.r1)
    r = client.post(url(opp, "/move"), {"to_stage": "confirmation", "version": 1, "note": "初篩已批"},
                    content_type=JSON)
    assert r.status_code == 200, r.content
    assert r.json()["stage"] == "confirmation" and r.json()["stage_name"] == "Requirement confirmation"
    assert r.json()["version"] == 2
    assert (r.json()["outcome"], r.json()["health_total"]) == ("moved", "66")  # H4 in S1: band + screening approval
    fulfil(opp)
    assert client.post(url(opp, "/move"), {"to_stage": "solution"}, content_type=JSON).status_code == 200
    history = client.get(url(opp, "/stage-history")).json()
    assert [h["stage"] for h in history] == ["discovery", "confirmation", "solution"]
    assert history[1]["note"] == "初篩已批" and history[1]["moved_by"]["id"] == org.r1.pk
    assert history[0]["left_at"] is not None and history[0]["days"] is not None
    assert history[-1]["left_at"] is None and history[-1]["days"] is None


def test_skipping_a_stage_is_409_with_reasons(org):
    """spec: S1-S4, M2 — stages cannot be skipped; the answer says which stage comes first."""
    opp = make_opportunity(actor=org.r1)
    r = session_client(org.r1).post(url(opp, "/move"), {"to_stage": "closing"}, content_type=JSON)
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "move_refused" and "Requirement confirmation" in body["detail"]
    assert body["errors"] == [body["detail"]]
    r = session_client(org.r1, lang="zh-hans").post(url(opp, "/move"), {"to_stage": "archive"}, content_type=JSON)
    assert r.status_code == 409 and "商机归档" in r.json()["detail"]
    r = session_client(org.r1).post(url(opp, "/move"), {"to_stage": "nowhere"}, content_type=JSON)
    assert r.status_code == 409
    assert Opportunity.objects.get(pk=opp.pk).stage == "discovery"
    assert StageHistory.objects.filter(opportunity=opp).count() == 1


def test_stale_version_is_409(org):
    """Two people edit one opportunity: the second save, made on the old version, is refused."""
    opp = make_opportunity(actor=org.r1)
    client = session_client(org.r1)
    assert client.patch(url(opp), {"amount": "900000", "version": 1}, content_type=JSON).status_code == 200
    r = client.patch(url(opp), {"name": "old tab", "version": 1}, content_type=JSON)
    assert r.status_code == 409 and r.json()["code"] == "stale" and r.json()["detail"]
    r = client.post(url(opp, "/move"), {"to_stage": "confirmation", "version": 1}, content_type=JSON)
    assert r.status_code == 409 and r.json()["code"] == "stale"
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert fresh.name == opp.name and fresh.stage == "discovery" and fresh.version == 2


def test_patch_opportunity(org):
    """spec: S1 — fields change, the rest stays; products are replaced; the manager hands it to r3."""
    opp = make_opportunity(actor=org.r1)
    ProductFactory(code="WMS")
    r = session_client(org.r1).patch(url(opp), {"timeline": "明年三月", "budget_min": None, "products": ["WMS"],
                                                "expected_close_date": "2027-05-01"}, content_type=JSON)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["timeline"] == "明年三月" and body["expected_close_date"] == "2027-05-01"
    assert [p["code"] for p in body["products"]] == ["WMS"] and body["name"] == opp.name
    r = session_client(org.m1).patch(url(opp), {"owner_id": org.r3.pk}, content_type=JSON)
    assert r.status_code == 200 and r.json()["owner"]["id"] == org.r3.pk and r.json()["team"]["name"] == "华东二部"
    r = session_client(org.r3).patch(url(opp), {"amount": "abc", "industry": None}, content_type=JSON)
    assert {e["loc"][-1] for e in r.json()["detail"]} == {"amount", "industry"}


def test_close_won_and_lost(org):
    """spec: S4/S5 — won only from Closing; lost from any open stage; both land in the archive."""
    opp = make_opportunity(actor=org.r1)
    client = session_client(org.r1)
    r = client.post(url(opp, "/close"), {"outcome": "won"}, content_type=JSON)
    assert r.status_code == 409 and r.json()["code"] == "move_refused"
    for stage in ("confirmation", "solution", "closing"):
        fulfil(opp)
        assert client.post(url(opp, "/move"), {"to_stage": stage}, content_type=JSON).status_code == 200
    fulfil(opp)
    r = client.post(url(opp, "/close"), {"outcome": "won", "note": "合同已盖章"}, content_type=JSON)
    assert r.status_code == 200
    assert r.json()["status"] == "won" and r.json()["stage"] == "archive" and r.json()["closed_at"]
    assert client.post(url(opp, "/close"), {"outcome": "lost"}, content_type=JSON).status_code == 409
    lost = make_opportunity(actor=org.r1)
    r = client.post(url(lost, "/close"), {"outcome": "lost"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["status"] == "lost"
    r = client.post(url(lost, "/close"), {"outcome": "maybe"}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]


def test_list_filters_and_pagination(org):
    """Integrations page through and filter: stage, status, owner, team, q, updated_since."""
    east = [fulfil(make_opportunity(actor=org.r1, name=f"东区项目{i}")) for i in range(3)]
    east2 = make_opportunity(actor=org.r3, customer=CustomerFactory(owner=org.r3, name="杭州青禾物流"))
    session_client(org.r1).post(url(east[0], "/move"), {"to_stage": "confirmation"}, content_type=JSON)
    client = session_client(org.director)

    def numbers(**params):  # type: ignore[no-untyped-def]
        r = client.get("/api/opportunities", params)
        assert r.status_code == 200, r.content
        return [o["number"] for o in r.json()["items"]]

    everything = client.get("/api/opportunities", {"limit": 2}).json()
    assert everything["count"] == 4 and len(everything["items"]) == 2 and everything["limit"] == 2
    rest = client.get("/api/opportunities", {"limit": 2, "offset": 2}).json()["items"]
    assert {o["number"] for o in everything["items"] + rest} == {o.number for o in [*east, east2]}
    assert numbers(stage="confirmation") == [east[0].number]
    assert numbers(status="won") == []
    assert set(numbers(owner=org.r3.pk)) == {east2.number}
    assert set(numbers(team=org.east.pk)) == {o.number for o in east}
    assert numbers(q="青禾") == [east2.number]
    assert numbers(q=east[1].number) == [east[1].number]
    Opportunity.objects.filter(pk=east[2].pk).update(updated_at=timezone.now() + dt.timedelta(hours=1))
    since = (timezone.now() + dt.timedelta(minutes=30)).isoformat()
    assert numbers(updated_since=since) == [east[2].number]
    r = client.get("/api/opportunities", {"limit": 0, "status": "sleeping", "updated_since": "yesterday"})
    assert {e["loc"][-1] for e in r.json()["detail"]} == {"limit", "status", "updated_since"}


def test_list_query_count_does_not_grow(org):
    """Fixed number of queries per page: 50 opportunities cost what 2 cost (no N+1)."""
    product = ProductFactory()

    def add(n):  # type: ignore[no-untyped-def]
        for _ in range(n):
            opp = make_opportunity(actor=org.r1)
            opp.products.set([product])
            opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=timezone.now())
            followup_log(actor=org.r1, opportunity=opp, data={"kind": "phone", "notes": "电话"}, now=timezone.now())

    def queries(user):  # type: ignore[no-untyped-def]
        client = session_client(user)
        client.get("/api/opportunities")  # warm-up: session, playbook parse
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/opportunities", {"limit": 100})
        assert r.status_code == 200
        return len(ctx), r.json()["count"]

    add(2)
    small = {u: queries(getattr(org, u)) for u in ("r1", "m1", "presales", "director")}
    add(48)
    large = {u: queries(getattr(org, u)) for u in ("r1", "m1", "presales", "director")}
    for user, (count, total) in small.items():
        assert total == 2 and large[user] == (count, 50), (user, count, large[user])
