"""Request and response shapes of /api/opportunities, and turning records into them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from django.utils.translation import get_language
from ninja import Field, Schema

from opphub.common.validation import DATE_MAX, DATE_MIN
from opphub.customers.models import CompanySize, Industry
from opphub.methodology.playbook import Playbook
from opphub.opportunities.models import LeadSource, Opportunity, PlaybookVersion, Status
from opphub.opportunities.playbooks import playbook_of

from .common import (
    AwareDatetime,
    BoundedDate,
    Id,
    InSchema,
    Money,
    Paging,
    Ref,
    RequiredText,
    Text,
    money,
    partial,
    user_ref,
)

# ----------------------------------------------------------------------------------------- in


class OpportunityFields(InSchema):
    """The fields a rep edits: basics plus the S1 screening form (需求初篩表)."""

    name: RequiredText = Field(..., max_length=200)
    amount: Money = Field(..., description="CNY, a decimal string or number, e.g. \"800000.00\"")
    expected_close_date: BoundedDate = Field(..., description=f"between {DATE_MIN} and {DATE_MAX}")
    source: LeadSource = LeadSource.INBOUND
    industry: Industry | None = Field(None, description="S1; defaults to the customer's industry")
    company_size: CompanySize | None = Field(None, description="S1; defaults to the customer's size")
    pain_points: Text = Field("", description="S1 core pain points")
    decision_roles: Text = Field("", description="S1 decision-chain roles")
    budget_min: Money | None = Field(None, description="S1 budget range from (CNY)")
    budget_max: Money | None = Field(None, description="S1 budget range to (CNY)")
    timeline: Text = Field("", description="S1 timeline")
    requirement_1: Text = ""
    requirement_2: Text = ""
    requirement_3: Text = ""


class OpportunityCreate(OpportunityFields):
    customer_id: Id
    owner_id: Id | None = Field(None, description="defaults to the caller")
    products: list[Text] = Field([], description="product codes")
    pipeline: Text | None = Field(None, description="pipeline key; defaults to the default pipeline")


class OpportunityPatchFields(partial(OpportunityFields, "OpportunityPatchBase")):  # type: ignore[misc]
    industry: Industry = None  # type: ignore[assignment]  # may change, but not to null
    company_size: CompanySize = None  # type: ignore[assignment]


class OpportunityPatch(OpportunityPatchFields):
    owner_id: Id | None = Field(None, description="hand the opportunity to another owner")
    products: list[Text] | None = Field(None, description="product codes (replaces the list)")
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="the version you read; a newer one answers 409")


class MoveIn(InSchema):
    to_stage: Text = Field(..., description="stage key, e.g. confirmation")
    version: int | None = Field(None, ge=1, le=2**31 - 1)
    note: Text = Field("", max_length=300)


class CloseIn(InSchema):
    outcome: Literal["won", "lost"]
    version: int | None = Field(None, ge=1, le=2**31 - 1)
    note: Text = Field("", max_length=300)


class OpportunityFilters(Paging):
    stage: Text | None = Field(None, max_length=24, description="stage key")
    status: Status | None = None
    owner: Id | None = Field(None, description="owner user id")
    team: Id | None = Field(None, description="team id")
    q: Text = Field("", max_length=100, description="part of the number, the name or the customer's name")
    updated_since: AwareDatetime | None = None


# ---------------------------------------------------------------------------------------- out


class ProductOut(Schema):
    id: int
    code: str
    name: str


class OpportunityOut(Schema):
    number: str
    name: str
    customer: Ref
    owner: Ref
    team: Ref
    region: str
    amount: str
    expected_close_date: dt.date
    pipeline: str
    playbook_version: str
    stage: str
    stage_name: str
    status: str
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    version: int
    products: list[ProductOut]
    source: str
    industry: str
    company_size: str
    pain_points: str
    decision_roles: str
    budget_min: str | None
    budget_max: str | None
    timeline: str
    requirement_1: str
    requirement_2: str
    requirement_3: str
    last_followup_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MoveOut(OpportunityOut):
    """The opportunity after a move, with what the move ended in (H4)."""

    outcome: str = Field(..., description="moved | approval (waits for the manager) | back (sent back a stage, "
                                          "below the band) | not_ready (first stage, below the band: it stays)")
    message: str = Field("", description="what happened, in the caller's language (empty for a plain move)")
    health_total: str | None = Field(None, description="the health score the decision was taken on "
                                                           "(one decimal), when one was")


class OpportunityPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OpportunityOut]


class StageHistoryOut(Schema):
    stage: str
    stage_name: str
    entered_at: dt.datetime
    left_at: dt.datetime | None
    days: float | None
    moved_by: Ref | None
    note: str


LIST_RELATED = ("customer", "owner", "team", "region", "pipeline")


def playbooks_for(opportunities: Iterable[Opportunity]) -> dict[int, tuple[str, Playbook]]:
    """The parsed playbook of each version the opportunities run under: one query for any number."""
    ids = {o.playbook_version_id for o in opportunities}
    return {v.pk: (v.version, playbook_of(v)) for v in PlaybookVersion.objects.filter(pk__in=ids)}


def stage_label(playbook: Playbook, key: str) -> str:
    try:
        return playbook.stage(key).name.get(get_language())
    except KeyError:
        return key


def opportunity_out(o: Opportunity, playbooks: dict[int, tuple[str, Playbook]]) -> dict[str, Any]:
    version, playbook = playbooks[o.playbook_version_id]
    return {
        "number": o.number, "name": o.name,
        "customer": {"id": o.customer.pk, "name": o.customer.name}, "owner": user_ref(o.owner),
        "team": {"id": o.team.pk, "name": o.team.name}, "region": o.region.code,
        "amount": money(o.amount), "expected_close_date": o.expected_close_date,
        "pipeline": o.pipeline.key, "playbook_version": version,
        "stage": o.stage, "stage_name": stage_label(playbook, o.stage), "status": o.status,
        "stage_entered_at": o.stage_entered_at, "closed_at": o.closed_at, "version": o.version,
        "products": [{"id": p.pk, "code": p.code, "name": p.name} for p in o.products.all()],
        "source": o.source, "industry": o.industry, "company_size": o.company_size,
        "pain_points": o.pain_points, "decision_roles": o.decision_roles,
        "budget_min": money(o.budget_min), "budget_max": money(o.budget_max), "timeline": o.timeline,
        "requirement_1": o.requirement_1, "requirement_2": o.requirement_2, "requirement_3": o.requirement_3,
        "last_followup_at": o.last_followup_at, "created_at": o.created_at, "updated_at": o.updated_at,
    }


def opportunities_out(rows: list[Opportunity]) -> list[dict[str, Any]]:
    playbooks = playbooks_for(rows)
    return [opportunity_out(o, playbooks) for o in rows]
