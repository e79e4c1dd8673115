"""The opportunity card (spec M1) and quick follow-up logging on it (C1-C4, S3, H2).

``card`` shows everything on one page. ``followup_create`` takes the card's follow-up form: with
htmx it answers the timeline block (form + timeline) and refreshes the decision-chain map out of
band; a plain POST redirects back to the card (or re-renders it with the errors and the typed values).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from opphub.common.errors import ServiceError
from opphub.common.forms import add_service_errors
from opphub.followups.forms import FollowUpForm
from opphub.followups.models import CustomerRequest, Kind
from opphub.followups.services import followup_log
from opphub.opportunities.card import Card, opportunity_for_card
from opphub.people.http import SignedInRequest

from .card import card_page


class HtmxRequest(SignedInRequest):
    """A signed-in request that went through django-htmx's middleware (settings.MIDDLEWARE), which sets ``htmx``."""

    htmx: HtmxDetails


def _page(request: HttpRequest) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _context(card: Card, form: FollowUpForm | None, *, logged: bool = False) -> dict[str, Any]:
    return {"card": card, "o": card.opportunity, "followup_form": form, "logged": logged,
            "card_url": reverse("opportunities:card", kwargs={"number": card.opportunity.number})}


@login_required
@require_GET
def card_view(request: HttpRequest, number: str) -> HttpResponse:
    now = timezone.now()
    opportunity = opportunity_for_card(request.user, number)
    card = card_page(user=request.user, opportunity=opportunity, now=now, page=_page(request))
    form = FollowUpForm(contacts=card.contacts, now=now, waiting=_waiting(opportunity)) if card.can_log else None
    kind = request.GET.get("kind", "")
    if form is not None and kind in Kind.values:  # a gate checklist link (gates.unmet): log this kind
        form.initial["kind"] = kind
        form.fields["kind"].widget.attrs["autofocus"] = True
        form.pointed = True  # type: ignore[attr-defined]  # the template opens the form
    return render(request, "opportunities/card.html", _context(card, form))


def _waiting(opportunity: Any) -> list[CustomerRequest]:
    """C1-C4: what the customer still waits for on this opportunity (one query), to tick as answered."""
    return list(CustomerRequest.objects.filter(opportunity=opportunity, answered_at__isnull=True)
                .select_related("opportunity").order_by("received_at", "id"))


@login_required
@require_POST
def followup_create_view(request: HtmxRequest, number: str) -> HttpResponse:
    now = timezone.now()
    opportunity = opportunity_for_card(request.user, number)
    card = card_page(user=request.user, opportunity=opportunity, now=now)
    if not card.can_log:
        raise PermissionDenied(_("You cannot log follow-ups on this opportunity."))
    form = FollowUpForm(request.POST, contacts=card.contacts, now=now, waiting=_waiting(opportunity))
    if form.is_valid():
        try:
            followup_log(actor=request.user, opportunity=opportunity, data=form.service_data(),
                         contacts=form.chosen_contacts(), requests=form.requests(), answers=form.answered(), now=now)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, str(exc.message))
        else:
            if not request.htmx:
                messages.success(request, _("Follow-up logged."))
                return HttpResponseRedirect(reverse("opportunities:card", kwargs={"number": number})
                                            + "#followups")
            card = card_page(user=request.user, opportunity=opportunity, now=now)
            fresh = FollowUpForm(contacts=card.contacts, now=now, waiting=_waiting(opportunity))
            return render(request, "opportunities/_timeline_block.html",
                          {**_context(card, fresh, logged=True), "oob": True})
    if request.htmx:
        return render(request, "opportunities/_timeline_block.html", _context(card, form))
    return render(request, "opportunities/card.html", _context(card, form))
