"""Writes of the stage work (spec S1-S5, M2, H1-H3): the stage record, documents and the customer's
confirmation, requirement item scores, objections, approvals. Each checks permission, writes in one
transaction with its audit rows, and tells people after commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record, audit_snapshot
from opphub.common.errors import Conflict, NotAllowed, ServiceError, StaleEdit
from opphub.common.inputs import inputs_changed
from opphub.common.models import save_versioned
from opphub.followups.models import RequestKind
from opphub.followups.services import request_record, requests_close_for_objection
from opphub.opportunities.messages import approval_name, document_name
from opphub.opportunities.models import Opportunity
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import User

from .models import (
    BUDGET_EVIDENCE,
    HEALTH_APPROVAL,
    Approval,
    ApprovalState,
    Document,
    Objection,
    RequirementScore,
    StageRecord,
)
from .notify import tell
from .selectors import stage_record_of
from .uploads import check_upload

RECORD_FIELDS = (
    "screening_match", "budget_explicit_amount", "budget_approved", "budget_in_annual_plan",
    "interview_why", "interview_what", "interview_when", "interview_who", "interview_where", "interview_how",
    "proposal_solution", "proposal_implementation_path", "proposal_roi", "priority_commitment", "service_contact",
    "success_points", "loss_reason", "loss_competitor_advantage", "loss_real_reason", "loss_our_weakness",
)


def card_url(opportunity: Opportunity) -> str:
    return reverse("opportunities:card", kwargs={"number": opportunity.number})


def _require_stage_worker(actor: User, opportunity: Opportunity) -> None:
    if not access.can_work_on_stage(actor, opportunity):
        raise NotAllowed(_("You cannot work on this opportunity."))


@transaction.atomic
def stage_record_update(*, actor: User, opportunity: Opportunity, data: Mapping[str, Any], now: datetime,
                        expected_version: int | None) -> StageRecord:
    """Change fields of the stage record (5W1H, proposal, budget facts, S4 and S5 fields)."""
    _require_stage_worker(actor, opportunity)
    unknown = set(data) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    record = stage_record_of(opportunity)
    playbook = playbook_of(opportunity.playbook_version)
    if data.get("loss_reason") and data["loss_reason"] not in {r.key for r in playbook.loss_reasons}:
        raise ValidationError({"loss_reason": _("Choose a loss reason from the list.")})
    contact = data.get("service_contact")
    if contact is not None and contact.customer_id != opportunity.customer_id:
        raise ValidationError({"service_contact": _("The service contact must be a contact of this customer.")})
    if "screening_match" in data and data["screening_match"] is not None:
        try:
            value = Decimal(str(data["screening_match"]))
        except InvalidOperation:
            raise ValidationError({"screening_match": _("Enter a percentage between 0 and 100.")}) from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise ValidationError({"screening_match": _("Enter a percentage between 0 and 100.")})
    before = audit_snapshot(record, RECORD_FIELDS) if record.pk else None
    for key, value in data.items():
        setattr(record, key, value)
    record.full_clean(exclude=["opportunity"], validate_unique=False)
    record.updated_at = now
    if record._state.adding:  # a form showed version 0: nothing was recorded when it was opened
        if expected_version not in (None, 0):
            raise StaleEdit()
        try:
            with transaction.atomic():
                record.save(force_insert=True)
        except IntegrityError:  # someone recorded the first values at the same moment
            raise StaleEdit() from None
    else:
        save_versioned(record, expected_version=expected_version, fields=[*data, "updated_at"])
    audit_record(actor=actor, instance=record, before=before, after=audit_snapshot(record, RECORD_FIELDS), now=now)
    inputs_changed(actor=actor, opportunity=opportunity, now=now)  # budget facts, 5W1H, proposal (H3, H4, M2)
    return record


def document_types(playbook: Any) -> list[str]:
    """Every document type an upload may be filed as: the playbook's, plus H3 budget evidence."""
    return [*playbook.documents, *BUDGET_EVIDENCE.values()]


def stored_name(opportunity: Opportunity, playbook: Any, stage: str, doc_type: str, ext: str) -> str:
    """S5 naming ``NUMBER-STAGE-DOCTYPE``: 2026-SH-001-S2-confirmation_sheet.pdf (the ZIP uses the names)."""
    index = playbook.stage_keys.index(stage) + 1 if stage in playbook.stage_keys else 0
    return f"{opportunity.number}-S{index}-{doc_type}{ext}"


