"""The stage-work page: the gate checklist, the stage record, scores, documents, approvals, objections and
the S5 archive, with one POST endpoint per action. Failed posts re-render the page with what was typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opphub import access
from opphub.common.errors import NotAllowed, ServiceError
from opphub.common.forms import add_service_errors
from opphub.opportunities.card import opportunity_for_card
from opphub.opportunities.messages import approval_name, document_name
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.services import opportunity_assign
from opphub.people.http import SignedInRequest
from opphub.people.models import User

from . import archive, services
from .downloads import document_response
from .forms import (
    GROUP_OF_STAGE,
    GROUPS,
    ApprovalRequestForm,
    ConfirmForm,
    DecideForm,
    ObjectionForm,
    ResolveForm,
    ScoresForm,
    StageRecordForm,
    UploadForm,
)
from .models import Approval, ApprovalState, ArchiveReview, Document, HealthRecord, Objection, RequirementScore
from .panel import gate_panel, links_for
from .selectors import stage_record_of


def _url(opportunity: Any, anchor: str = "") -> str:
    return reverse("gates:stage", kwargs={"number": opportunity.number}) + (f"#{anchor}" if anchor else "")


def _requestable(playbook: Any, opportunity: Any, granted: set[str], pending: set[str]) -> list[str]:
    keys: list[str] = []
    i = playbook.stage_keys.index(opportunity.stage)
    for stage in playbook.stages[i:i + 2]:
        for k in (*stage.required_approvals, *stage.entry_rules.approvals):
            if k not in keys and k not in granted and k not in pending:
                keys.append(k)
    return keys


def _assignable(user: Any, opportunity: Any) -> list[Any]:
    """Supporters who may be assigned (active presales, customer success, finance, legal), for editors."""
    if not access.can_edit_opportunity(user, opportunity):
        return []

    taken = opportunity.assignments.values("user_id")
    return list(User.objects.filter(is_active=True, role__in=access.SUPPORT_ROLES).exclude(pk__in=taken)
                .order_by("role", "display_name"))


def _group_of(field: str) -> str:
    return next((key for key, _label, fields in GROUPS if field in fields), "")


def _pointed(request: HttpRequest, context: dict[str, Any]) -> None:
    """A checklist link points at one place (``gates.unmet.unmet_url``): preselect the document type of the
    upload form (``?doc_type=``), the approval to request (``?approval=``), a supporter of the role to
    assign (``?role=``), or open the stage record's group of the field and focus it (``?field=``)."""
    upload, ask, record = context["upload_form"], context["request_form"], context["record_form"]
    doc_type, approval = request.GET.get("doc_type", ""), request.GET.get("approval", "")
    if not upload.is_bound and doc_type in dict(upload.fields["doc_type"].choices):
        upload.initial["doc_type"] = doc_type
    if ask is not None and not ask.is_bound and approval in dict(ask.fields["key"].choices):
        ask.initial["key"] = approval
    field = request.GET.get("field", "")
    if field in record.fields and _group_of(field):
        context["open_group"] = _group_of(field)
        record.fields[field].widget.attrs["autofocus"] = True
    context["assign_role"] = request.GET.get("role", "")


