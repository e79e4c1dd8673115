"""Test data for the lifecycle report and the archive ZIP: one opportunity's whole life written with the
ORM (stage history, health scores, follow-ups, objections, documents with files, approvals, archive
fields), independent of the stage-gate services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile

from opphub.followups.models import FollowUp
from opphub.gates.models import Approval, Document, HealthRecord, Objection, StageRecord
from opphub.opportunities.models import Opportunity, StageHistory

from ..factories import CustomerFactory, make_opportunity

CUSTOMER = "上海某某制造有限公司"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DOCX = b"PK\x03\x04" + "合同正文".encode() * 500


def at(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC)


# (stage, entered, left): 10.0, 7.0, 21.1, 10.9 days, then the archive stage (still open)
STAGES = [("discovery", at(9, 1), at(9, 11)), ("confirmation", at(9, 11), at(9, 18)),
          ("solution", at(9, 18), at(10, 9, 12)), ("closing", at(10, 9, 12), at(10, 20)),
          ("archive", at(10, 20), None)]


@dataclass
class Life:
    opportunity: Opportunity
    files: dict[str, bytes] = field(default_factory=dict)  # expected ZIP member (without folder) -> bytes
    superseded: list[str] = field(default_factory=list)


def document(opp, doc_type, stage_no, stage, when, data, ext=".pdf", *, confirmation=None, content_type=""):  # type: ignore[no-untyped-def]
    name = f"{opp.number}-S{stage_no}-{doc_type}{ext}"
    doc = Document(opportunity=opp, stage=stage, doc_type=doc_type, stored_name=name, original_name=f"原件{ext}",
                   content_type=content_type or "application/pdf", size=len(data), sha256="0" * 64,
                   uploaded_by=opp.owner, uploaded_at=when)
    doc.file.save(name, ContentFile(data), save=False)
    if confirmation is not None:
        c_name, c_data = confirmation
        # stored under the document's name, as the upload service does; the evidence's own name keeps its type
        doc.confirmation.save(name, ContentFile(c_data), save=False)
        doc.confirmation_name, doc.confirmed_at, doc.confirmed_by = c_name, when, opp.owner
    doc.save()
    return doc


def build_life(org, *, outcome: str = "won", approver=None) -> Life:  # type: ignore[no-untyped-def]
    customer = CustomerFactory(name=CUSTOMER, owner=org.r1)
    opp = make_opportunity(actor=org.r1, customer=customer, name="智能工厂 MES 一期", amount=Decimal("1250000"),
                           now=at(9, 1))
    StageHistory.objects.filter(opportunity=opp).delete()
    for stage, entered, left in STAGES:
        StageHistory.objects.create(opportunity=opp, stage=stage, entered_at=entered, left_at=left,
                                    moved_by=org.r1, note="备注" if stage == "solution" else "")
    Opportunity.objects.filter(pk=opp.pk).update(stage="archive", status=outcome, closed_at=at(10, 20),
                                                 stage_entered_at=at(10, 20))
    opp.refresh_from_db()
    for when, stage, total, parts, decision in [
            (at(9, 17), "confirmation", "72.50", ("32.00", "24.00", "16.50"), "approval"),
            (at(10, 8), "solution", "86.00", ("36.00", "30.00", "20.00"), "advance")]:
        HealthRecord.objects.create(opportunity=opp, stage=stage, total=Decimal(total),
                                    requirement_match=Decimal(parts[0]), decision_chain=Decimal(parts[1]),
                                    budget_certainty=Decimal(parts[2]), decision=decision, detail={},
                                    playbook_version="2026.1", computed_at=when, computed_by=org.r1)
    f1 = FollowUp.objects.create(opportunity=opp, author=org.r1, kind="visit", occurred_at=at(9, 5),
                                 notes="拜访生产总监，了解排产痛点", created_at=at(9, 5))
    f2 = FollowUp.objects.create(opportunity=opp, author=org.r1, kind="executive_visit", occurred_at=at(10, 12),
                                 notes="高层拜访：确认二期预算", objections="报价高于预期", created_at=at(10, 12))
    Objection.objects.create(opportunity=opp, followup=f2, text="报价高于预期", raised_at=at(10, 12),
                             resolved_at=at(10, 14), resolution="提供分期付款方案", resolved_by=org.r1)
    assert f1.pk
    life = Life(opportunity=opp)
    old = document(opp, "screening_report", 1, "discovery", at(9, 3), b"%PDF-1.4 old version")
    life.superseded.append(old.stored_name)
    new = document(opp, "screening_report", 1, "discovery", at(9, 9), PDF + b"new")
    life.files[new.stored_name] = PDF + b"new"
    sheet = document(opp, "confirmation_sheet", 2, "confirmation", at(9, 16), PDF + b"sheet",
                     confirmation=("客户签字.png", PNG))
    life.files[sheet.stored_name] = PDF + b"sheet"
    life.files[f"{opp.number}-S2-confirmation_sheet-confirmation.png"] = PNG
    contract = document(opp, "contract_scan", 4, "closing", at(10, 18), DOCX, ".docx",
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    life.files[contract.stored_name] = DOCX
    approver = approver or org.m1
    Approval.objects.create(opportunity=opp, key="screening_report", stage="discovery", state="approved",
                            requested_by=org.r1, requested_at=at(9, 9), decided_by=approver, decided_at=at(9, 10),
                            comment="需求清晰，同意推进")
    record = StageRecord(opportunity=opp, updated_at=at(10, 21))
    if outcome == "won":
        record.success_points = "高层拜访推动决策\n分期付款打消价格顾虑\n"
    else:
        record.loss_reason = "price"
        record.loss_competitor_advantage = "竞品报价低 20%"
        record.loss_real_reason = "预算被砍一半"
        record.loss_our_weakness = "价值锚点不够清晰"
    record.save(force_insert=True)
    return life
