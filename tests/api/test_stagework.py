"""spec: S1-S5, M2, H1-H4 over the API — the same gates and access rules as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opphub.gates.models import Approval
from tests.api.clients import session_client, token_client
from tests.factories import make_opportunity
from tests.stagework import PDF, advance_to, fulfil

pytestmark = pytest.mark.django_db
JSON = "application/json"


def url(opp, tail=""):  # type: ignore[no-untyped-def]
    return f"/api/opportunities/{opp.number}{tail}"


def test_gate_checklist_then_screening_approval_then_move(org):
    """spec: S1→S2, M2 — the gate lists what is missing; the manager approves over the API; the move is
    refused with the checklist until the gate is met."""
    opp = make_opportunity(actor=org.r3)
    rep, manager = token_client(org.r3), token_client(org.m1)
    gate = rep.get(url(opp, "/gate")).json()
    assert gate["kind"] == "advance" and not gate["ready"]
    assert "Upload the Screening report." in gate["checklist"]
    assert set(gate["health"]["dimensions"]) == {"requirement_match", "decision_chain", "budget_certainty"}
    r = rep.post(url(opp, "/move"), {"to_stage": "confirmation"}, content_type=JSON)
    assert r.status_code == 409 and r.json()["code"] == "move_refused"
    assert r.json()["errors"] == gate["checklist"]
    r = rep.post(url(opp, "/documents"), {"doc_type": "screening_report",
                                          "file": SimpleUploadedFile("初筛报告.pdf", PDF)})
    assert r.status_code == 201 and r.json()["name"] == f"{opp.number}-S1-screening_report.pdf"
    r = rep.post(url(opp, "/approvals"), {"key": "screening_report", "note": "请审批"}, content_type=JSON)
    assert r.status_code == 201
    approval_id = r.json()["id"]
    assert rep.post(url(opp, f"/approvals/{approval_id}/decision"), {"decision": "approve"},
                    content_type=JSON).status_code == 403
    r = manager.post(url(opp, f"/approvals/{approval_id}/decision"), {"decision": "approve", "comment": "同意"},
                     content_type=JSON)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    again = manager.post(url(opp, f"/approvals/{approval_id}/decision"), {"decision": "reject", "comment": "x"},
                         content_type=JSON)
    assert again.status_code == 409 and "already decided" in again.json()["detail"]
    fulfil(opp)
    assert rep.post(url(opp, "/move"), {"to_stage": "confirmation"}, content_type=JSON).status_code == 200


def test_bad_files_and_fields_are_422_with_reasons(org):
    """Bad input: a wrong-type upload, an unknown document type, an out-of-range score — 4xx, never 5xx."""
    opp = make_opportunity(actor=org.r1)
    c = session_client(org.r1)
    r = c.post(url(opp, "/documents"), {"doc_type": "proposal", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert r.status_code == 422 and "not an accepted file type" in str(r.json()["detail"])
    r = c.post(url(opp, "/documents"), {"doc_type": "nonsense", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert r.status_code == 422
    r = c.put(url(opp, "/requirement-scores"), {"scores": {"pain_clarity": 101}}, content_type=JSON)
    assert r.status_code == 422
    r = c.put(url(opp, "/requirement-scores"), {"scores": {"weather": 50}}, content_type=JSON)
    assert r.status_code == 422 and "weather" in str(r.json()["detail"])
    r = c.patch(url(opp, "/stage-record"), {"version": 0, "interview_why": "产能"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["version"] == 1
    r = c.patch(url(opp, "/stage-record"), {"version": 0, "interview_why": "另一种说法"}, content_type=JSON)
    assert r.status_code == 409 and r.json()["code"] == "stale"


def test_other_people_get_404_and_downloads_follow_access(org):
    """spec: P1-P4 — invisible opportunities are 404 on every stage-work endpoint, files included."""
    opp = make_opportunity(actor=org.r1)
    doc = session_client(org.r1).post(url(opp, "/documents"), {
        "doc_type": "screening_report", "file": SimpleUploadedFile("a.pdf", PDF)}).json()
    other = token_client(org.r2)
    for path in ("/gate", "/stage-record", "/documents", "/approvals", f"/documents/{doc['id']}/file"):
        assert other.get(url(opp, path)).status_code == 404, path
    r = session_client(org.r1).get(url(opp, f"/documents/{doc['id']}/file"))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF


def test_win_archive_and_health_history(org):
    """spec: S4→Won, S5, H4 — a fulfilled opportunity is won and archived; saved scores keep their inputs."""
    opp = advance_to(make_opportunity(actor=org.r1), "closing")
    c = token_client(org.r1)
    scores = c.get(url(opp, "/health-scores")).json()
    assert scores and scores[0]["playbook_version"] == "1.3.0" and "inputs" in scores[0]["detail"]
    fulfil(opp)
    assert c.post(url(opp, "/close"), {"outcome": "won"}, content_type=JSON).status_code == 200
    r = c.post(url(opp, "/archive"), content_type=JSON)
    assert r.status_code == 409 and r.json()["errors"] == ["Fill in “success points”."]
    c.patch(url(opp, "/stage-record"), {"success_points": "高层拜访促成决策"}, content_type=JSON)
    assert c.post(url(opp, "/archive"), content_type=JSON).json()["archived_at"]
    assert not Approval.objects.filter(state="pending").exists()


def test_won_records_an_event_for_integrations(org):
    """spec: S4 — marking won records an "opportunity.won" event that integrations poll in id order."""
    opp = advance_to(make_opportunity(actor=org.r1), "closing")
    c = token_client(org.r1)
    fulfil(opp)
    c.post(url(opp, "/close"), {"outcome": "won", "note": "合同已盖章"}, content_type=JSON)
    lost = make_opportunity(actor=org.r1)
    c.post(url(lost, "/close"), {"outcome": "lost"}, content_type=JSON)
    events = c.get("/api/events").json()
    assert [(e["kind"], e["number"]) for e in events] == [("opportunity.won", opp.number),
                                                          ("opportunity.lost", lost.number)]
    assert events[0]["payload"]["note"] == "合同已盖章" and events[0]["payload"]["service_contact_id"]
    assert c.get("/api/events", {"after": events[0]["id"]}).json()[0]["kind"] == "opportunity.lost"
    assert c.get("/api/events", {"kind": "opportunity.won"}).json() == events[:1]
    assert token_client(org.r2).get("/api/events").json() == []  # not r2's opportunities


def test_assign_supporters_over_the_api(org):
    """spec: P2, P3 — editors assign supporters; only support roles; others 403/404."""
    opp = make_opportunity(actor=org.r1)
    c = token_client(org.r1)
    assert c.post(url(opp, "/supporters"), {"user_id": org.presales.pk}, content_type=JSON).status_code == 201
    assert c.post(url(opp, "/supporters"), {"user_id": org.r2.pk}, content_type=JSON).status_code == 422
    assert c.post(url(opp, "/supporters"), {"user_id": 10**9}, content_type=JSON).status_code == 422
    assert [s["role"] for s in c.get(url(opp, "/supporters")).json()] == ["presales"]
    assert token_client(org.presales).post(url(opp, "/supporters"), {"user_id": org.cs.pk},
                                           content_type=JSON).status_code == 403
    assert token_client(org.r2).get(url(opp, "/supporters")).status_code == 404
