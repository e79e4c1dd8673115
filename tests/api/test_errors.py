"""Bad input never answers 5xx: malformed JSON, a body that is not an object, unknown fields, absurd ids,
NUL characters — each is a 4xx with a reason in the documented shape."""

from __future__ import annotations

import json

import pytest

from tests.api.clients import session_client
from tests.factories import CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_malformed_json_is_400(org):
    r = session_client(org.r1).post("/api/customers", "{name: 1", content_type=JSON)
    assert r.status_code == 400 and "JSON" in r.json()["detail"]


@pytest.mark.parametrize("body", [[1, 2], "text", 5, None])
def test_body_that_is_not_an_object_is_422(org, body):
    """A PATCH of a list or a number must not pass as an empty change."""
    opp = make_opportunity(actor=org.r1)
    r = session_client(org.r1).patch(f"/api/opportunities/{opp.number}", json.dumps(body), content_type=JSON)
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == ["body"]


def test_empty_body_is_422(org):
    r = session_client(org.r1).post("/api/customers", content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "missing"


@pytest.mark.parametrize("path", ["/api/customers/99999999999999999999", "/api/contacts/0",
                                  "/api/customers/abc", "/api/opportunities?offset=99999999999999999999"])
def test_absurd_ids_are_422(org, path):
    assert session_client(org.director).get(path).status_code == 422


@pytest.mark.parametrize("path", ["/api/customers/424242", "/api/contacts/424242",
                                  "/api/opportunities/2026-SH-999", "/api/opportunities/2026-SH-999/followups",
                                  "/api/opportunities/2026-SH-999/stage-history", "/api/customers/424242/contacts"])
def test_unknown_records_are_404_json(org, path):
    r = session_client(org.director).get(path)
    assert r.status_code == 404 and r.json()["detail"]


def test_nul_characters_are_422(org):
    customer = CustomerFactory(owner=org.r1, region=org.region)
    r = session_client(org.r1).patch(f"/api/customers/{customer.pk}", {"notes": "a\x00b"}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "notes"]


def test_too_long_text_is_422(org):
    customer = CustomerFactory(owner=org.r1, region=org.region)
    r = session_client(org.r1).patch(f"/api/customers/{customer.pk}", {"website": "x" * 500}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "website"]


def test_nul_characters_in_a_search_are_422(org):
    r = session_client(org.r1).get("/api/opportunities", {"q": "a\x00b"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "q"]


def test_nul_character_in_a_number_is_4xx(org):
    r = session_client(org.director).get("/api/opportunities/2026-SH-001%00")
    assert r.status_code in {404, 422}


def test_datetimes_at_the_ends_of_the_calendar_are_422(org):
    """Times near year 1 or 9999 overflow once shifted to UTC: refused with a reason, never a 500."""
    opp = make_opportunity(actor=org.r1)
    c = session_client(org.r1)
    r = c.get("/api/opportunities?updated_since=0001-01-01T00:00:00%2B14:00")
    assert r.status_code == 422, r.content
    r = c.post(f"/api/opportunities/{opp.number}/followups",
               json.dumps({"kind": "phone", "notes": "电话", "occurred_at": "0001-01-01T00:00:00"}), content_type=JSON)
    assert r.status_code == 422, r.content


def test_absurd_version_is_422(org):
    opp = make_opportunity(actor=org.r1)
    r = session_client(org.r1).post(f"/api/opportunities/{opp.number}/move",
                                    json.dumps({"to_stage": "confirmation", "version": 10**30}), content_type=JSON)
    assert r.status_code == 422, r.content
