"""Reads for the stage gates: the snapshot the pure core decides on, the health inputs, the checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from opphub.customers.models import Contact
from opphub.followups.models import FollowUp
from opphub.methodology.health import BudgetFlag, HealthInputs
from opphub.methodology.playbook import Playbook
from opphub.methodology.snapshots import ContactFact, DocumentFact, FollowUpFact, GateSnapshot, ObjectionFact
from opphub.opportunities.models import Assignment, Opportunity
from opphub.people.models import Role

from .models import (
    BUDGET_EVIDENCE,
    BUDGET_FLAGS,
    Approval,
    ApprovalState,
    Document,
    Objection,
    RequirementScore,
    StageRecord,
)

# Playbook participant names for the roles of assigned supporters.
PARTICIPANT_OF_ROLE = {Role.PRESALES: "presales", Role.CUSTOMER_SUCCESS: "cs", Role.FINANCE: "finance",
                       Role.LEGAL: "legal"}
# S1 screening form fields on the opportunity, by the names the playbook uses.
OPPORTUNITY_FIELDS = ("industry", "company_size", "pain_points", "decision_roles", "timeline",
                      "requirement_1", "requirement_2", "requirement_3")
RECORD_TEXT_FIELDS = ("interview_why", "interview_what", "interview_when", "interview_who", "interview_where",
                      "interview_how", "proposal_solution", "proposal_implementation_path", "proposal_roi",
                      "priority_commitment", "success_points", "loss_reason")


def stage_record_of(opportunity: Any) -> StageRecord:
    """The opportunity's stage record, read fresh (an unsaved empty one when nothing was recorded yet).
    Never the cached ``opportunity.stage_record``: a rolled-back write must not leave a phantom behind."""
    record = StageRecord.objects.filter(opportunity_id=opportunity.pk).first()
    return record if record is not None else StageRecord(opportunity_id=opportunity.pk)


def latest_documents(opportunity: Any) -> dict[str, Document]:
    """The latest upload of each document type."""
    latest: dict[str, Document] = {}
    for doc in Document.objects.filter(opportunity=opportunity).order_by("doc_type", "-uploaded_at", "-id"):
        latest.setdefault(doc.doc_type, doc)
    return latest


def filled_fields(opportunity: Any, record: StageRecord) -> frozenset[str]:
    filled = {f for f in OPPORTUNITY_FIELDS if str(getattr(opportunity, f) or "").strip()}
    if opportunity.budget_max is not None or opportunity.budget_min is not None:
        filled.add("budget_range")
    filled |= {f for f in RECORD_TEXT_FIELDS if str(getattr(record, f) or "").strip()}
    if record.service_contact_id:
        filled.add("service_contact")
    return frozenset(filled)


def _contact_facts(opportunity: Any) -> tuple[ContactFact, ...]:

    touched = FollowUp.objects.filter(opportunity=opportunity, contacts=OuterRef("pk"))
    rows = (Contact.objects.filter(customer_id=opportunity.customer_id)
            .annotate(contacted=Exists(touched)).order_by()
            .values_list("decision_role", "is_director_or_above", "contacted"))
    return tuple(ContactFact(role=r, director_or_above=d, contacted=c) for r, d, c in rows)


def price_band_min(opportunity: Any) -> Decimal | None:
    return opportunity.products.aggregate(m=Min("price_band_min"))["m"]


def build_snapshot(opportunity: Any, *, now: datetime, documents: dict[str, Document] | None = None,
                   record: StageRecord | None = None) -> GateSnapshot:
    """Everything the gates (M2) and deadlines need about one opportunity (about ten queries)."""
    return build_snapshots([opportunity], now=now,
                           records=None if record is None else {opportunity.pk: record},
                           documents=None if documents is None else {opportunity.pk: documents})[opportunity.pk]


def build_snapshots(opportunities: list[Any], *, now: datetime,
                    records: dict[int, StageRecord] | None = None,
                    documents: dict[int, dict[str, Document]] | None = None) -> dict[int, GateSnapshot]:
    """Snapshots of many opportunities with a fixed number of queries (one per kind of fact), e.g. for
    a rep's "My day". ``records`` / ``documents`` may be given when the caller has read them already."""
    ids = [o.pk for o in opportunities]
    tz = timezone.get_current_timezone()

    def local(value: datetime | None) -> datetime | None:
        return timezone.localtime(value, tz) if value is not None else None

    def grouped(rows: Any) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = {}
        for opp_id, *rest in rows:
            out.setdefault(opp_id, []).append(rest[0] if len(rest) == 1 else tuple(rest))
        return out

    if records is None:
        records = {r.opportunity_id: r for r in StageRecord.objects.filter(opportunity_id__in=ids)}
    if documents is None:
        documents = latest_documents_many(ids)
    followups = grouped(FollowUp.objects.filter(opportunity_id__in=ids).order_by()
                        .values_list("opportunity_id", "kind", "occurred_at"))
    objections = grouped(Objection.objects.filter(opportunity_id__in=ids).order_by("raised_at", "id")
                         .values_list("opportunity_id", "raised_at", "resolved_at", "pk"))
    roles = grouped(Assignment.objects.filter(opportunity_id__in=ids).order_by()
                    .values_list("opportunity_id", "user__role"))
    scored = grouped(RequirementScore.objects.filter(opportunity_id__in=ids).order_by()
                     .values_list("opportunity_id", "item"))
    approved = grouped(Approval.objects.filter(opportunity_id__in=ids, state=ApprovalState.APPROVED).order_by()
                       .values_list("opportunity_id", "key"))
    touched = set(FollowUp.contacts.through.objects.filter(followup__opportunity_id__in=ids)
                  .values_list("followup__opportunity_id", "contact_id"))
    contacts = grouped(Contact.objects.filter(customer_id__in={o.customer_id for o in opportunities}).order_by()
                       .values_list("customer_id", "pk", "decision_role", "is_director_or_above"))
    bands = dict(Opportunity.objects.filter(pk__in=ids).order_by().values("pk")
                 .annotate(m=Min("products__price_band_min")).values_list("pk", "m"))
    out = {}
    for o in opportunities:
        record = records.get(o.pk) or StageRecord(opportunity_id=o.pk)
        docs = documents.get(o.pk, {})
        out[o.pk] = GateSnapshot(
            stage=o.stage, status=o.status, now=local(now),  # type: ignore[arg-type]
            entered_stage_at=local(o.stage_entered_at),  # type: ignore[arg-type]
            filled_fields=filled_fields(o, record),
            documents={k: DocumentFact(uploaded=True, customer_confirmed=d.confirmed) for k, d in docs.items()},
            approvals=frozenset(approved.get(o.pk, ())),
            contacts=tuple(ContactFact(role=r, director_or_above=d, contacted=(o.pk, cid) in touched)
                           for cid, r, d in contacts.get(o.customer_id, ())),
            followups=tuple(FollowUpFact(kind=k, occurred_at=local(t))  # type: ignore[arg-type]
                            for k, t in followups.get(o.pk, ())),
            objections=tuple(ObjectionFact(raised_at=local(r), resolved_at=local(v), ref=str(pk))  # type: ignore[arg-type]
                             for r, v, pk in objections.get(o.pk, ())),
            participants=frozenset(PARTICIPANT_OF_ROLE[r] for r in roles.get(o.pk, ()) if r in PARTICIPANT_OF_ROLE),
            scored_items=frozenset(scored.get(o.pk, ())), requirement_match=record.screening_match,
            budget_max=o.budget_max if o.budget_max is not None else o.budget_min,
            price_band_min=bands.get(o.pk),
            closed_at=local(o.closed_at), archived_at=local(record.archived_at),
        )
    return out


