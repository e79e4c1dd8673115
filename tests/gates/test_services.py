"""Stage gates through the real services: checklist, documents, approvals, the H4 decision, objections,
the S5 archive. Time is fixed (NOW); files go to the test's MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from opphub.common.errors import MoveRefused, NotAllowed, ServiceError
from opphub.gates import archive, services
from opphub.gates.models import Approval, Document, HealthRecord, RequirementScore, StageRecord
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.services import opportunity_assign
from opphub.workflow.services import opportunity_close, opportunity_move_stage
from tests.factories import NOW, ContactFactory, ProductFactory, make_opportunity
from tests.stagework import PDF, _budget, _chain, _followup, _record, advance_to, fulfil

pytestmark = pytest.mark.django_db


def pdf(name="报告.pdf", data=PDF):  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def refused(fn, **kw):  # type: ignore[no-untyped-def]
    with pytest.raises(MoveRefused) as err:
        fn(**kw)
    return err.value.details


def test_s1_gate_lists_everything_missing_and_changes_nothing(org):
    """spec: S1, S2 gate, M2 — a skipped gate shows the whole checklist; nothing moves."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    details = refused(opportunity_move_stage, actor=org.r1, opportunity=opp, to_stage="confirmation", now=NOW)
    assert "Upload the Screening report." in details
    assert "Get the Screening report approval." in details
    assert "Fill in “core pain points”." in details
    assert "Fill in “budget range”." in details
    assert "Assess the requirement match on the screening report (at least 70% is needed)." in details
    opp.refresh_from_db()
    assert opp.stage == "discovery" and StageHistory.objects.filter(opportunity=opp).count() == 1


def test_s1_to_s2_through_the_services_with_the_managers_approval(org):
    """spec: S1→S2 — screening report uploaded and approved by the sales manager, match ≥ 70%, budget
    covers the product's price band."""
    opp = make_opportunity(actor=org.r1, now=NOW, pain_points="排产靠人工", decision_roles="厂长拍板",
                           timeline="明年Q1", requirement_1="排产", requirement_2="质检", requirement_3="追溯",
                           budget_min=Decimal("200000"), budget_max=Decimal("300000"))
    opp.products.add(ProductFactory(price_band_min=Decimal("400000"), price_band_max=Decimal("900000")))
    services.stage_record_update(actor=org.r1, opportunity=opp, data={"screening_match": Decimal("65")}, now=NOW,
                                 expected_version=None)
    services.document_upload(actor=org.r1, opportunity=opp, doc_type="screening_report", upload=pdf(), now=NOW)
    approval = services.approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=NOW,
                                         note="请审批")
    with pytest.raises(NotAllowed):  # a rep does not approve
        services.approval_decide(actor=org.r2, approval=approval, approve=True, comment="", now=NOW)
    services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="同意", now=NOW)
    details = refused(opportunity_move_stage, actor=org.r1, opportunity=opp, to_stage="confirmation", now=NOW)
    assert details == ["The requirement match is 65%; at least 70% is needed.",
                       "The budget (up to ¥300,000) does not reach the product's price band (from ¥400,000)."]
    services.stage_record_update(actor=org.r1, opportunity=opp, data={"screening_match": Decimal("75")}, now=NOW,
                                 expected_version=StageRecord.objects.get(pk=opp.pk).version)
    Opportunity.objects.filter(pk=opp.pk).update(budget_max=Decimal("500000"))
    opp.refresh_from_db()
    # H4 decides in S1 too (docs/decisions.md): 75% match alone is 30 points, below 60: it stays, not ready
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="confirmation", now=NOW)
    assert (opp.stage, outcome.result) == ("discovery", "not_ready") and "not ready" in outcome.message
    record = _record(opp)
    _followup(opp, "phone", NOW, _chain(opp))  # the decision chain reached, the budget evidenced: 30 + 30 + 30
    _budget(opp, record, NOW)
    record.save()
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="confirmation", now=NOW)
    assert opp.stage == "confirmation" and outcome.result == "moved"
    doc = Document.objects.get(opportunity=opp, doc_type="screening_report")
    assert doc.stored_name == f"{opp.number}-S1-screening_report.pdf" and doc.file.read() == PDF


