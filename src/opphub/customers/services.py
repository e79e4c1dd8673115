"""Writes to customers and contacts, with field audit and optimistic locking."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from opphub import access
from opphub.audit.services import audit_record, audit_snapshot
from opphub.common.errors import NotAllowed
from opphub.common.models import save_versioned
from opphub.people.models import User

from .models import Contact, Customer

CUSTOMER_FIELDS = ("name", "credit_code", "industry", "size", "region", "address", "website", "notes")
CONTACT_FIELDS = ("name", "title", "is_director_or_above", "decision_role", "mobile", "email", "wecom", "notes")


def _clean_customer(customer: Customer) -> None:
    customer.name = customer.name.strip()
    customer.credit_code = customer.credit_code.strip().upper()
    customer.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)
    if customer.credit_code and Customer.objects.filter(credit_code=customer.credit_code).exclude(
            pk=customer.pk).exists():
        raise ValidationError({"credit_code": _("A customer with this unified social credit code already "
                                                "exists.")})


@transaction.atomic
def customer_create(*, actor: User, data: Mapping[str, Any], now: datetime, owner: User | None = None) -> Customer:
    if not access.can_create_records(actor):
        raise NotAllowed(_("Your role cannot create customers."))
    owner = owner or actor
    if not access.assignable_owners(actor).filter(pk=owner.pk).exists():
        raise NotAllowed(_("You cannot make %(user)s the owner.") % {"user": owner})
    customer = Customer(owner=owner, **{k: v for k, v in data.items() if k in CUSTOMER_FIELDS})
    _clean_customer(customer)
    customer.save()
    audit_record(actor=actor, instance=customer, before=None,
                 after=audit_snapshot(customer, (*CUSTOMER_FIELDS, "owner")), now=now)
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, data: Mapping[str, Any], now: datetime,
                    expected_version: int | None) -> Customer:
    if not access.can_edit_customer(actor, customer):
        raise NotAllowed(_("You cannot edit this customer."))
    before = audit_snapshot(customer, CUSTOMER_FIELDS)
    fields = [k for k in data if k in CUSTOMER_FIELDS]
    for k in fields:
        setattr(customer, k, data[k])
    _clean_customer(customer)
    customer.updated_at = now
    save_versioned(customer, expected_version=expected_version, fields=[*fields, "updated_at"])
    audit_record(actor=actor, instance=customer, before=before, after=audit_snapshot(customer, CUSTOMER_FIELDS),
                 now=now)
    return customer


@transaction.atomic
def contact_create(*, actor: User, customer: Customer, data: Mapping[str, Any], now: datetime) -> Contact:
    if not access.can_edit_customer(actor, customer):
        raise NotAllowed(_("You cannot add contacts to this customer."))
    contact = Contact(customer=customer, **{k: v for k, v in data.items() if k in CONTACT_FIELDS})
    contact.full_clean()
    contact.save()
    audit_record(actor=actor, instance=contact, before=None, after=audit_snapshot(contact, CONTACT_FIELDS), now=now)
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: Mapping[str, Any], now: datetime,
                   expected_version: int | None) -> Contact:
    if not access.can_edit_customer(actor, contact.customer):
        raise NotAllowed(_("You cannot edit this contact."))
    before = audit_snapshot(contact, CONTACT_FIELDS)
    fields = [k for k in data if k in CONTACT_FIELDS]
    for k in fields:
        setattr(contact, k, data[k])
    contact.full_clean()
    contact.updated_at = now
    save_versioned(contact, expected_version=expected_version, fields=[*fields, "updated_at"])
    audit_record(actor=actor, instance=contact, before=before, after=audit_snapshot(contact, CONTACT_FIELDS),
                 now=now)
    return contact
