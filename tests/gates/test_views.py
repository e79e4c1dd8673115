"""The stage-work page and its actions over HTTP: checklist, uploads, downloads, approvals, errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opphub.gates.models import Approval, Document, StageRecord
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, client_for, make_opportunity
from tests.stagework import PDF

pytestmark = pytest.mark.django_db


def url(opp, name="stage", **kw):  # type: ignore[no-untyped-def]
    return reverse(f"gates:{name}", kwargs={"number": opp.number, **kw})


def test_page_shows_the_checklist_and_health(org):
    """spec: M2, H1-H4 — the page lists what the gate still needs and the score with its parts."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    html = client_for(org.r1).get(url(opp)).content.decode()
    assert "Advance to Requirement confirmation" in html
    assert "Upload the Screening report." in html and "Get the Screening report approval." in html
    assert "Requirement match" in html and "Decision-chain coverage" in html and "Budget certainty" in html
    zh = client_for(org.r1, "zh-hans").get(url(opp)).content.decode()
    assert "商机初筛报告" in zh


def test_upload_keeps_the_choice_and_explains_a_bad_file(org):
    """Bad input: a wrong-type upload re-renders the form with the reason and the chosen type; nothing saved."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    c = client_for(org.r1)
    r = c.post(url(opp, "upload"), {"doc_type": "proposal", "file": SimpleUploadedFile("方案.exe", b"MZ")})
    assert r.status_code == 400
    html = r.content.decode()
    assert "“方案.exe” is not an accepted file type" in html
    assert '<option value="proposal" selected>' in html
    assert not Document.objects.exists()
    r = c.post(url(opp, "upload"), {"doc_type": "screening_report", "file": SimpleUploadedFile("初筛.pdf", PDF)})
    assert r.status_code == 302
    doc = Document.objects.get()
    download = c.get(url(opp, "download", pk=doc.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert f'{opp.number}-S1-screening_report.pdf' in download["Content-Disposition"]
    assert client_for(org.r2).get(url(opp, "download", pk=doc.pk)).status_code == 404
    assert client_for(org.m2).get(url(opp)).status_code == 404


def test_supporter_reads_but_finance_does_not_upload(org):
    """spec: P2 — assigned presales upload minutes; finance reads the page without upload forms."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    for user in (org.presales, org.finance):
        opportunity_assign(actor=org.r1, opportunity=opp, user=user, now=NOW)
    assert 'action="{}"'.format(url(opp, "upload")) in client_for(org.presales).get(url(opp)).content.decode()
    html = client_for(org.finance).get(url(opp)).content.decode()
    assert 'action="{}"'.format(url(opp, "upload")) not in html
    r = client_for(org.finance).post(url(opp, "upload"), {"doc_type": "proposal",
                                                          "file": SimpleUploadedFile("x.pdf", PDF)})
    assert r.status_code == 403 and not Document.objects.exists()


def test_approval_request_and_decision_over_http(org):
    """spec: S1→S2 — the rep requests the screening approval; the manager decides it on the page."""
    opp = make_opportunity(actor=org.r3, now=NOW)
    r = client_for(org.r3).post(url(opp, "approval_request"), {"key": "screening_report", "note": "请审批"})
    assert r.status_code == 302
    approval = Approval.objects.get()
    page = client_for(org.m1).get(url(opp)).content.decode()
    assert url(opp, "approval_decide", pk=approval.pk) in page
    assert url(opp, "approval_decide", pk=approval.pk) not in client_for(org.r3).get(url(opp)).content.decode()
    r = client_for(org.m1).post(url(opp, "approval_decide", pk=approval.pk), {"decision": "reject"}, follow=True)
    assert "Say why you reject it" in r.content.decode()
    client_for(org.m1).post(url(opp, "approval_decide", pk=approval.pk), {"decision": "approve", "comment": "同意"})
    r = client_for(org.m1).post(url(opp, "approval_decide", pk=approval.pk), {"decision": "approve"}, follow=True)
    assert "already decided (Approved by 王经理)" in r.content.decode()