def test_double_submitted_approval_is_refused_naming_the_first_decision(org):
    """spec: M2 — a second decision on the same request (double submit, two managers) changes nothing."""
    opp = make_opportunity(actor=org.r3, now=NOW)
    approval = services.approval_request(actor=org.r3, opportunity=opp, key="screening_report", now=NOW)
    with pytest.raises(ServiceError, match="already requested"):
        services.approval_request(actor=org.r3, opportunity=opp, key="screening_report", now=NOW)
    services.approval_decide(actor=org.m1, approval=approval, approve=False, comment="预算依据不足", now=NOW)
    with pytest.raises(ServiceError, match=r"already decided \(Rejected by 王经理\)"):
        services.approval_decide(actor=org.director, approval=Approval.objects.get(pk=approval.pk), approve=True,
                                 comment="", now=NOW)
    assert Approval.objects.get(pk=approval.pk).state == "rejected"
    with pytest.raises(ValidationError):  # a rejection says why
        again = services.approval_request(actor=org.r3, opportunity=opp, key="screening_report", now=NOW)
        services.approval_decide(actor=org.m1, approval=again, approve=False, comment=" ", now=NOW)


def test_contract_reviews_are_decided_by_the_assigned_finance_and_legal_reviewers(org):
    """spec: S4, M2 — finance and legal review the contract; nobody else decides their approvals."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "closing", now=NOW)
    with pytest.raises(ServiceError, match="Assign a Finance reviewer"):
        services.approval_request(actor=org.r1, opportunity=opp, key="contract_finance", now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=NOW)
    approval = services.approval_request(actor=org.r1, opportunity=opp, key="contract_finance", now=NOW)
    for user in (org.m1, org.director, org.legal):
        with pytest.raises(NotAllowed):
            services.approval_decide(actor=user, approval=approval, approve=True, comment="", now=NOW)
    services.approval_decide(actor=org.finance, approval=approval, approve=True, comment="付款条款可接受", now=NOW)
    assert Approval.objects.get(pk=approval.pk).decided_by == org.finance


@pytest.mark.parametrize(("name", "data", "message"), [
    ("合同.exe", b"MZ\x90\x00", "is not an accepted file type"),
    ("合同.pdf", b"\x89PNG\r\n\x1a\nxxxx", "does not look like a .pdf file"),
    ("合同.pdf", b"", "is empty"),
    ("合同.pdf", PDF + b"0" * 2048, "files up to"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(org, settings, name, data, message):
    """Bad input: oversize or wrong-type uploads get a clear message; no row, no file."""
    settings.OPPHUB_UPLOAD_MAX_BYTES = 1024
    opp = make_opportunity(actor=org.r1, now=NOW)
    with pytest.raises(ValidationError, match=message):
        services.document_upload(actor=org.r1, opportunity=opp, doc_type="screening_report",
                                 upload=SimpleUploadedFile(name, data), now=NOW)
    assert not Document.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_confirmation_needs_its_evidence_file(org):
    """spec: S2 — the 需求確認單 counts once the customer's confirmation (scan or email) is attached."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    doc = services.document_upload(actor=org.r1, opportunity=opp, doc_type="confirmation_sheet", upload=pdf(),
                                   now=NOW)
    with pytest.raises(ValidationError, match="Attach the signature scan"):
        services.document_confirm(actor=org.r1, document=doc, confirmation=None, now=NOW)
    eml = SimpleUploadedFile("客户确认.eml", "From: 陈总 <chen@example.cn>\nSubject: 确认\n\n同意".encode())
    services.document_confirm(actor=org.r1, document=doc, confirmation=eml, now=NOW)
    doc.refresh_from_db()
    assert doc.confirmed and doc.confirmation_name == "客户确认.eml"
    with pytest.raises(NotAllowed):
        services.document_upload(actor=org.r2, opportunity=opp, doc_type="proposal", upload=pdf(), now=NOW)


