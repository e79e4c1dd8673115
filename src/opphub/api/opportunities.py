"""/api/opportunities: list (filtered, paginated), create, read, change, move stage, close, history.

Reads go through ``opphub.access`` (invisible → 404); writes call the opportunity services, which
check the role (403), the stage rules of the playbook (409 with every unmet requirement, spec S1-S5,
M2) and the version the client read (409 stale edit).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from opphub import access
from opphub.methodology.health import score_text
from opphub.opportunities.models import Opportunity, Pipeline, Product, StageHistory
from opphub.opportunities.services import opportunity_create, opportunity_update
from opphub.workflow.services import opportunity_close, opportunity_move_stage

from .common import Text, active_user, actor, changes, page, user_ref
from .errors import FieldError
from .opportunity_schemas import (
    LIST_RELATED,
    CloseIn,
    MoveIn,
    MoveOut,
    OpportunityCreate,
    OpportunityFilters,
    OpportunityOut,
    OpportunityPage,
    OpportunityPatch,
    StageHistoryOut,
    opportunities_out,
    playbooks_for,
    stage_label,
)

router = Router(tags=["opportunities"])


def _visible(user: Any) -> QuerySet[Opportunity]:
    return access.visible_opportunities(user).select_related(*LIST_RELATED).prefetch_related("products")


def _get(user: Any, number: str) -> Opportunity:
    return access.get_opportunity(user, number=number)


def _out(opportunity: Opportunity) -> dict[str, Any]:
    fresh = Opportunity.objects.select_related(*LIST_RELATED).prefetch_related("products").get(pk=opportunity.pk)
    return opportunities_out([fresh])[0]


def _products(codes: list[str]) -> list[Product]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    found = {p.code: p for p in Product.objects.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise FieldError("products", _("Unknown product code “%(code)s”.") % {"code": unknown[0]}, "unknown")
    return [found[c] for c in wanted]


@router.get("", response=OpportunityPage, summary="List the opportunities you may see")
def list_opportunities(request: HttpRequest, filters: Query[OpportunityFilters]) -> dict[str, Any]:
    qs = _visible(actor(request)).order_by("-updated_at", "-id")
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.team:
        qs = qs.filter(team_id=filters.team)
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(name__icontains=q) | Q(customer__name__icontains=q))
    return page(qs, filters, opportunities_out)


@router.post("", response={201: OpportunityOut}, summary="Create an opportunity in the first stage (S1)")
def create_opportunity(request: HttpRequest, payload: OpportunityCreate) -> Status[dict[str, Any]]:
    user = actor(request)
    customer = access.visible_customers(user).select_related("region").filter(pk=payload.customer_id).first()
    if customer is None:
        raise FieldError("customer_id", _("Unknown customer."), "unknown")
    owner = active_user("owner_id", payload.owner_id) if payload.owner_id else None
    pipeline = None
    if payload.pipeline:
        pipeline = Pipeline.objects.select_related("current_version").filter(key=payload.pipeline).first()
        if pipeline is None:
            raise FieldError("pipeline", _("Unknown pipeline."), "unknown")
    data = payload.model_dump(exclude={"customer_id", "owner_id", "products", "pipeline"})
    data["industry"] = data["industry"] or customer.industry
    data["company_size"] = data["company_size"] or customer.size
    opportunity = opportunity_create(actor=user, customer=customer, data=data, owner=owner, pipeline=pipeline,
                                     products=_products(payload.products), now=timezone.now())
    return Status(201, _out(opportunity))


@router.get("/{number}", response=OpportunityOut, summary="One opportunity")
def get_opportunity(request: HttpRequest, number: Text) -> dict[str, Any]:
    opportunity = _visible(actor(request)).filter(number=number).first()
    if opportunity is None:
        raise Http404
    return opportunities_out([opportunity])[0]


@router.patch("/{number}", response=OpportunityOut, summary="Change an opportunity (send only what changes)")
def patch_opportunity(request: HttpRequest, number: Text, payload: OpportunityPatch) -> dict[str, Any]:
    user = actor(request)
    opportunity = _get(user, number)
    data = changes(payload, exclude=("version", "owner_id", "products"))
    owner = active_user("owner_id", payload.owner_id) if payload.owner_id else None
    products = _products(payload.products) if payload.products is not None else None
    opportunity_update(actor=user, opportunity=opportunity, data=data, owner=owner, products=products,
                       expected_version=payload.version, now=timezone.now())
    return _out(opportunity)


@router.post("/{number}/move", response=MoveOut, summary="Move to another stage (S1-S4); H4 decides forward moves")
def move_opportunity(request: HttpRequest, number: Text, payload: MoveIn) -> dict[str, Any]:
    user = actor(request)
    opportunity = _get(user, number)
    outcome = opportunity_move_stage(actor=user, opportunity=opportunity, to_stage=payload.to_stage.strip(),
                                     expected_version=payload.version, note=payload.note, now=timezone.now())
    return {**_out(outcome.opportunity), "outcome": str(outcome.result), "message": str(outcome.message),
            "health_total": score_text(outcome.health.total) if outcome.health else None}


@router.post("/{number}/close", response=OpportunityOut, summary="Close as won or lost (into S5 archive)")
def close_opportunity(request: HttpRequest, number: Text, payload: CloseIn) -> dict[str, Any]:
    user = actor(request)
    opportunity = _get(user, number)
    opportunity_close(actor=user, opportunity=opportunity, outcome=payload.outcome,
                      expected_version=payload.version, note=payload.note, now=timezone.now())
    return _out(opportunity)


@router.get("/{number}/stage-history", response=list[StageHistoryOut], summary="Stages entered, oldest first")
def stage_history(request: HttpRequest, number: Text) -> list[dict[str, Any]]:
    opportunity = _get(actor(request), number)
    _version, playbook = playbooks_for([opportunity])[opportunity.playbook_version_id]
    rows = StageHistory.objects.filter(opportunity=opportunity).select_related("moved_by").order_by("entered_at", "id")
    return [{
        "stage": h.stage, "stage_name": stage_label(playbook, h.stage), "entered_at": h.entered_at,
        "left_at": h.left_at, "days": round(d.total_seconds() / 86400, 2) if (d := h.duration) is not None else None,
        "moved_by": user_ref(h.moved_by), "note": h.note,
    } for h in rows]
