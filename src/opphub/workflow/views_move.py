"""Move an opportunity to another stage, or close it as won or lost (board drag, card buttons).

POST ``move``: ``to_stage``, ``version`` (optional, the version the page was rendered with: a newer
one is refused as a stale edit), ``note``. POST ``close``: ``outcome`` (won|lost), ``version``, ``note``.

Two kinds of callers:

* JSON callers — the board's script sends ``Accept: application/json`` (an ``HX-Request`` header is
  treated the same). They get ``200 {"ok": true, "stage", "stage_name", "status", "version"}`` or
  ``4xx {"ok": false, "errors": [...]}``: 400 bad input, 403 not allowed, 404 not visible,
  409 refused move (every unmet requirement listed) or stale edit. Messages are translated. A refused
  move also carries ``title`` (names the opportunity: number and name) and ``links``
  (``[{"text", "url"}]``, one per unmet item, ``url`` the place that fixes it or ""; ``gates.unmet``).
  A successful answer has ``level``: "success", or "info" when H4 sent it to the manager for approval,
  "warning" when H4 sent it back or found it not ready.
* plain form posts — redirected back to ``next`` when it is a safe local URL, else to the card page,
  with a success (info, warning) message or the refusal (its items linked) as an error message.

The stage history and the audit trail are written by the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opphub import access
from opphub.common.errors import MoveRefused, ServiceError
from opphub.common.forms import safe_next
from opphub.gates.unmet import unmet_link
from opphub.opportunities.messages import stage_name
from opphub.opportunities.models import Status
from opphub.opportunities.playbooks import playbook_of
from opphub.people.http import SignedInRequest

from .moves import MoveOutcome, MoveResult
from .services import opportunity_close, opportunity_move_stage


class BadInput(Exception):
    pass


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or bool(request.headers.get("HX-Request"))


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "").strip()
    if not raw:
        return None
    try:
        version = int(raw)
    except ValueError:
        raise BadInput(_("The version must be a whole number.")) from None
    if not 1 <= version <= 2**31 - 1:
        raise BadInput(_("The version must be a whole number."))
    return version


def _errors_of(exc: Exception) -> tuple[int, list[str]]:
    if isinstance(exc, ServiceError):
        return exc.status, [str(m) for m in (exc.details or [str(exc.message)])]
    if isinstance(exc, ValidationError):
        return 400, [str(m) for m in exc.messages]
    return 400, [str(exc)]


def refusal_links(opportunity: Any, exc: MoveRefused) -> list[tuple[str, str]]:
    """The refused move's items as ``(text, url)``: each linked to the place that fixes it."""
    playbook = playbook_of(opportunity.playbook_version)
    return [unmet_link(playbook, opportunity.number, u) for u in exc.unmet]


def refusal_title(opportunity: Any) -> str:
    return _("%(number)s “%(name)s” was not moved. What is missing:") % {
        "number": opportunity.number, "name": opportunity.name}


def refusal_html(title: str, links: list[tuple[str, str]]) -> SafeString:
    items = format_html_join("", "<li>{}</li>", (
        (format_html('<a href="{}">{}</a>', url, text) if url else text,) for text, url in links))
    return format_html('{}<ul class="refusal-links">{}</ul>', title, items)


LEVELS = {MoveResult.APPROVAL: messages.INFO, MoveResult.BACK: messages.WARNING,
          MoveResult.NOT_READY: messages.WARNING}
LEVEL_NAMES = {messages.INFO: "info", messages.WARNING: "warning", messages.SUCCESS: "success"}


def _back(request: HttpRequest, number: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, reverse("opportunities:card", kwargs={"number": number})))


def _respond(request: HttpRequest, number: str, action: Any, success: Any) -> HttpResponse:
    """Run ``action(opportunity, version)`` (a move answers its :class:`MoveOutcome`, a close None);
    answer JSON or redirect with a message."""
    as_json = wants_json(request)
    try:
        opportunity = access.get_opportunity(request.user, number=number)
    except Http404:
        if as_json:
            return JsonResponse({"ok": False, "errors": [_("This opportunity does not exist or you cannot "
                                                           "see it.")]}, status=404)
        raise
    try:
        outcome: MoveOutcome | None = action(opportunity, _version(request))
    except MoveRefused as exc:
        title, links = refusal_title(opportunity), refusal_links(opportunity, exc)
        if not any(url for _text, url in links):  # the order of stages etc.: nothing to link
            return _refused(request, number, exc, as_json)
        if as_json:
            return JsonResponse({"ok": False, "errors": [text for text, _url in links], "title": title,
                                 "number": opportunity.number, "name": opportunity.name,
                                 "links": [{"text": text, "url": url} for text, url in links]}, status=exc.status)
        messages.error(request, refusal_html(title, links))
        return _back(request, number)
    except (ServiceError, ValidationError, BadInput) as exc:
        return _refused(request, number, exc, as_json)
    name = stage_name(playbook_of(opportunity.playbook_version), opportunity.stage)
    level = LEVELS.get(outcome.result, messages.SUCCESS) if outcome else messages.SUCCESS
    if as_json:
        return JsonResponse({"ok": True, "number": opportunity.number, "stage": opportunity.stage,
                             "stage_name": name, "status": opportunity.status, "version": opportunity.version,
                             "outcome": str(outcome.result) if outcome else "moved",
                             "message": str(outcome.message) if outcome and outcome.message else "",
                             "level": LEVEL_NAMES[level]})
    messages.add_message(request, level, success(opportunity, name, outcome))
    return _back(request, number)


def _refused(request: HttpRequest, number: str, exc: Exception, as_json: bool) -> HttpResponse:
    status, errors = _errors_of(exc)
    if as_json:
        return JsonResponse({"ok": False, "errors": errors}, status=status)
    for error in errors:
        messages.error(request, error)
    return _back(request, number)


@login_required
@require_POST
def move_view(request: SignedInRequest, number: str) -> HttpResponse:
    to_stage = request.POST.get("to_stage", "").strip()
    note = request.POST.get("note", "")

    def action(opportunity: Any, version: int | None) -> MoveOutcome:
        if not to_stage:
            raise BadInput(_("Choose the stage to move it to."))
        return opportunity_move_stage(actor=request.user, opportunity=opportunity, to_stage=to_stage,
                                      expected_version=version, note=note, now=timezone.now())

    def success(o: Any, name: str, outcome: MoveOutcome | None) -> str:
        if outcome is not None and outcome.result != MoveResult.MOVED:  # H4: to the manager, back, not ready
            return str(outcome.message)
        return _("%(number)s moved to %(stage)s.") % {"number": o.number, "stage": name}

    return _respond(request, number, action, success)


@login_required
@require_POST
def close_view(request: SignedInRequest, number: str) -> HttpResponse:
    outcome = request.POST.get("outcome", "").strip()
    note = request.POST.get("note", "")

    def action(opportunity: Any, version: int | None) -> None:
        opportunity_close(actor=request.user, opportunity=opportunity, outcome=outcome,
                          expected_version=version, note=note, now=timezone.now())

    def success(o: Any, name: str, _outcome: MoveOutcome | None) -> str:
        if o.status == Status.WON:
            return _("%(number)s is marked won.") % {"number": o.number}
        return _("%(number)s is marked lost.") % {"number": o.number}

    return _respond(request, number, action, success)
