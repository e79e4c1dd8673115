"""Test helper: give an opportunity what the real stage gate (M2) asks for, so that tests which need an
opportunity in a later stage go there through the real move service. Rows are written with the ORM
(documents are tiny PDFs in MEDIA_ROOT); the health score comes out at 100 (> 80: advance, H4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from opphub.followups.models import FollowUp
from opphub.gates.models import BUDGET_EVIDENCE, Approval, Document, RequirementScore, StageRecord
from opphub.opportunities.models import Assignment
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role
from opphub.workflow.services import opportunity_close, opportunity_move_stage

from .factories import ContactFactory, ProductFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _record(opp):  # type: ignore[no-untyped-def]
    record, _ = StageRecord.objects.get_or_create(opportunity=opp, defaults={"updated_at": timezone.now()})
    return record


def _doc(opp, doc_type, at, *, confirmed=False):  # type: ignore[no-untyped-def]
    if Document.objects.filter(opportunity=opp, doc_type=doc_type).exists():
        doc = Document.objects.filter(opportunity=opp, doc_type=doc_type).first()
    else:
        name = f"{opp.number}-{opp.stage}-{doc_type}.pdf"
        doc = Document(opportunity=opp, stage=opp.stage, doc_type=doc_type, stored_name=name,
                       original_name=f"{doc_type}.pdf", content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                       uploaded_by=opp.owner, uploaded_at=at)
        doc.file.save(name, ContentFile(PDF), save=False)
        doc.save()
    if confirmed and not doc.confirmed_at:
        doc.confirmation.save(doc.stored_name.replace(".pdf", "-confirmation.pdf"), ContentFile(PDF), save=False)
        doc.confirmation_name, doc.confirmed_at, doc.confirmed_by = "签字扫描件.pdf", at, opp.owner
        doc.save()
    return doc


def _approve(opp, key, at):  # type: ignore[no-untyped-def]
    if not Approval.objects.filter(opportunity=opp, key=key, state="approved").exists():
        approver = UserFactory(role=Role.DIRECTOR)
        Approval.objects.create(opportunity=opp, key=key, stage=opp.stage, state="approved", requested_by=opp.owner,
                                requested_at=at, decided_by=approver, decided_at=at)


def _assign(opp, role, at):  # type: ignore[no-untyped-def]
    if not Assignment.objects.filter(opportunity=opp, user__role=role).exists():
        Assignment.objects.create(opportunity=opp, user=UserFactory(role=role), assigned_at=at)


def _followup(opp, kind, at, contacts=()):  # type: ignore[no-untyped-def]
    f = FollowUp.objects.create(opportunity=opp, author=opp.owner, kind=kind, occurred_at=at, notes=f"{kind}",
                                created_at=at)
    if contacts:
        f.contacts.set(contacts)
    return f


def _chain(opp):  # type: ignore[no-untyped-def]
    """A decision maker (director level), an influencer and a user of the customer (H2, S3 entry)."""
    from opphub.customers.models import Contact

    out = []
    for role in ("decision_maker", "influencer", "user"):
        contact = Contact.objects.filter(customer=opp.customer, decision_role=role).first()
        out.append(contact or ContactFactory(customer=opp.customer, decision_role=role,
                                             is_director_or_above=role == "decision_maker"))
    return out


def _budget(opp, record, at):  # type: ignore[no-untyped-def]
    for flag in ("explicit_amount", "approved", "in_annual_plan"):
        setattr(record, f"budget_{flag}", True)
        _doc(opp, BUDGET_EVIDENCE[flag], at)


def fulfil(opp, *, at=None):  # type: ignore[no-untyped-def]
    """Everything the gate out of the opportunity's current stage needs, and a health score that lets it
    move on (H4): S1 — screening match 90 and the budget evidenced, 36 + 30 = 66, inside the band, where the
    manager's approval of the screening report is the band's approval; from S2 — the 10 items at 100 and
    the whole decision chain reached → 100. Written with the ORM: no automatic H4 review runs."""
    opp.refresh_from_db()
    at = at or opp.stage_entered_at
    playbook = playbook_of(opp.playbook_version)
    stage = opp.stage
    record = _record(opp)
    if stage == "discovery":
        for field, value in (("pain_points", "产能不足"), ("decision_roles", "厂长决策"), ("timeline", "明年一季度"),
                             ("requirement_1", "排产"), ("requirement_2", "质检"), ("requirement_3", "报表")):
            if not getattr(opp, field):
                setattr(opp, field, value)
        if opp.budget_max is None:
            opp.budget_min, opp.budget_max = Decimal("100000"), Decimal("900000")
        type(opp).objects.filter(pk=opp.pk).update(
            pain_points=opp.pain_points, decision_roles=opp.decision_roles, timeline=opp.timeline,
            requirement_1=opp.requirement_1, requirement_2=opp.requirement_2, requirement_3=opp.requirement_3,
            budget_min=opp.budget_min, budget_max=opp.budget_max)
        if not opp.products.exists():
            opp.products.add(ProductFactory(price_band_min=Decimal("50000"), price_band_max=Decimal("900000")))
        record.screening_match = Decimal("90")
        _budget(opp, record, at)
        _doc(opp, "screening_report", at)
        _approve(opp, "screening_report", at)
    elif stage == "confirmation":
        for f in ("why", "what", "when", "who", "where", "how"):
            setattr(record, f"interview_{f}", f"5W1H {f}")
        _doc(opp, "confirmation_minutes", at)
        _doc(opp, "confirmation_sheet", at, confirmed=True)
        _assign(opp, Role.PRESALES, at)
        for item in playbook.health.requirement_items:
            RequirementScore.objects.update_or_create(opportunity=opp, item=item.key, defaults={
                "score": Decimal(100), "scored_by": opp.owner, "scored_at": at})
        _followup(opp, "interview", at, _chain(opp))
        _budget(opp, record, at)
    elif stage == "solution":
        record.proposal_solution, record.proposal_implementation_path, record.proposal_roi = "方案", "路径", "ROI 30%"
        record.priority_commitment = "客户表示优先合作"
        for d in ("proposal", "executive_minutes"):
            _doc(opp, d, at)
        _doc(opp, "acceptance_letter", at, confirmed=True)
        _followup(opp, "executive_visit", at)
    elif stage == "closing":
        record.service_contact = ContactFactory(customer=opp.customer, name="服务对接人")
        _doc(opp, "contract_scan", at, confirmed=True)
        _doc(opp, "deal_confirmation", at)
        _approve(opp, "contract_finance", at)
        _approve(opp, "contract_legal", at)
        _assign(opp, Role.CUSTOMER_SUCCESS, at)
    record.save()
    opp.refresh_from_db()
    return opp


def advance_to(opp, stage, *, actor=None, now=None):  # type: ignore[no-untyped-def]
    """Fulfil each gate and move, stage by stage, until ``stage`` (through the real move service)."""
    actor = actor or opp.owner
    now = now or timezone.now()
    keys = playbook_of(opp.playbook_version).stage_keys
    while keys.index(opp.stage) < keys.index(stage):
        fulfil(opp, at=min(now, opp.stage_entered_at + dt.timedelta(seconds=1)) if now >= opp.stage_entered_at
               else now)
        outcome = opportunity_move_stage(actor=actor, opportunity=opp, to_stage=keys[keys.index(opp.stage) + 1],
                                         now=now)
        assert outcome.result == "moved", outcome
        opp = outcome.opportunity
    return opp


def win(opp, *, actor=None, now=None):  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    opp = advance_to(opp, "closing", actor=actor, now=now)
    fulfil(opp, at=now)
    return opportunity_close(actor=actor or opp.owner, opportunity=opp, outcome="won", now=now)