def _page(request: HttpRequest, opportunity: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    now = timezone.now()
    panel = gate_panel(opportunity, now=now)
    playbook = panel.playbook
    user = request.user
    can_work = access.can_work_on_stage(user, opportunity)
    can_edit = access.can_edit_opportunity(user, opportunity)
    panel.links = links_for(panel, opportunity.number, edit=can_edit, work=can_work,
                            log=can_work or access.can_log_followup(user, opportunity))
    approvals = list(Approval.objects.filter(opportunity=opportunity).select_related(
        "requested_by", "decided_by", "material", "health"))
    granted = {a.key for a in approvals if a.state == ApprovalState.APPROVED}
    pending = {a.key for a in approvals if a.state == ApprovalState.PENDING}
    for a in approvals:
        a.label = approval_name(playbook, a.key)  # type: ignore[attr-defined]
        a.can_decide = (a.state == ApprovalState.PENDING  # type: ignore[attr-defined]
                        and access.can_decide_approval(user, opportunity, a.key))
    requestable = _requestable(playbook, opportunity, granted, pending) if opportunity.status == "open" else []
    record = panel.record
    contacts = access.contacts_of(user, opportunity)
    scores = {s.item: s.score for s in RequirementScore.objects.filter(opportunity=opportunity)}
    documents = list(Document.objects.filter(opportunity=opportunity).select_related("uploaded_by"))
    for d in documents:
        d.label = document_name(playbook, d.doc_type)  # type: ignore[attr-defined]
    reviews = list(ArchiveReview.objects.filter(opportunity=opportunity).select_related("submitted_by",
                                                                                        "decided_by"))
    context = {
        "o": opportunity, "panel": panel, "can_work": can_work,
        "can_edit": can_edit,
        "record_form": forms.get("record_form") or StageRecordForm(instance=record, playbook=playbook,
                                                                   contacts=contacts),
        "scores_form": forms.get("scores_form") or ScoresForm(initial=scores, playbook=playbook),
        "upload_form": forms.get("upload_form") or UploadForm(playbook=playbook),
        "request_form": forms.get("request_form") or (ApprovalRequestForm(playbook=playbook, keys=requestable)
                                                      if requestable else None),
        "objection_form": forms.get("objection_form") or ObjectionForm(),
        "approvals": approvals, "documents": documents,
        "objections": list(Objection.objects.filter(opportunity=opportunity)),
        "health_records": list(HealthRecord.objects.filter(opportunity=opportunity)[:10]),
        "reviews": reviews, "pending_review": next((r for r in reviews if r.state == ApprovalState.PENDING), None),
        "can_review": access.can_review_loss(user), "open_group": GROUP_OF_STAGE.get(opportunity.stage, ""),
        "card_url": reverse("opportunities:card", kwargs={"number": opportunity.number}),
        "supporters": list(opportunity.assignments.select_related("user").order_by("assigned_at", "id")),
        "assignable": _assignable(user, opportunity),
    }
    _pointed(request, context)
    return render(request, "gates/stage.html", context, status=status)


@login_required
@require_GET
def stage_view(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, opportunity_for_card(request.user, number))


def _run(request: HttpRequest, opportunity: Any, form_name: str, form: Any, action: Any, success: str,
         anchor: str) -> HttpResponse:
    """Validate ``form``, run ``action(form)``; on success redirect with a message, else re-render."""
    if form.is_valid():
        try:
            action(form)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc.message)) from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ServiceError as exc:
            for detail in exc.details or [str(exc.message)]:
                form.add_error(None, str(detail))
        else:
            messages.success(request, success)
            return HttpResponseRedirect(_url(opportunity, anchor))
    return _page(request, opportunity, status=400, **{form_name: form})


def _act(request: HttpRequest, opportunity: Any, call: Any, success: Any, anchor: str) -> HttpResponse:
    """Run ``call()`` for a one-button action; its errors (or ``success(result)``) become messages, and the
    page comes back at ``anchor``. A role that may not act gets 403."""
    try:
        result = call()
    except NotAllowed as exc:
        raise PermissionDenied(str(exc.message)) from None
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    except ServiceError as exc:
        for m in exc.details or [str(exc.message)]:
            messages.error(request, str(m))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(_url(opportunity, anchor))