@transaction.atomic
def document_upload(*, actor: User, opportunity: Opportunity, doc_type: str, upload: Any, now: datetime,
                    confirmation: Any = None) -> Document:
    """File an upload under a document type of the opportunity's playbook, in the current stage. The
    customer's confirmation (signature scan or email) may come with it or later."""
    _require_stage_worker(actor, opportunity)
    playbook = playbook_of(opportunity.playbook_version)
    if doc_type not in document_types(playbook):
        raise ValidationError({"doc_type": _("Choose a document type from the list.")})
    ext, content_type, sha = check_upload(upload)
    if confirmation is not None:
        check_upload(confirmation, field="confirmation")
    name = stored_name(opportunity, playbook, opportunity.stage, doc_type, ext)
    doc = Document(opportunity=opportunity, stage=opportunity.stage, doc_type=doc_type, stored_name=name,
                   original_name=str(upload.name)[:255], content_type=content_type, size=upload.size, sha256=sha,
                   uploaded_by=actor, uploaded_at=now)
    doc.file.save(name, upload, save=False)
    if confirmation is not None:
        _attach_confirmation(doc, confirmation, actor=actor, now=now)
    doc.save()
    audit_record(actor=actor, instance=opportunity, before={"documents": ""},
                 after={"documents": f"+ {name} ({upload.name})"}, now=now)
    inputs_changed(actor=actor, opportunity=opportunity, now=now)  # a gate document or budget evidence
    return doc


def _attach_confirmation(doc: Document, confirmation: Any, *, actor: User, now: datetime) -> None:
    ext, _ct, _sha = check_upload(confirmation, field="confirmation")
    base = doc.stored_name.rsplit(".", 1)[0]
    doc.confirmation.save(f"{base}-confirmation{ext}", confirmation, save=False)
    doc.confirmation_name = str(confirmation.name)[:255]
    doc.confirmed_at, doc.confirmed_by = now, actor


@transaction.atomic
def document_confirm(*, actor: User, document: Document, confirmation: Any, now: datetime) -> Document:
    """Attach the customer's confirmation to an uploaded document (the evidence file is required)."""
    opportunity = document.opportunity
    _require_stage_worker(actor, opportunity)
    if confirmation is None:
        raise ValidationError({"confirmation": _("Attach the signature scan or the customer's email.")})
    _attach_confirmation(document, confirmation, actor=actor, now=now)
    document.save(update_fields=["confirmation", "confirmation_name", "confirmed_at", "confirmed_by"])
    audit_record(actor=actor, instance=opportunity, before={"confirmations": ""},
                 after={"confirmations": f"+ {document.stored_name}: {confirmation.name}"}, now=now)
    inputs_changed(actor=actor, opportunity=opportunity, now=now)  # the customer's confirmation (M2, H4)
    return document


@transaction.atomic
def requirement_scores_save(*, actor: User, opportunity: Opportunity, scores: Mapping[str, Any], now: datetime
                            ) -> list[RequirementScore]:
    """H1: score items of the 需求確認單 (0-100). Every bad value is reported; nothing is saved then."""
    _require_stage_worker(actor, opportunity)
    playbook = playbook_of(opportunity.playbook_version)
    items = {i.key for i in playbook.health.requirement_items}
    errors: dict[str, str] = {}
    clean: dict[str, Decimal] = {}
    for key, raw in scores.items():
        if key not in items:
            errors[key] = _("“%(item)s” is not a requirement item of this playbook.") % {"item": key}
            continue
        if raw in (None, ""):
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
            errors[key] = _("Enter a score between 0 and 100.")
            continue
        clean[key] = value
    if errors:
        raise ValidationError(errors)
    existing = {s.item: s for s in RequirementScore.objects.filter(opportunity=opportunity)}
    before = {"requirement_scores": ", ".join(f"{k}={v.score}" for k, v in sorted(existing.items()))}
    saved = []
    for key, value in clean.items():
        row = existing.get(key)
        if row is None:
            row = RequirementScore.objects.create(opportunity=opportunity, item=key, score=value, scored_by=actor,
                                                  scored_at=now)
        elif row.score != value:
            row.score, row.scored_by, row.scored_at = value, actor, now
            row.save(update_fields=["score", "scored_by", "scored_at"])
        existing[key] = row
        saved.append(row)
    after = {"requirement_scores": ", ".join(f"{k}={v.score}" for k, v in sorted(existing.items()))}
    audit_record(actor=actor, instance=opportunity, before=before, after=after, now=now)
    inputs_changed(actor=actor, opportunity=opportunity, now=now)  # H1
    return saved