def _at_s2_end(org, *, scores, roles, budget=True):  # type: ignore[no-untyped-def]
    """An opportunity in S2 with its gate met, scored so that the H4 decision is what the test wants."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "confirmation", now=NOW)
    fulfil(opp)
    for item, score in scores.items():  # the ORM: the automatic H4 review (tests/workflow) stays out of it
        RequirementScore.objects.filter(opportunity=opp, item=item).update(score=Decimal(score))
    from opphub.customers.models import Contact

    Contact.objects.filter(customer=opp.customer).exclude(decision_role__in=roles).update(decision_role="other")
    if not budget:
        StageRecord.objects.filter(pk=opp.pk).update(budget_approved=False, budget_in_annual_plan=False,
                                                     budget_explicit_amount=False)
    return Opportunity.objects.get(pk=opp.pk)


ITEMS = ["pain_clarity", "scenario_fit", "functional_fit", "technical_fit", "integration", "timeline_fit",
         "implementation", "evaluation", "scale_fit", "service_fit"]


def test_h4_above_80_advances(org):
    """spec: H4 — a total above 80 advances automatically; the score is saved with inputs and version."""
    opp = _at_s2_end(org, scores=dict.fromkeys(ITEMS, "90"), roles=("decision_maker", "influencer", "user"))
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="solution", now=NOW)
    assert (opp.stage, outcome.result) == ("solution", "moved")
    record = HealthRecord.objects.get(opportunity=opp, stage="confirmation")
    assert (record.total, record.decision, record.playbook_version) == (Decimal("96.00"), "advance", "1.3.0")
    assert record.detail["inputs"]["item_scores"]["pain_clarity"] == "90.00"


def test_h4_between_60_and_80_waits_for_the_manager(org):
    """spec: H4 — 60-80 goes to the manager; the approval moves it; the stage does not change before."""
    opp = _at_s2_end(org, scores=dict.fromkeys(ITEMS, "50"), roles=("decision_maker", "influencer", "user"))
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="solution", now=NOW)  # 20 + 30 + 30
    assert outcome.result == "approval" and "health score is 80 (60–80)" in outcome.message
    opp.refresh_from_db()
    assert opp.stage == "confirmation"
    approval = Approval.objects.get(opportunity=opp, key="health_score", state="pending")
    assert approval.health.total == Decimal("80.00") and approval.to_stage == "solution"
    with pytest.raises(ServiceError, match="already requested"):  # pressing advance again
        opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="solution", now=NOW)
    later = NOW + dt.timedelta(hours=2)
    services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="客户高层已表态", now=later)
    opp.refresh_from_db()
    assert (opp.stage, opp.stage_entered_at) == ("solution", later)


def test_h4_below_60_goes_back_with_the_reason(org):
    """spec: H4 — below 60 the opportunity goes back to the previous stage, the reason recorded."""
    opp = _at_s2_end(org, scores=dict.fromkeys(ITEMS, "40"), roles=("decision_maker",), budget=False)
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="solution", now=NOW)  # 16 + 15 + 0
    assert outcome.result == "back"
    opp.refresh_from_db()
    assert opp.stage == "discovery"
    last = StageHistory.objects.filter(opportunity=opp).last()
    assert last.stage == "discovery" and "Health score 31 is below 60" in last.note


def test_objections_block_won_until_answered_within_the_deadline(org):
    """spec: S4 — the customer's last objections are answered before Won; each has a 3-working-day deadline."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "closing", now=NOW)
    fulfil(opp)
    obj = services.objection_record(actor=org.r1, opportunity=opp, text="能否分3期付款？", now=NOW)
    details = refused(opportunity_close, actor=org.r1, opportunity=opp, outcome="won", now=NOW)
    assert details == ["Answer the customer's open objections (1 open)."]
    from opphub.gates.panel import gate_panel

    deadline = gate_panel(opp, now=NOW).deadlines[0]
    assert (deadline.label, deadline.due) == ("Answer the objection", dt.date(2026, 11, 25))  # Fri → Wed
    services.objection_resolve(actor=org.r1, objection=obj, resolution="同意分3期", now=NOW)
    with pytest.raises(ServiceError, match="already answered"):
        services.objection_resolve(actor=org.r1, objection=obj, resolution="再次", now=NOW)
    opportunity_close(actor=org.r1, opportunity=opp, outcome="won", now=NOW)
    assert opp.status == "won"


