"""Contacts with their decision-chain roles (spec S2/H2): /api/customers/{id}/contacts and /api/contacts/{id}."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from opphub import access
from opphub.customers.models import Contact, DecisionRole
from opphub.customers.services import contact_create, contact_update

from .common import Id, InSchema, Ref, RequiredText, Text, actor, changes, partial

router = Router(tags=["contacts"])  # /api/contacts/{id}
customer_contacts = Router(tags=["contacts"])  # mounted under /api/customers


class ContactIn(InSchema):
    name: RequiredText = Field(..., max_length=60)
    title: Text = ""
    is_director_or_above: bool = False
    decision_role: DecisionRole = DecisionRole.OTHER
    mobile: Text = ""
    email: Text = ""
    wecom: Text = ""
    notes: Text = ""


class ContactPatch(partial(ContactIn, "ContactPatchFields")):  # type: ignore[misc]
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="the version you read; a newer one answers 409")


class ContactOut(Schema):
    id: int
    customer: Ref
    name: str
    title: str
    is_director_or_above: bool
    decision_role: str
    mobile: str
    email: str
    wecom: str
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


def contact_out(c: Contact) -> dict[str, Any]:
    return {
        "id": c.pk, "customer": {"id": c.customer.pk, "name": c.customer.name}, "name": c.name,
        "title": c.title, "is_director_or_above": c.is_director_or_above, "decision_role": c.decision_role,
        "mobile": c.mobile, "email": c.email, "wecom": c.wecom, "notes": c.notes, "version": c.version,
        "created_at": c.created_at, "updated_at": c.updated_at,
    }


def _reload(contact: Contact) -> Contact:
    return Contact.objects.select_related("customer").get(pk=contact.pk)


@customer_contacts.get("/{customer_id}/contacts", response=list[ContactOut], summary="A customer's contacts")
def list_contacts(request: HttpRequest, customer_id: Id) -> list[dict[str, Any]]:
    customer = access.get_customer(actor(request), pk=customer_id)
    contacts = Contact.objects.filter(customer=customer).order_by("name", "id")
    for c in contacts:
        c.customer = customer
    return [contact_out(c) for c in contacts]


@customer_contacts.post("/{customer_id}/contacts", response={201: ContactOut}, summary="Add a contact")
def create_contact(request: HttpRequest, customer_id: Id, payload: ContactIn) -> Status[dict[str, Any]]:
    user = actor(request)
    customer = access.get_customer(user, pk=customer_id)
    contact = contact_create(actor=user, customer=customer, data=payload.model_dump(), now=timezone.now())
    return Status(201, contact_out(_reload(contact)))


@router.get("/{contact_id}", response=ContactOut, summary="One contact")
def get_contact(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    contact = access.visible_contacts(actor(request)).select_related("customer").filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact_out(contact)


@router.patch("/{contact_id}", response=ContactOut, summary="Change a contact (send only what changes)")
def patch_contact(request: HttpRequest, contact_id: Id, payload: ContactPatch) -> dict[str, Any]:
    user = actor(request)
    contact = access.visible_contacts(user).select_related("customer").filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    contact_update(actor=user, contact=contact, data=changes(payload, exclude=("version",)),
                   expected_version=payload.version, now=timezone.now())
    return contact_out(_reload(contact))