def test_stale_record_edit_keeps_what_was_typed(org):
    """Bad input: two people editing the stage record — the second sees why and keeps their text."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    c = client_for(org.r1)
    assert c.post(url(opp, "record"), {"version": "0", "interview_why": "产能瓶颈"}).status_code == 302
    r = c.post(url(opp, "record"), {"version": "0", "interview_why": "我的新说法"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Someone else saved this record" in html and "我的新说法" in html
    assert StageRecord.objects.get(pk=opp.pk).interview_why == "产能瓶颈"


def test_bad_scores_are_all_reported_and_none_saved(org):
    """spec: H1 — item scores are 0-100; every bad one is reported, nothing partial is written."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    r = client_for(org.r1).post(url(opp, "scores"), {"pain_clarity": "120", "scenario_fit": "abc",
                                                     "functional_fit": "80"})
    assert r.status_code == 400
    html = r.content.decode()
    assert html.count("errorlist") >= 2 and 'value="80"' in html
    assert not opp.requirement_scores.exists()


def test_page_query_count_is_fixed(org, django_assert_max_num_queries):
    """The stage page reads a fixed number of queries whatever the number of documents."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    c = client_for(org.r1)
    c.post(url(opp, "upload"), {"doc_type": "screening_report", "file": SimpleUploadedFile("a.pdf", PDF)})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        c.get(url(opp))
    few = len(ctx.captured_queries)  # read now: the next request clears the query log
    for i in range(8):
        c.post(url(opp, "upload"), {"doc_type": "proposal", "file": SimpleUploadedFile(f"p{i}.pdf", PDF)})
    with django_assert_max_num_queries(few):
        assert c.get(url(opp)).status_code == 200


def test_editor_assigns_supporters_on_the_stage_page(org):
    """spec: P2, P3 — the owner assigns presales and customer success; a rep is refused; others get 404."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    c = client_for(org.r1)
    assert f'value="{org.presales.pk}"' in c.get(url(opp)).content.decode()
    assert c.post(url(opp, "assign"), {"user": org.presales.pk}).status_code == 302
    assert c.post(url(opp, "assign"), {"user": org.r2.pk}, follow=True).status_code == 200
    assert list(opp.assignments.values_list("user__username", flat=True)) == ["presales"]
    assert client_for(org.presales).post(url(opp, "assign"), {"user": org.cs.pk}).status_code == 403
    assert client_for(org.r2).post(url(opp, "assign"), {"user": org.cs.pk}).status_code == 404


def test_a_move_that_goes_to_approval_says_so(org):
    """spec: H4 — advancing with a score of 60-80 answers "waits for the manager's approval", not "moved";
    the JSON answer (board) carries the outcome."""
    from opphub.customers.models import Contact
    from tests.stagework import advance_to, fulfil

    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "confirmation", now=NOW)
    fulfil(opp)
    Contact.objects.filter(customer=opp.customer, decision_role="user").update(decision_role="other")
    StageRecord.objects.filter(pk=opp.pk).update(budget_in_annual_plan=False)  # 40 + 24 + 25 = 89 ...
    opp.requirement_scores.update(score=50)  # ... 20 + 24 + 25 = 69: the manager decides
    move = reverse("opportunities:move", kwargs={"number": opp.number})
    r = client_for(org.r1).post(move, {"to_stage": "solution"}, HTTP_ACCEPT="application/json")
    body = r.json()
    assert r.status_code == 200 and body["outcome"] == "approval" and body["stage"] == "confirmation"
    assert "score is 69 (60–80)" in body["message"] and "approval" in body["message"]
    doc = Document.objects.filter(opportunity=opp, doc_type="confirmation_sheet").get()
    download = client_for(org.r1).get(url(opp, "download", pk=doc.pk) + "?confirmation=1")
    assert download["Content-Disposition"].endswith(f'filename="{doc.stored_name[:-4]}-confirmation.pdf"')