def test_won_archive_needs_documents_and_success_tags(org):
    """spec: S5 won — all documents collected and the success points tagged before the archive completes."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "closing", now=NOW)
    opp = opportunity_close(actor=org.r1, opportunity=fulfil(opp), outcome="won", now=NOW)
    details = refused(archive.archive_complete, actor=org.r1, opportunity=opp, now=NOW)
    assert details == ["Fill in “success points”."]
    tags = "高层拜访促成决策\n方案ROI清晰"
    services.stage_record_update(actor=org.r1, opportunity=opp, data={"success_points": tags}, now=NOW,
                                 expected_version=StageRecord.objects.get(pk=opp.pk).version)
    record = archive.archive_complete(actor=org.r1, opportunity=opp, now=NOW)
    assert record.archived_at == NOW and record.success_tags == ["高层拜访促成决策", "方案ROI清晰"]


def test_lost_analysis_goes_to_the_committee_which_accepts_or_returns_it(org):
    """spec: S5 lost, X1 — loss analysis (reason from the playbook's list) reviewed by the sales committee."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    opp = opportunity_close(actor=org.r1, opportunity=opp, outcome="lost", now=NOW)
    details = refused(archive.archive_complete, actor=org.r1, opportunity=opp, now=NOW)
    assert details == ["Upload the Loss analysis.", "Fill in “loss reason”."]
    with pytest.raises(ValidationError, match="loss reason from the list"):
        services.stage_record_update(actor=org.r1, opportunity=opp, data={"loss_reason": "weather"}, now=NOW,
                                     expected_version=None)
    services.stage_record_update(actor=org.r1, opportunity=opp, data={
        "loss_reason": "price", "loss_real_reason": "预算被砍", "loss_competitor_advantage": "报价低两成",
        "loss_our_weakness": "没有价值锚点"}, now=NOW, expected_version=None)
    services.document_upload(actor=org.r1, opportunity=opp, doc_type="loss_analysis", upload=pdf(), now=NOW)
    review = archive.archive_complete(actor=org.r1, opportunity=opp, now=NOW)
    with pytest.raises(NotAllowed):
        archive.archive_review_decide(actor=org.m1, review=review, accept=True, comment="", now=NOW)
    with pytest.raises(ValidationError):
        archive.archive_review_decide(actor=org.director, review=review, accept=False, comment="", now=NOW)
    archive.archive_review_decide(actor=org.director, review=review, accept=False, comment="竞品信息不足", now=NOW)
    assert StageRecord.objects.get(pk=opp.pk).archived_at is None
    review2 = archive.archive_complete(actor=org.r1, opportunity=opp, now=NOW)
    archive.archive_review_decide(actor=org.director, review=review2, accept=True, comment="", now=NOW)
    assert StageRecord.objects.get(pk=opp.pk).archived_at == NOW


def test_s3_needs_a_director_level_contact_and_signed_sheet(org):
    """spec: S3 gate — 需求確認單 signed, and a director-level decision-chain contact contacted."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "confirmation", now=NOW)
    fulfil(opp)
    from opphub.customers.models import Contact

    Contact.objects.filter(customer=opp.customer).update(is_director_or_above=False)
    Document.objects.filter(opportunity=opp, doc_type="confirmation_sheet").update(confirmed_at=None)
    details = refused(opportunity_move_stage, actor=org.r1, opportunity=opp, to_stage="solution", now=NOW)
    assert details == [
        "Attach the customer's confirmation of the Requirement confirmation sheet (signature scan or email).",
        "Contact a director-level (or higher) decision-chain contact and log it in a follow-up."]
    assert ContactFactory  # the factory builds the chain in tests.stagework


def test_bulk_snapshots_agree_with_single_ones(org, django_assert_max_num_queries):
    """spec: M2 — My day checks many gates at once; the bulk reader sees exactly what the single one sees."""
    from opphub.gates.selectors import build_snapshot, build_snapshots

    opps = [make_opportunity(actor=org.r1, now=NOW) for _ in range(3)]
    advance_to(opps[1], "confirmation", now=NOW)
    advance_to(opps[2], "closing", now=NOW)
    services.objection_record(actor=org.r1, opportunity=opps[2], text="价格太高", now=NOW)
    opps = list(Opportunity.objects.filter(pk__in=[o.pk for o in opps]).order_by("pk"))
    with django_assert_max_num_queries(11):
        bulk = build_snapshots(opps, now=NOW)
    for o in opps:
        single = build_snapshot(o, now=NOW)
        assert bulk[o.pk] == single, o.stage
        assert sorted(bulk[o.pk].contacts, key=repr) == sorted(single.contacts, key=repr)


def test_won_tells_customer_success_and_lost_shows_the_counter_strategy(org):
    """spec: S4, P3, X2 — Won notifies the assigned customer success manager (delivery hand-off); a lost
    opportunity's card shows the playbook's counter-strategy for the recorded loss reason."""
    from django.test import Client

    from opphub.notifications.models import Delivery

    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "closing", now=NOW)
    fulfil(opp)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.cs, now=NOW)
    with TestCase.captureOnCommitCallbacks(execute=True):
        opportunity_close(actor=org.r1, opportunity=opp, outcome="won", now=NOW)
    assert Delivery.objects.filter(recipient=org.cs, key__startswith=f"won:{opp.pk}:").exists()

    lost = opportunity_close(actor=org.r1, opportunity=make_opportunity(actor=org.r1, now=NOW), outcome="lost",
                             now=NOW)
    services.stage_record_update(actor=org.r1, opportunity=lost, data={"loss_reason": "price",
                                                                        "loss_real_reason": "预算被砍"},
                                 now=NOW, expected_version=None)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.r1)
    html = c.get(f"/opportunities/{lost.number}/").content.decode()
    assert "value anchors" in html and "预算被砍" in html
