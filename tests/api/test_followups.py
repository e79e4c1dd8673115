"""spec: C1-C4, S3 (weekly follow-up records), P2/P3 — log and read follow-ups over the API: contacts of the
customer only, never in the future, finance/legal reviewers read but do not log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from opphub.opportunities.models import Opportunity
from opphub.opportunities.services import opportunity_assign
from tests.api.clients import session_client, token_client
from tests.factories import ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db
JSON = "application/json"


def url(opp):  # type: ignore[no-untyped-def]
    return f"/api/opportunities/{opp.number}/followups"


def test_log_and_list_followups(org):
    """spec: C1 — a touch with its contacts; the opportunity's last follow-up moves with it."""
    opp = make_opportunity(actor=org.r1)
    chen = ContactFactory(customer=opp.customer, name="陈总")
    client = token_client(org.r1)
    when = (timezone.now() - dt.timedelta(hours=2)).replace(microsecond=0)
    r = client.post(url(opp), {"kind": "visit", "occurred_at": when.isoformat(), "notes": "现场调研",
                               "objections": "价格偏高", "next_step": "发方案初稿", "contact_ids": [chen.pk]},
                    content_type=JSON)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "visit" and body["direction"] == "out" and body["author"]["id"] == org.r1.pk
    assert body["contacts"] == [{"id": chen.pk, "name": "陈总"}]
    assert dt.datetime.fromisoformat(body["occurred_at"]) == when
    client.post(url(opp), {"kind": "phone", "notes": "电话确认"}, content_type=JSON)  # occurred now
    listed = client.get(url(opp)).json()
    assert listed["count"] == 2 and [f["kind"] for f in listed["items"]] == ["phone", "visit"]
    assert client.get(url(opp), {"limit": 1, "offset": 1}).json()["items"][0]["id"] == body["id"]
    opp_json = client.get(f"/api/opportunities/{opp.number}").json()
    assert opp_json["last_followup_at"] is not None
    assert Opportunity.objects.get(pk=opp.pk).version == opp.version  # logging does not bump the edit version


def test_followup_field_errors(org):
    """spec: C1 — a touch needs a known kind and notes, cannot be in the future, and names the
    customer's own contacts."""
    opp = make_opportunity(actor=org.r1)
    other = ContactFactory()  # a contact of another customer
    client = session_client(org.r1)
    r = client.post(url(opp), {"kind": "fax"}, content_type=JSON)
    assert {tuple(e["loc"]) for e in r.json()["detail"]} == {("body", "kind"), ("body", "notes")}
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = client.post(url(opp), {"kind": "phone", "notes": "x", "occurred_at": future}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    r = client.post(url(opp), {"kind": "phone", "notes": "x", "contact_ids": [other.pk]}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "contact_ids"]
    assert client.get(url(opp)).json()["count"] == 0


def test_supporters_log_reviewers_only_read(org):
    """spec: P2/P3 — the assigned presales engineer logs a touch; the assigned finance reviewer reads only."""
    opp = make_opportunity(actor=org.r1)
    for user in (org.presales, org.finance):
        opportunity_assign(actor=org.r1, opportunity=opp, user=user, now=timezone.now())
    r = session_client(org.presales).post(url(opp), {"kind": "meeting", "notes": "方案交流"}, content_type=JSON)
    assert r.status_code == 201
    r = session_client(org.finance).post(url(opp), {"kind": "phone", "notes": "付款条件"}, content_type=JSON)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert session_client(org.finance).get(url(opp)).json()["count"] == 1
    r = session_client(org.r2).post(url(opp), {"kind": "phone", "notes": "x"}, content_type=JSON)
    assert r.status_code == 404


def test_a_follow_up_records_and_answers_what_the_customer_waits_for(org):
    """spec: C1-C4 — ``waiting_for`` records a customer request (owed by the owner), ``/requests`` lists it
    open, a later follow-up's ``answers`` closes it; an unknown or answered id is refused; another
    opportunity's reader gets 404."""
    opp = make_opportunity(actor=org.r1)
    client = token_client(org.r1)
    r = client.post(url(opp), {"kind": "meeting", "notes": "方案评审",
                               "waiting_for": [{"kind": "feedback", "text": "补充ROI测算"}]}, content_type=JSON)
    assert r.status_code == 201, r.content
    requests = f"/api/opportunities/{opp.number}/requests"
    (req,) = client.get(requests).json()
    assert (req["kind"], req["text"], req["owed_by"]["id"], req["answered_at"]) == ("feedback", "补充ROI测算",
                                                                                    org.r1.pk, None)
    assert req["followup_id"] == r.json()["id"]
    answer = client.post(url(opp), {"kind": "email", "notes": "已发送", "answers": [req["id"]]}, content_type=JSON)
    assert answer.status_code == 201, answer.content
    (req,) = client.get(requests).json()
    assert req["answered_at"] is not None and req["answered_by_followup_id"] == answer.json()["id"]
    again = client.post(url(opp), {"kind": "email", "notes": "再次", "answers": [req["id"]]}, content_type=JSON)
    assert again.status_code in (400, 422)
    assert token_client(org.r2).get(requests).status_code == 404
    objection = client.post(url(opp), {"kind": "phone", "notes": "异议",
                                       "waiting_for": [{"kind": "objection", "text": "太贵"}]}, content_type=JSON)
    assert objection.status_code in (400, 422)  # C4 objections go through POST …/objections
