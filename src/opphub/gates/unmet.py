"""The gate checklist in words: translated messages for the codes the pure core returns (``Unmet``). Here in
``gates`` because the fields it names live on the opportunity and on the stage record."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opphub.common.money import money
from opphub.followups.models import Kind
from opphub.methodology.playbook import Playbook
from opphub.methodology.stages import Unmet
from opphub.opportunities.messages import approval_name, document_name, stage_name
from opphub.opportunities.models import Opportunity
from opphub.people.models import Role

from .models import StageRecord


def field_name(key: str) -> str:
    if key == "budget_range":
        return str(_("budget range"))
    for model in (Opportunity, StageRecord):
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:  # try the next model
            continue
        if isinstance(field, Field):
            return str(field.verbose_name)
    return key


def _money(raw: str) -> str:
    try:
        return money(Decimal(raw))
    except InvalidOperation:
        return raw


def _percent(raw: str) -> str:
    return raw[:-3] if raw.endswith(".00") else raw


def _role_name(key: str) -> str:
    names = {"presales": Role.PRESALES.label, "cs": Role.CUSTOMER_SUCCESS.label, "finance": Role.FINANCE.label,
             "legal": Role.LEGAL.label}
    return str(names.get(key, key))


def _kind_name(key: str) -> str:
    try:
        return str(Kind(key).label)
    except ValueError:
        return key


def unmet_message(playbook: Playbook, unmet: Unmet) -> str:
    stage = stage_name(playbook, unmet.param("stage")) if unmet.param("stage") else ""
    if unmet.code in GATE_CODES:
        return _gate_message(playbook, unmet)
    messages = {
        "unknown_stage": _("“%(stage)s” is not a stage of this opportunity's playbook.") % {"stage": stage},
        "same_stage": _("The opportunity is already in %(stage)s.") % {"stage": stage},
        "closed_opportunity": _("The opportunity is already closed; closed opportunities do not move."),
        "archive_needs_outcome": _("Only won or lost opportunities go to %(stage)s: mark it won or lost.")
        % {"stage": stage},
        "skips_stage": _("Stages cannot be skipped: move it to %(stage)s first.") % {"stage": stage},
        "won_before_closing": _("An opportunity is won in %(stage)s: move it there first.") % {"stage": stage},
        "unknown_outcome": _("The outcome must be won or lost."),
    }
    return messages.get(unmet.code, unmet.code)


GATE_CODES = frozenset({
    "field_missing", "document_missing", "document_not_confirmed", "approval_missing", "participant_missing",
    "activity_missing", "requirement_items_unscored", "followups_missing", "objections_open",
    "requirement_match_unknown", "requirement_match_low", "budget_unknown", "price_band_unknown",
    "budget_below_price_band", "director_not_contacted", "not_closed",
})


def _gate_message(playbook: Playbook, unmet: Unmet) -> str:
    p = unmet.param
    code = unmet.code
    if code == "field_missing":
        return _("Fill in “%(field)s”.") % {"field": field_name(p("field"))}
    if code == "document_missing":
        return _("Upload the %(document)s.") % {"document": document_name(playbook, p("document"))}
    if code == "document_not_confirmed":
        return _("Attach the customer's confirmation of the %(document)s (signature scan or email).") % {
            "document": document_name(playbook, p("document"))}
    if code == "approval_missing":
        return _("Get the %(approval)s.") % {"approval": approval_name(playbook, p("approval"))}
    if code == "participant_missing":
        return _("Assign a %(role)s to the opportunity.") % {"role": _role_name(p("role"))}
    if code == "activity_missing":
        return ngettext("Log %(count)s follow-up of type “%(kind)s” (%(have)s so far).",
                        "Log %(count)s follow-ups of type “%(kind)s” (%(have)s so far).", int(p("count") or 0)) % {
            "count": p("count"), "kind": _kind_name(p("kind")), "have": p("have")}
    if code == "requirement_items_unscored":
        return _("Score the requirement items of the confirmation sheet (%(count)s not scored yet).") % {
            "count": p("count")}
    if code == "followups_missing":
        return ngettext("Log a follow-up every %(days)s days: %(periods)s period since %(since)s has none.",
                        "Log a follow-up every %(days)s days: %(periods)s periods since %(since)s have none.",
                        int(p("periods") or 0)) % {"days": p("every_days"), "periods": p("periods"),
                                                   "since": p("since")}
    if code == "objections_open":
        return _("Answer the customer's open objections (%(count)s open).") % {"count": p("count")}
    if code == "requirement_match_unknown":
        return _("Assess the requirement match on the screening report (at least %(min)s%% is needed).") % {
            "min": p("min")}
    if code == "requirement_match_low":
        return _("The requirement match is %(have)s%%; at least %(min)s%% is needed.") % {
            "have": _percent(p("have")), "min": p("min")}
    if code == "budget_unknown":
        return _("Record the customer's budget range.")
    if code == "price_band_unknown":
        return _("Add the product so that its price band can be compared with the budget.")
    if code == "budget_below_price_band":
        return _("The budget (up to %(budget)s) does not reach the product's price band (from %(min)s).") % {
            "budget": _money(p("budget")), "min": _money(p("price_band_min"))}
    if code == "director_not_contacted":
        return _("Contact a director-level (or higher) decision-chain contact and log it in a follow-up.")
    return _("Only won or lost opportunities are archived.")


# ------------------------------------------------------------------------- where each item is fixed

# Opportunity fields the edit form holds (the S1 screening form); "budget_range" is its two budget fields.
EDIT_FIELDS = frozenset({"industry", "company_size", "pain_points", "decision_roles", "budget_min", "budget_max",
                         "timeline", "requirement_1", "requirement_2", "requirement_3", "name", "amount",
                         "expected_close_date", "source"})
FIELD_ON_FORM = {"budget_range": "budget_min"}


def _at(name: str, number: str, anchor: str, **query: str) -> str:
    url = reverse(name, kwargs={"number": number})
    return url + (f"?{urlencode(query)}" if query else "") + f"#{anchor}"


def _field_url(number: str, key: str) -> str:
    key = FIELD_ON_FORM.get(key, key)
    if key in EDIT_FIELDS:
        return _at("opportunities:edit", number, f"id_{key}", field=key)
    return _at("gates:stage", number, f"id_{key}", field=key)


def unmet_url(number: str, unmet: Unmet) -> str:
    """The page (and the place on it) where the user fixes ``unmet`` for opportunity ``number``; "" when
    nothing on a page fixes it (the order of stages, a closed opportunity). The one place these links
    are made: the card's and the stage page's checklists, the board's refusal and the move messages."""
    p, code = unmet.param, unmet.code
    if code == "field_missing":
        return _field_url(number, p("field"))
    if code in ("requirement_match_unknown", "requirement_match_low"):
        return _field_url(number, "screening_match")
    if code in ("budget_unknown", "budget_below_price_band"):
        return _field_url(number, "budget_max")
    if code == "price_band_unknown":
        return _at("opportunities:edit", number, "id_products_0", field="products")
    if code == "document_missing":
        return _at("gates:stage", number, "upload", doc_type=p("document"))
    if code == "document_not_confirmed":
        return _at("gates:stage", number, "documents", doc_type=p("document"))
    if code == "approval_missing":
        return _at("gates:stage", number, "request-approval", approval=p("approval"))
    if code == "participant_missing":
        return _at("gates:stage", number, "assign", role=p("role"))
    if code == "requirement_items_unscored":
        return _at("gates:stage", number, "scores")
    if code == "objections_open":
        return _at("gates:stage", number, "objections")
    if code == "activity_missing":
        return _at("opportunities:card", number, "followups", kind=p("kind"))
    if code in ("followups_missing", "director_not_contacted"):
        return _at("opportunities:card", number, "followups")
    return ""


def unmet_link(playbook: Playbook, number: str, unmet: Unmet) -> tuple[str, str]:
    """``(text, url)`` of one unmet item: the message in the user's language and where it is fixed."""
    return unmet_message(playbook, unmet), unmet_url(number, unmet)