@login_required
@require_POST
def record_view(request: SignedInRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    # the ModelForm validates into this (throwaway) copy; the service reads and writes its own
    form = StageRecordForm(request.POST, instance=stage_record_of(opportunity),
                           playbook=playbook_of(opportunity.playbook_version),
                           contacts=access.contacts_of(request.user, opportunity))

    def action(f: StageRecordForm) -> None:
        data = {k: f.cleaned_data[k] for k in StageRecordForm.Meta.fields}
        services.stage_record_update(actor=request.user, opportunity=opportunity, data=data, now=timezone.now(),
                                     expected_version=f.cleaned_data.get("version"))

    return _run(request, opportunity, "record_form", form, action, _("Saved."), "record")


@login_required
@require_POST
def scores_view(request: SignedInRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    playbook = playbook_of(opportunity.playbook_version)
    form = ScoresForm(request.POST, playbook=playbook)
    return _run(request, opportunity, "scores_form", form,
                lambda f: services.requirement_scores_save(actor=request.user, opportunity=opportunity,
                                                           scores=f.cleaned_data, now=timezone.now()),
                _("Scores saved."), "scores")


@login_required
@require_POST
def upload_view(request: SignedInRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    playbook = playbook_of(opportunity.playbook_version)
    form = UploadForm(request.POST, request.FILES, playbook=playbook)
    return _run(request, opportunity, "upload_form", form,
                lambda f: services.document_upload(actor=request.user, opportunity=opportunity,
                                                   doc_type=f.cleaned_data["doc_type"], upload=f.cleaned_data["file"],
                                                   confirmation=f.cleaned_data.get("confirmation"),
                                                   now=timezone.now()),
                _("Document uploaded."), "documents")


def _document(request: HttpRequest, number: str, pk: int) -> tuple[Any, Document]:
    opportunity = opportunity_for_card(request.user, number)
    return opportunity, get_object_or_404(Document, pk=pk, opportunity=opportunity)


@login_required
@require_POST
def confirm_view(request: SignedInRequest, number: str, pk: int) -> HttpResponse:
    opportunity, document = _document(request, number, pk)
    form = ConfirmForm(request.POST, request.FILES)
    form.is_valid()
    return _act(request, opportunity, lambda: services.document_confirm(
        actor=request.user, document=document, confirmation=form.cleaned_data.get("confirmation"),
        now=timezone.now()), _("The customer's confirmation is attached."), "documents")


@login_required
@require_GET
def download_view(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """Downloads go through the access module: whoever may see the opportunity."""
    _opportunity, document = _document(request, number, pk)
    return document_response(document, confirmation=request.GET.get("confirmation") == "1")


@login_required
@require_POST
def approval_request_view(request: SignedInRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    playbook = playbook_of(opportunity.playbook_version)
    form = ApprovalRequestForm(request.POST, playbook=playbook, keys=list(playbook.approvals))
    return _run(request, opportunity, "request_form", form,
                lambda f: services.approval_request(actor=request.user, opportunity=opportunity,
                                                    key=f.cleaned_data["key"], note=f.cleaned_data["note"],
                                                    now=timezone.now()),
                _("Approval requested."), "approvals")


@login_required
@require_POST
def approval_decide_view(request: SignedInRequest, number: str, pk: int) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    approval = get_object_or_404(Approval, pk=pk, opportunity=opportunity)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return HttpResponseRedirect(_url(opportunity, "approvals"))
    return _act(request, opportunity, lambda: services.approval_decide(
        actor=request.user, approval=approval, approve=form.cleaned_data["decision"] == "approve",
        comment=form.cleaned_data["comment"], now=timezone.now()), _("Decision recorded."), "approvals")


@login_required
@require_POST
def objection_view(request: SignedInRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    form = ObjectionForm(request.POST)
    return _run(request, opportunity, "objection_form", form,
                lambda f: services.objection_record(actor=request.user, opportunity=opportunity,
                                                    text=f.cleaned_data["text"], now=timezone.now()),
                _("Objection recorded."), "objections")


@login_required
@require_POST
def resolve_view(request: SignedInRequest, number: str, pk: int) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    objection = get_object_or_404(Objection, pk=pk, opportunity=opportunity)
    resolution = str(ResolveForm(request.POST).data.get("resolution", ""))
    return _act(request, opportunity, lambda: services.objection_resolve(
        actor=request.user, objection=objection, resolution=resolution, now=timezone.now()),
        _("Objection answered."), "objections")


@login_required
@require_POST
def archive_view(request: HttpRequest, number: str) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    return _act(request, opportunity,
                lambda: archive.archive_complete(actor=request.user, opportunity=opportunity, now=timezone.now()),
                lambda result: _("The loss analysis went to the sales committee.")
                if isinstance(result, ArchiveReview) else _("The archive is complete."), "archive")


@login_required
@require_POST
def review_decide_view(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    opportunity = opportunity_for_card(request.user, number)
    review = get_object_or_404(ArchiveReview, pk=pk, opportunity=opportunity)
    return _act(request, opportunity, lambda: archive.archive_review_decide(
        actor=request.user, review=review, accept=request.POST.get("decision") == "accept",
        comment=request.POST.get("comment", ""), now=timezone.now()), _("Decision recorded."), "archive")


@login_required
@require_POST
def assign_view(request: SignedInRequest, number: str) -> HttpResponse:
    """Assign a presales engineer, customer success manager or finance/legal reviewer (P2, P3, S4)."""
    opportunity = opportunity_for_card(request.user, number)
    raw = str(request.POST.get("user", ""))
    user = (User.objects.filter(pk=int(raw), is_active=True, role__in=access.SUPPORT_ROLES).first()
            if raw.isdigit() and len(raw) < 19 else None)
    if user is None:
        messages.error(request, _("Choose a person to assign."))
        return HttpResponseRedirect(_url(opportunity, "supporters"))
    return _act(request, opportunity,
                lambda: opportunity_assign(actor=request.user, opportunity=opportunity, user=user, now=timezone.now()),
                _("%(user)s is assigned.") % {"user": user}, "supporters")
