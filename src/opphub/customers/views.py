"""Customer and contact pages: list, detail, create/edit (spec S1 customer data, S2/H2 decision chain).

Thin views: lookups through ``opphub.access`` (404 when invisible), writes through
``customers.services``; actions the user may not take are hidden in the page and refused here (403).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from opphub import access
from opphub.common.forms import call_service, safe_next
from opphub.common.money import money

from .forms import ContactEditForm, ContactForm, CustomerEditForm, CustomerFilterForm, CustomerForm
from .models import Contact
from .selectors import customer_detail, customer_for_page, customer_page
from .services import contact_create, contact_update, customer_create, customer_update


def _detail_url(pk: int) -> str:
    return reverse("customers:detail", kwargs={"pk": pk})


@login_required
@require_GET
def customer_list_view(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET)
    q, industry = "", ""
    if form.is_valid():
        q, industry = form.cleaned_data["q"], form.cleaned_data["industry"]
    page = customer_page(user=request.user, q=q, industry=industry, page=request.GET.get("page") or 1,
                         page_size=settings.OPPHUB_PAGE_SIZE)
    query = urlencode({k: v for k, v in (("q", q), ("industry", industry)) if v})
    here = request.get_full_path()
    context = {"form": form, "page": page, "query": query, "filtered": bool(q or industry),
               "can_create": access.can_create_records(request.user), "here": here}
    return render(request, "customers/list.html", context)


@login_required
@require_GET
def customer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_for_page(request.user, pk)
    detail = customer_detail(user=request.user, customer=customer)
    for o in detail.opportunities:
        o.amount_label = money(o.amount)
    back = safe_next(request, reverse("customers:list"))
    return render(request, "customers/detail.html", {"d": detail, "c": customer, "back_url": back,
                                                      "here": request.get_full_path()})


@login_required
@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not access.can_create_records(user):
        raise PermissionDenied(_("Your role cannot create customers."))
    back = safe_next(request, reverse("customers:list"))
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(form, lambda: customer_create(actor=user, data=form.service_data(),
                                                             now=timezone.now()))
        if outcome.ok and (customer := outcome.value) is not None:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return HttpResponseRedirect(_detail_url(customer.pk))
    return render(request, "customers/form.html", {"form": form, "creating": True, "back_url": back})


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = customer_for_page(user, pk)
    if not access.can_edit_customer(user, customer):
        raise PermissionDenied(_("You cannot edit this customer."))
    back = safe_next(request, _detail_url(customer.pk))
    stale = False
    if request.method == "POST":
        form = CustomerEditForm(request.POST, instance=customer)
        if form.is_valid():
            outcome = call_service(form, lambda: customer_update(
                actor=user, customer=customer, data=form.service_data(), now=timezone.now(),
                expected_version=form.cleaned_data["version"]))
            stale = outcome.stale
            if outcome.ok:
                messages.success(request, _("Customer %(name)s saved.") % {"name": customer.name})
                return HttpResponseRedirect(back)
    else:
        form = CustomerEditForm(instance=customer, initial={"version": customer.version})
    return render(request, "customers/form.html", {"form": form, "creating": False, "customer": customer,
                                                   "back_url": back, "stale": stale})


@login_required
@require_http_methods(["GET", "POST"])
def contact_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    customer = customer_for_page(user, pk)
    if not access.can_edit_customer(user, customer):
        raise PermissionDenied(_("You cannot add contacts to this customer."))
    back = safe_next(request, _detail_url(customer.pk))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(form, lambda: contact_create(actor=user, customer=customer,
                                                            data=form.service_data(), now=timezone.now()))
        if outcome.ok and (contact := outcome.value) is not None:
            messages.success(request, _("Contact %(name)s added.") % {"name": contact.name})
            return HttpResponseRedirect(back)
    return render(request, "customers/contact_form.html", {"form": form, "creating": True, "customer": customer,
                                                           "back_url": back})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    try:
        contact = access.visible_contacts(user).select_related("customer").get(pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None
    customer = contact.customer
    if not access.can_edit_customer(user, customer):
        raise PermissionDenied(_("You cannot edit this contact."))
    back = safe_next(request, _detail_url(customer.pk))
    stale = False
    if request.method == "POST":
        form = ContactEditForm(request.POST, instance=contact)
        if form.is_valid():
            outcome = call_service(form, lambda: contact_update(
                actor=user, contact=contact, data=form.service_data(), now=timezone.now(),
                expected_version=form.cleaned_data["version"]))
            stale = outcome.stale
            if outcome.ok:
                messages.success(request, _("Contact %(name)s saved.") % {"name": contact.name})
                return HttpResponseRedirect(back)
    else:
        form = ContactEditForm(instance=contact, initial={"version": contact.version})
    return render(request, "customers/contact_form.html", {"form": form, "creating": False, "customer": customer,
                                                           "contact": contact, "back_url": back, "stale": stale})
