"""Team health (P4, M3, P6), the weekly review with its Excel export (P4, M5, X3, X4), the calendar feed."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opphub import access
from opphub.common.errors import NotAllowed
from opphub.common.exports import Column, csv_response, xlsx_response
from opphub.people.http import SignedInRequest

from . import ics
from .models import CalendarToken
from .review import parse_filters, review_all, review_page
from .services import calendar_token_of, calendar_token_regenerate, penalty_reverse
from .team_health import team_health


def _team_pages_only(request: HttpRequest) -> None:
    if not access.can_see_team_pages(request.user):
        raise Http404


@login_required
@require_GET
def team_health_view(request: HttpRequest) -> HttpResponse:
    _team_pages_only(request)
    now = timezone.localtime()
    team = request.GET.get("team") or ""
    health = team_health(user=request.user, now=now, team_id=int(team) if team.isdigit() else None)
    return render(request, "alerts/team_health.html", {"health": health, "now": now})


@login_required
@require_POST
def penalty_reverse_view(request: SignedInRequest, pk: int) -> HttpResponse:
    _team_pages_only(request)
    entry = get_object_or_404(access.visible_penalties(request.user), pk=pk)
    try:
        penalty_reverse(actor=request.user, entry=entry, note=request.POST.get("note", ""), now=timezone.now())
        messages.success(request, _("The penalty was reversed."))
    except NotAllowed as exc:
        messages.error(request, str(exc.message))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("alerts:team_health")


@login_required
@require_GET
def review_view(request: HttpRequest) -> HttpResponse:
    _team_pages_only(request)
    filters = parse_filters(request.GET)
    page = request.GET.get("page") or ""
    review = review_page(user=request.user, filters=filters, now=timezone.localtime(),
                         page=int(page) if page.isdigit() else 1)
    return render(request, "alerts/review.html", {"review": review, "query": filters.query()})


def _review_columns() -> list[Column]:
    return [
        Column(_("Number"), width=20), Column(_("Opportunity"), width=32), Column(_("Customer"), width=32),
        Column(_("Owner"), width=14), Column(_("Stage"), width=14), Column(_("Days in stage"), "integer"),
        Column(_("Amount (CNY)"), "money"), Column(_("Last follow-up"), "datetime"),
        Column(_("Risk flags"), width=30), Column(_("Recommended interventions"), width=60),
    ]


def _review_export_rows(request: HttpRequest) -> Iterator[list[object]]:
    """The rows of the page's filters and order (team, owner, risk kind, sort from the URL), every page."""
    for row in review_all(user=request.user, filters=parse_filters(request.GET), now=timezone.localtime()):
        o = row.opportunity
        yield [o.number, o.name, o.customer.name, str(o.owner), row.stage_name, row.days_in_stage, o.amount,
               o.last_followup_at, "、".join(row.flag_labels), "\n".join(row.interventions)]


@login_required
@require_GET
def review_export_view(request: HttpRequest) -> FileResponse:
    """The weekly review as Excel (through the one export helper: text stays text)."""
    _team_pages_only(request)
    return xlsx_response(filename=f"review-{timezone.localdate():%Y%m%d}.xlsx", title=_("High-risk review"),
                         columns=_review_columns(), rows=_review_export_rows(request))


@login_required
@require_GET
def review_export_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The weekly review as CSV (UTF-8 with BOM, for Excel in a Chinese locale)."""
    _team_pages_only(request)
    return csv_response(filename=f"review-{timezone.localdate():%Y%m%d}.csv", columns=_review_columns(),
                        rows=_review_export_rows(request))


@login_required
def calendar_settings_view(request: SignedInRequest) -> HttpResponse:
    if request.method == "POST":
        calendar_token_regenerate(user=request.user)
        messages.success(request, _("A new calendar link was made; the old one no longer works."))
        return redirect("alerts:calendar")
    token = calendar_token_of(user=request.user)
    url = request.build_absolute_uri(f"/calendar/{token.token}.ics")
    return render(request, "alerts/calendar.html", {"feed_url": url})


@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    found = CalendarToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if found is None:
        raise Http404
    body = ics.feed(user=found.user, now=timezone.localtime(), base_url=request.build_absolute_uri("/").rstrip("/"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
