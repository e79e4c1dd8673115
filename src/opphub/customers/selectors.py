"""Read queries for the customer pages. Every query starts from ``opphub.access``.

The list runs two statements whatever the number of customers (a COUNT, then one page with the
region, the owner and the number of contacts); the detail page four (customer, contacts,
opportunities, and the permission check for editing when it needs one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404

from opphub import access

from .models import Customer, DecisionRole

ROLE_ORDER: dict[str, int] = {role: i for i, role in enumerate((DecisionRole.DECISION_MAKER, DecisionRole.INFLUENCER,
                                                DecisionRole.USER, DecisionRole.OTHER))}


def customer_page(*, user: access.AnyUser, q: str = "", industry: str = "", page: int | str = 1,
                  page_size: int = 25) -> Page:
    """Visible customers matching a search on name or credit code and an industry, one page of them."""
    qs = access.visible_customers(user)
    q = q.strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    if industry:
        qs = qs.filter(industry=industry)
    qs = (qs.select_related("region", "owner").annotate(contact_count=Count("contacts"))
          .order_by("name", "id"))
    return Paginator(qs, page_size).get_page(page)


def customer_for_page(user: access.AnyUser, pk: int) -> Customer:
    """The customer with its region and owner if the user may see it; else 404."""
    try:
        return access.visible_customers(user).select_related("region", "owner").get(pk=pk)
    except Customer.DoesNotExist:
        raise Http404 from None


@dataclass
class CustomerDetail:
    customer: Customer
    contacts: list[Any]
    opportunities: list[Any]
    can_edit: bool
    can_create_opportunity: bool


def customer_detail(*, user: access.AnyUser, customer: Customer) -> CustomerDetail:
    contacts = sorted(access.visible_contacts(user).filter(customer=customer).order_by("name", "id"),
                      key=lambda c: (ROLE_ORDER.get(c.decision_role, 9), not c.is_director_or_above))
    opportunities = list(access.visible_opportunities(user).filter(customer=customer)
                         .select_related("owner").order_by("status", "-updated_at", "-id"))
    return CustomerDetail(customer, contacts, opportunities, access.can_edit_customer(user, customer),
                          access.can_create_records(user))
