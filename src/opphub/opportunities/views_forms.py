"""Create and edit an opportunity (spec S1: the screening form 需求初篩表 and the generated number).

Thin views: the form parses, the services decide. A service's ValidationError lands on the form
fields, a StaleEdit or refusal at the top of the form; the typed values are always kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opphub import access
from opphub.common.forms import call_service, safe_next

from .forms import OpportunityCreateForm, OpportunityEditForm
from .services import opportunity_create, opportunity_update


def _card_url(number: str) -> str:
    return reverse("opportunities:card", kwargs={"number": number})


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not access.can_create_records(user):
        raise PermissionDenied(_("Your role cannot create opportunities."))
    customers = access.visible_customers(user)
    owners = access.assignable_owners(user).order_by("display_name", "username")
    back = safe_next(request, reverse("opportunities:list"))
    if request.method == "POST":
        form = OpportunityCreateForm(request.POST, user=user, owners=owners, customers=customers)
        if form.is_valid():
            data = form.cleaned_data
            outcome = call_service(form, lambda: opportunity_create(
                actor=user, customer=data["customer"], data=form.service_data(), now=timezone.now(),
                products=data["products"], owner=data.get("owner") or user))
            if outcome.ok and (opportunity := outcome.value) is not None:
                messages.success(request, _("Opportunity %(number)s created.") % {"number": opportunity.number})
                return HttpResponseRedirect(_card_url(opportunity.number))
    else:
        initial: dict[str, Any] = {}
        customer = None
        raw = request.GET.get("customer", "")
        if raw.isdigit():
            customer = customers.filter(pk=int(raw)).first()
        if customer is not None:
            initial.update(customer=customer.pk, industry=customer.industry, company_size=customer.size)
        form = OpportunityCreateForm(initial=initial, user=user, owners=owners, customers=customers)
    return render(request, "opportunities/form.html", {"form": form, "creating": True, "back_url": back})


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, number: str) -> HttpResponse:
    user: Any = request.user
    opportunity = access.get_opportunity(user, number=number)
    if not access.can_edit_opportunity(user, opportunity):
        raise PermissionDenied(_("You cannot edit this opportunity."))
    owners = access.assignable_owners(user).order_by("display_name", "username")
    back = _card_url(opportunity.number)
    stale = False
    if request.method == "POST":
        form = OpportunityEditForm(request.POST, user=user, owners=owners, current_owner_id=opportunity.owner_id)
        if form.is_valid():
            data = form.cleaned_data
            outcome = call_service(form, lambda: opportunity_update(
                actor=user, opportunity=opportunity, data=form.service_data(), now=timezone.now(),
                expected_version=data["version"], products=data["products"], owner=data.get("owner")))
            stale = outcome.stale
            if outcome.ok:
                messages.success(request, _("%(number)s saved.") % {"number": opportunity.number})
                return HttpResponseRedirect(back)
    else:
        initial = {name: getattr(opportunity, name) for name in (
            "name", "amount", "expected_close_date", "source", "industry", "company_size", "pain_points",
            "decision_roles", "budget_min", "budget_max", "timeline", "requirement_1", "requirement_2",
            "requirement_3", "version")}
        initial["products"] = list(opportunity.products.values_list("pk", flat=True))
        form = OpportunityEditForm(initial=initial, user=user, owners=owners, current_owner_id=opportunity.owner_id)
        pointed = form.fields.get(request.GET.get("field", ""))
        if pointed is not None:  # a gate checklist link (gates.unmet) names the missing field: focus it
            pointed.widget.attrs["autofocus"] = True
    context = {"form": form, "creating": False, "opportunity": opportunity, "back_url": back, "stale": stale}
    return render(request, "opportunities/form.html", context)
