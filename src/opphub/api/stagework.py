"""/api/opportunities/{number}/...: the stage work behind the gates (spec S1-S5, M2, H1-H4, X1).

``gate`` reads the checklist of the next step and the health score; the writes call the same services
as the pages, so the same gates, access rules and error answers apply (403 role, 404 invisible, 409
refused or stale or already decided, 422 bad fields or files).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from opphub import access
from opphub.gates import archive, services
from opphub.gates.downloads import document_response
from opphub.gates.models import Approval, ArchiveReview, Document, HealthRecord, Objection
from opphub.gates.panel import gate_panel
from opphub.gates.selectors import stage_record_of
from opphub.gates.services import RECORD_FIELDS
from opphub.methodology.health import score_round
from opphub.opportunities.messages import approval_name, document_name
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.services import opportunity_assign
from opphub.people.models import User

from .common import Id, InSchema, RequiredText, Text, actor, user_ref
from .errors import FieldError

router = Router(tags=["stage work"])  # mounted under /api/opportunities


def _get(request: HttpRequest, number: str) -> Any:
    return access.get_opportunity(actor(request), number=number)


class GateOut(Schema):
    target: str
    kind: str = Field(..., description="advance | won | archive | none")
    ready: bool
    checklist: list[str]
    health: dict[str, Any]
    deadlines: list[dict[str, Any]]


@router.get("/{number}/gate", response=GateOut, summary="What the next step still needs, and the health score")
def gate(request: HttpRequest, number: Text) -> dict[str, Any]:
    opportunity = _get(request, number)
    panel = gate_panel(opportunity, now=timezone.now())
    h = panel.health
    return {
        "target": panel.target, "kind": panel.target_kind, "ready": panel.ready, "checklist": panel.checklist,
        "health": {"total": score_round(h.total), "decision": str(h.decision), "playbook_version": h.playbook_version,
                   "not_ready": panel.not_ready,
                   "dimensions": {d.key: {"points": d.points, "max": d.max_points} for d in h.dimensions},
                   "raises": [{"text": r.text, "points": r.points} for r in panel.raises]},
        "deadlines": [{"label": d.label, "due": d.due, "done_on": d.done_on, "overdue": d.overdue,
                       "estimated": d.estimated}
                      for d in panel.deadlines],
    }


class RecordPatch(InSchema):
    version: int | None = Field(None, ge=0, le=2**31 - 1, description="0 while nothing was recorded")
    screening_match: Decimal | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    budget_explicit_amount: bool | None = None
    budget_approved: bool | None = None
    budget_in_annual_plan: bool | None = None
    interview_why: Text | None = None
    interview_what: Text | None = None
    interview_when: Text | None = None
    interview_who: Text | None = None
    interview_where: Text | None = None
    interview_how: Text | None = None
    proposal_solution: Text | None = None
    proposal_implementation_path: Text | None = None
    proposal_roi: Text | None = None
    priority_commitment: Text | None = Field(None, max_length=300)
    service_contact_id: Id | None = None
    success_points: Text | None = None
    loss_reason: Text | None = Field(None, max_length=40)
    loss_competitor_advantage: Text | None = None
    loss_real_reason: Text | None = None
    loss_our_weakness: Text | None = None


def _record_out(opportunity: Any) -> dict[str, Any]:
    record = stage_record_of(opportunity)
    out: dict[str, Any] = {f: getattr(record, f) for f in RECORD_FIELDS if f != "service_contact"}
    out["service_contact_id"] = record.service_contact_id
    out["version"] = 0 if record._state.adding else record.version
    out["archived_at"] = record.archived_at
    return out


@router.get("/{number}/stage-record", response=dict[str, Any], summary="The stage record (5W1H, proposal, S4, S5)")
def get_record(request: HttpRequest, number: Text) -> dict[str, Any]:
    return _record_out(_get(request, number))


@router.patch("/{number}/stage-record", response=dict[str, Any], summary="Change the stage record (send only "
              "what changes, with the version you read)")
def patch_record(request: HttpRequest, number: Text, payload: RecordPatch) -> dict[str, Any]:
    user = actor(request)
    opportunity = _get(request, number)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    if "service_contact_id" in data:
        contact_id = data.pop("service_contact_id")
        contact = None
        if contact_id is not None:
            contact = access.contacts_of(user, opportunity).filter(pk=contact_id).first()
            if contact is None:
                raise FieldError("service_contact_id", "Unknown contact of this customer.")
        data["service_contact"] = contact
    data = {k: ("" if v is None and k not in ("screening_match", "service_contact") else v) for k, v in data.items()}
    services.stage_record_update(actor=user, opportunity=opportunity, data=data, now=timezone.now(),
                                 expected_version=version)
    return _record_out(opportunity)


class ScoresIn(InSchema):
    scores: dict[str, Decimal | None] = Field(..., description="requirement item key → 0-100 (null: unchanged)")


@router.put("/{number}/requirement-scores", response=dict[str, Decimal],
            summary="Score items of the requirement confirmation sheet (H1)")
def put_scores(request: HttpRequest, number: Text, payload: ScoresIn) -> dict[str, Decimal]:
    opportunity = _get(request, number)
    services.requirement_scores_save(actor=actor(request), opportunity=opportunity, scores=payload.scores,
                                     now=timezone.now())
    return dict(opportunity.requirement_scores.values_list("item", "score"))


class DocumentOut(Schema):
    id: int
    doc_type: str
    doc_type_name: str
    stage: str
    name: str
    uploaded_as: str
    size: int
    uploaded_by: dict[str, Any] | None
    uploaded_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmation_name: str


def _doc_out(playbook: Any, d: Document) -> dict[str, Any]:
    return {"id": d.pk, "doc_type": d.doc_type, "doc_type_name": document_name(playbook, d.doc_type),
            "stage": d.stage, "name": d.stored_name, "uploaded_as": d.original_name, "size": d.size,
            "uploaded_by": user_ref(d.uploaded_by), "uploaded_at": d.uploaded_at, "confirmed_at": d.confirmed_at,
            "confirmation_name": d.confirmation_name}


@router.get("/{number}/documents", response=list[DocumentOut], summary="Uploaded documents, newest first")
def list_documents(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    opportunity = _get(request, number)
    playbook = playbook_of(opportunity.playbook_version)
    return [_doc_out(playbook, d) for d in Document.objects.filter(opportunity=opportunity).select_related(
        "uploaded_by")]


@router.post("/{number}/documents", response={201: DocumentOut},
             summary="Upload a document (multipart: doc_type, file, optional confirmation)")
def upload_document(request: HttpRequest, number: Text, doc_type: Form[str], file: File[UploadedFile],
                    confirmation: File[UploadedFile] | None = None) -> Status[dict[str, Any]]:
    opportunity = _get(request, number)
    doc = services.document_upload(actor=actor(request), opportunity=opportunity, doc_type=doc_type, upload=file,
                                   confirmation=confirmation, now=timezone.now())
    return Status(201, _doc_out(playbook_of(opportunity.playbook_version), doc))


@router.post("/{number}/documents/{doc_id}/confirmation", response=DocumentOut,
             summary="Attach the customer's confirmation (signature scan or email) to a document")
def confirm_document(request: HttpRequest, number: Text, doc_id: Id,
                     confirmation: File[UploadedFile] | None = None) -> dict[str, Any]:
    opportunity = _get(request, number)
    doc = get_object_or_404(Document, pk=doc_id, opportunity=opportunity)
    services.document_confirm(actor=actor(request), document=doc, confirmation=confirmation, now=timezone.now())
    return _doc_out(playbook_of(opportunity.playbook_version), doc)


@router.get("/{number}/documents/{doc_id}/file", summary="Download a document (or ?confirmation=true)")
def download_document(request: HttpRequest, number: Text, doc_id: Id, confirmation: bool = False) -> FileResponse:
    opportunity = _get(request, number)
    doc = get_object_or_404(Document, pk=doc_id, opportunity=opportunity)
    return document_response(doc, confirmation=confirmation)


class ApprovalOut(Schema):
    id: int
    key: str
    name: str
    state: str
    stage: str
    to_stage: str
    requested_by: dict[str, Any] | None
    requested_at: dt.datetime
    note: str
    health_total: Decimal | None
    decided_by: dict[str, Any] | None
    decided_at: dt.datetime | None
    comment: str


def _approval_out(playbook: Any, a: Approval) -> dict[str, Any]:
    return {"id": a.pk, "key": a.key, "name": approval_name(playbook, a.key), "state": a.state, "stage": a.stage,
            "to_stage": a.to_stage, "requested_by": user_ref(a.requested_by), "requested_at": a.requested_at,
            "note": a.request_note, "health_total": score_round(a.health.total) if a.health else None,
            "decided_by": user_ref(a.decided_by), "decided_at": a.decided_at, "comment": a.comment}


@router.get("/{number}/approvals", response=list[ApprovalOut], summary="Approvals requested, newest first")
def list_approvals(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    opportunity = _get(request, number)
    playbook = playbook_of(opportunity.playbook_version)
    return [_approval_out(playbook, a) for a in Approval.objects.filter(opportunity=opportunity).select_related(
        "requested_by", "decided_by", "health")]


class ApprovalIn(InSchema):
    key: Text = Field(..., description="an approval key of the playbook, e.g. screening_report")
    note: Text = ""


@router.post("/{number}/approvals", response={201: ApprovalOut}, summary="Request an approval the stage needs")
def request_approval(request: HttpRequest, number: Text, payload: ApprovalIn) -> Status[dict[str, Any]]:
    opportunity = _get(request, number)
    a = services.approval_request(actor=actor(request), opportunity=opportunity, key=payload.key, note=payload.note,
                                  now=timezone.now())
    return Status(201, _approval_out(playbook_of(opportunity.playbook_version), a))


class DecisionIn(InSchema):
    decision: Literal["approve", "reject"]
    comment: Text = ""


@router.post("/{number}/approvals/{approval_id}/decision", response=ApprovalOut,
             summary="Approve or reject (a rejection needs a comment)")
def decide_approval(request: HttpRequest, number: Text, approval_id: Id, payload: DecisionIn) -> dict[str, Any]:
    opportunity = _get(request, number)
    a = get_object_or_404(Approval, pk=approval_id, opportunity=opportunity)
    services.approval_decide(actor=actor(request), approval=a, approve=payload.decision == "approve",
                             comment=payload.comment, now=timezone.now())
    return _approval_out(playbook_of(opportunity.playbook_version), a)


class ObjectionIn(InSchema):
    text: RequiredText


class ResolutionIn(InSchema):
    resolution: RequiredText


def _objection_out(o: Objection) -> dict[str, Any]:
    return {"id": o.pk, "text": o.text, "raised_at": o.raised_at, "resolved_at": o.resolved_at,
            "resolution": o.resolution}


@router.get("/{number}/objections", response=list[dict[str, Any]], summary="The customer's objections (S4)")
def list_objections(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    return [_objection_out(o) for o in Objection.objects.filter(opportunity=_get(request, number))]


@router.post("/{number}/objections", response={201: dict[str, Any]}, summary="Record a customer objection")
def record_objection(request: HttpRequest, number: Text, payload: ObjectionIn) -> Status[dict[str, Any]]:
    o = services.objection_record(actor=actor(request), opportunity=_get(request, number), text=payload.text,
                                  now=timezone.now())
    return Status(201, _objection_out(o))


@router.post("/{number}/objections/{objection_id}/resolution", response=dict[str, Any],
             summary="Record how an objection was answered")
def resolve_objection(request: HttpRequest, number: Text, objection_id: Id, payload: ResolutionIn
                      ) -> dict[str, Any]:
    o = get_object_or_404(Objection, pk=objection_id, opportunity=_get(request, number))
    services.objection_resolve(actor=actor(request), objection=o, resolution=payload.resolution, now=timezone.now())
    return _objection_out(o)


@router.get("/{number}/health-scores", response=list[dict[str, Any]],
            summary="Saved health scores with their inputs and playbook version, newest first")
def health_scores(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    rows = HealthRecord.objects.filter(opportunity=_get(request, number))[:100]
    return [{"total": score_round(h.total), "stage": h.stage, "decision": h.decision, "computed_at": h.computed_at,
             "playbook_version": h.playbook_version, "detail": h.detail} for h in rows]


@router.post("/{number}/archive", response=dict[str, Any],
             summary="Complete the archive (won) or submit the loss analysis to the sales committee (lost)")
def complete_archive(request: HttpRequest, number: Text) -> dict[str, Any]:
    result = archive.archive_complete(actor=actor(request), opportunity=_get(request, number), now=timezone.now())
    if isinstance(result, ArchiveReview):
        return {"archived_at": None, "review_id": result.pk, "review_state": result.state}
    return {"archived_at": result.archived_at, "review_id": None, "review_state": None}


class ReviewIn(InSchema):
    decision: Literal["accept", "return"]
    comment: Text = ""


@router.post("/{number}/archive/reviews/{review_id}/decision", response=dict[str, Any],
             summary="The sales committee accepts the loss analysis or sends it back")
def decide_review(request: HttpRequest, number: Text, review_id: Id, payload: ReviewIn) -> dict[str, Any]:
    review = get_object_or_404(ArchiveReview, pk=review_id, opportunity=_get(request, number))
    archive.archive_review_decide(actor=actor(request), review=review, accept=payload.decision == "accept",
                                  comment=payload.comment, now=timezone.now())
    return {"review_id": review.pk, "review_state": review.state, "comment": review.comment}


class SupporterIn(InSchema):
    user_id: Id


@router.get("/{number}/supporters", response=list[dict[str, Any]], summary="Assigned supporters (P2, P3, S4)")
def list_supporters(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    rows = _get(request, number).assignments.select_related("user").order_by("assigned_at", "id")
    return [{"user": user_ref(a.user), "role": a.user.role, "assigned_at": a.assigned_at} for a in rows]


@router.post("/{number}/supporters", response={201: dict[str, Any]},
             summary="Assign a presales engineer, customer success manager or finance/legal reviewer")
def assign_supporter(request: HttpRequest, number: Text, payload: SupporterIn) -> Status[dict[str, Any]]:

    user = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if user is None:
        raise FieldError("user_id", "Unknown user.")
    a = opportunity_assign(actor=actor(request), opportunity=_get(request, number), user=user, now=timezone.now())
    return Status(201, {"user": user_ref(a.user), "role": a.user.role, "assigned_at": a.assigned_at})