@transaction.atomic
def objection_record(*, actor: User, opportunity: Opportunity, text: str, now: datetime,
                     followup: Any = None) -> Objection:
    """S4: a customer objection, to be answered within the playbook's working days."""
    if not access.can_log_followup(actor, opportunity):
        raise NotAllowed(_("You cannot work on this opportunity."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Describe the objection.")})
    raised = followup.occurred_at if followup is not None else now
    obj = Objection.objects.create(opportunity=opportunity, followup=followup, text=text, raised_at=raised)
    # C4: the customer now waits for an answer (the playbook's response time; the owner owes it)
    request_record(actor=actor, opportunity=opportunity, kind=RequestKind.OBJECTION, text=text, received_at=raised,
                   followup=followup, objection=obj, now=now)
    audit_record(actor=actor, instance=opportunity, before={"objections": ""}, after={"objections": f"+ {text}"},
                 now=now)
    return obj


@transaction.atomic
def objection_resolve(*, actor: User, objection: Objection, resolution: str, now: datetime) -> Objection:
    opportunity = objection.opportunity
    _require_stage_worker(actor, opportunity)
    if not resolution.strip():
        raise ValidationError({"resolution": _("Say how the objection was answered.")})
    updated = Objection.objects.filter(pk=objection.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolution=resolution.strip(), resolved_by=actor)
    if not updated:
        raise Conflict(_("This objection was already answered."))
    objection.refresh_from_db()
    requests_close_for_objection(objection=objection, now=now)  # C4: the resolution is the answer
    audit_record(actor=actor, instance=opportunity, before={"objections": objection.text},
                 after={"objections": f"{objection.text} → {objection.resolution}"}, now=now)
    return objection


# ------------------------------------------------------------------------------------------- approvals

@transaction.atomic
def approval_request(*, actor: User, opportunity: Opportunity, key: str, now: datetime, note: str = "",
                     material: Document | None = None, to_stage: str = "", health: Any = None) -> Approval:
    """Ask for an approval the playbook requires (M2), or a health-score approval (H4). One request per
    key waits at a time; an already granted approval is not asked again."""
    if key != HEALTH_APPROVAL:
        _require_stage_worker(actor, opportunity)
    playbook = playbook_of(opportunity.playbook_version)
    if key != HEALTH_APPROVAL and key not in playbook.approvals:
        raise ValidationError({"key": _("Choose an approval from the list.")})
    name = approval_name(playbook, key)
    if key != HEALTH_APPROVAL and Approval.objects.filter(opportunity=opportunity, key=key,
                                                          state=ApprovalState.APPROVED).exists():
        raise Conflict(_("The %(approval)s is already granted.") % {"approval": name})
    approvers = list(access.approvers_of(opportunity, key))
    if not approvers:
        role = access.REVIEWER_ROLES.get(playbook.approver_role(key))
        if role is not None:
            raise ServiceError(_("Assign a %(role)s to the opportunity first: they decide the %(approval)s.")
                               % {"role": role.label, "approval": name}, code="no_approver")
        raise ServiceError(_("Nobody can decide the %(approval)s: the team has no sales manager. Ask an "
                             "administrator.") % {"approval": name}, code="no_approver")
    if material is not None and material.opportunity_id != opportunity.pk:
        raise ValidationError({"material": _("The material must be a document of this opportunity.")})
    try:
        with transaction.atomic():
            approval = Approval.objects.create(opportunity=opportunity, key=key, stage=opportunity.stage,
                                               to_stage=to_stage, requested_by=actor, requested_at=now,
                                               request_note=note.strip(), material=material, health=health)
    except IntegrityError:
        raise Conflict(_("The %(approval)s was already requested and is waiting for a decision.")
                           % {"approval": name}) from None
    audit_record(actor=actor, instance=opportunity, before={"approvals": ""},
                 after={"approvals": f"{name}: {ApprovalState.PENDING.label}"}, now=now)
    for person in approvers:
        if person.pk == actor.pk:
            continue
        tell(recipient=person, kind="approval_requested", key=f"approval:{approval.pk}:request:{person.pk}",
             subject=_("%(number)s: %(approval)s requested") % {"number": opportunity.number, "approval": name},
             body=note or str(opportunity), url=card_url(opportunity))
    return approval


@transaction.atomic
def approval_decide(*, actor: User, approval: Approval, approve: bool, comment: str, now: datetime) -> Approval:
    """Approve or reject (a rejection needs a comment). A second decision on the same request — a double
    submit, or two managers at once — is refused, naming the first decision."""
    opportunity = approval.opportunity
    playbook = playbook_of(opportunity.playbook_version)
    name = approval_name(playbook, approval.key)
    if access.is_own_opportunity(actor, opportunity):
        raise NotAllowed(_("You cannot approve your own opportunity."))
    if not access.can_decide_approval(actor, opportunity, approval.key):
        raise NotAllowed(_("You cannot decide the %(approval)s of this opportunity.") % {"approval": name})
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why you reject it, so the owner knows what to fix.")})
    state = ApprovalState.APPROVED if approve else ApprovalState.REJECTED
    done = Approval.objects.filter(pk=approval.pk, state=ApprovalState.PENDING).update(
        state=state, decided_by=actor, decided_at=now, comment=comment)
    approval.refresh_from_db()
    if not done:
        raise Conflict(_("This request was already decided (%(state)s by %(user)s).")
                       % {"state": approval.get_state_display(), "user": approval.decided_by})
    audit_record(actor=actor, instance=opportunity, before={"approvals": f"{name}: {ApprovalState.PENDING.label}"},
                 after={"approvals": f"{name}: {state.label}" + (f" — {comment}" if comment else "")}, now=now)
    subject = (_("%(number)s: %(approval)s approved") if approve else _("%(number)s: %(approval)s rejected")) % {
        "number": opportunity.number, "approval": name}
    tell(recipient=opportunity.owner, kind="approval_decided", key=f"approval:{approval.pk}:decided",
         subject=subject, body=comment, url=card_url(opportunity))
    # a granted approval completes a gate (S1 screening report, S4 reviews) or, for an H4 health-score
    # approval, lets the move go ahead: the workflow's H4 review moves it if the gate is still met
    inputs_changed(actor=actor, opportunity=opportunity, now=now)
    return approval


def document_label(playbook: Any, doc: Document) -> str:
    return document_name(playbook, doc.doc_type)