def health_inputs(playbook: Playbook, opportunity: Any, *, record: StageRecord | None = None,
                  documents: dict[str, Document] | None = None) -> HealthInputs:
    """H1-H3 inputs. Before the 10 items are scored (S1), the requirement match assessed on the screening
    report stands for every item (docs/decisions.md D18)."""
    record = record if record is not None else stage_record_of(opportunity)
    documents = documents if documents is not None else latest_documents(opportunity)
    scores: dict[str, Decimal | None] = dict(
        RequirementScore.objects.filter(opportunity=opportunity).values_list("item", "score"))
    known = {i.key for i in playbook.health.requirement_items}
    scores = {k: v for k, v in scores.items() if k in known}
    if not scores and record.screening_match is not None:
        scores = dict.fromkeys(known, record.screening_match)
    contacted = frozenset(r for r, _d, c in ((f.role, f.director_or_above, f.contacted)
                                             for f in _contact_facts(opportunity)) if c)
    budget = {flag: BudgetFlag(stated=bool(getattr(record, f"budget_{flag}")),
                               has_evidence=BUDGET_EVIDENCE[flag] in documents)
              for flag in BUDGET_FLAGS}
    return HealthInputs(item_scores=scores, contacted_roles=contacted, budget=budget)


def latest_documents_many(ids: list[int]) -> dict[int, dict[str, Document]]:
    """The latest upload of each document type, for many opportunities (one query)."""
    documents: dict[int, dict[str, Document]] = {}
    for doc in (Document.objects.filter(opportunity_id__in=ids).defer("file", "confirmation")
                .order_by("opportunity_id", "doc_type", "-uploaded_at", "-id")):
        documents.setdefault(doc.opportunity_id, {}).setdefault(doc.doc_type, doc)
    return documents


def health_inputs_of(playbook: Playbook, *, record: StageRecord, documents: dict[str, Document],
                     scores: dict[str, Decimal], snapshot: GateSnapshot) -> HealthInputs:
    """H1-H3 inputs from facts already read (the bulk form of :func:`health_inputs`; same rules)."""
    known = {i.key for i in playbook.health.requirement_items}
    items: dict[str, Decimal | None] = {k: v for k, v in scores.items() if k in known}
    if not items and record.screening_match is not None:
        items = dict.fromkeys(known, record.screening_match)
    contacted = frozenset(c.role for c in snapshot.contacts if c.contacted)
    budget = {flag: BudgetFlag(stated=bool(getattr(record, f"budget_{flag}")),
                               has_evidence=BUDGET_EVIDENCE[flag] in documents)
              for flag in BUDGET_FLAGS}
    return HealthInputs(item_scores=items, contacted_roles=contacted, budget=budget)


def requirement_scores_many(ids: list[int]) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = {}
    for opp_id, item, score in RequirementScore.objects.filter(opportunity_id__in=ids).order_by().values_list(
            "opportunity_id", "item", "score"):
        out.setdefault(opp_id, {})[item] = score
    return out


@dataclass(frozen=True)
class PendingApproval:
    approval: Approval
    can_decide: bool


def pending_approvals(opportunity: Any) -> list[Approval]:
    return list(Approval.objects.filter(opportunity=opportunity, state=ApprovalState.PENDING)
                .select_related("requested_by", "material", "health"))
