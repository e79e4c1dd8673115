"""/api/customers: list, create, read, change customers (who sees which: ``opphub.access``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from opphub import access
from opphub.customers.models import CompanySize, Customer, Industry
from opphub.customers.services import customer_create, customer_update
from opphub.people.models import Region

from .common import Id, InSchema, Paging, Ref, RequiredText, Text, active_user, actor, changes, page, partial, user_ref
from .errors import FieldError

router = Router(tags=["customers"])


class CustomerIn(InSchema):
    name: RequiredText = Field(..., max_length=200)
    credit_code: Text = Field("", description="unified social credit code (18 characters), may be empty")
    industry: Industry
    size: CompanySize
    region: Text = Field(..., description="region code, e.g. SH")
    address: Text = ""
    website: Text = ""
    notes: Text = ""


class CustomerCreate(CustomerIn):
    owner_id: Id | None = Field(None, description="defaults to the caller")


class CustomerPatch(partial(CustomerIn, "CustomerPatchFields")):  # type: ignore[misc]
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="the version you read; a newer one answers 409")


class CustomerOut(Schema):
    id: int
    name: str
    credit_code: str
    industry: str
    size: str
    region: str
    owner: Ref
    address: str
    website: str
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CustomerOut]


class CustomerFilters(Paging):
    q: Text = Field("", max_length=100, description="part of the name or the credit code")
    owner: Id | None = None


def customer_out(c: Customer) -> dict[str, Any]:
    return {
        "id": c.pk, "name": c.name, "credit_code": c.credit_code, "industry": c.industry, "size": c.size,
        "region": c.region.code, "owner": user_ref(c.owner), "address": c.address, "website": c.website,
        "notes": c.notes, "version": c.version, "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _customers(user: Any) -> QuerySet[Customer]:
    return access.visible_customers(user).select_related("region", "owner")


def _reload(customer: Customer) -> Customer:
    return Customer.objects.select_related("region", "owner").get(pk=customer.pk)


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code.strip().upper()).first()
    if region is None:
        raise FieldError("region", _("Unknown region code “%(code)s”.") % {"code": code}, "unknown")
    return region


@router.get("", response=CustomerPage, summary="List the customers you may see")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, Any]:
    qs = _customers(actor(request)).order_by("name", "id")
    if filters.q.strip():
        q = filters.q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    return page(qs, filters, lambda rows: [customer_out(c) for c in rows])


@router.post("", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerCreate) -> Status[dict[str, Any]]:
    data = payload.model_dump(exclude={"owner_id"})
    data["region"] = _region(payload.region)
    owner = active_user("owner_id", payload.owner_id) if payload.owner_id else None
    customer = customer_create(actor=actor(request), data=data, owner=owner, now=timezone.now())
    return Status(201, customer_out(_reload(customer)))


@router.get("/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request: HttpRequest, customer_id: Id) -> dict[str, Any]:
    return customer_out(access.get_customer(actor(request), pk=customer_id))


@router.patch("/{customer_id}", response=CustomerOut, summary="Change a customer (send only what changes)")
def patch_customer(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> dict[str, Any]:
    user = actor(request)
    customer = _customers(user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    data = changes(payload, exclude=("version",))
    if "region" in data:
        data["region"] = _region(data["region"])
    customer_update(actor=user, customer=customer, data=data, expected_version=payload.version,
                    now=timezone.now())
    return customer_out(_reload(customer))
