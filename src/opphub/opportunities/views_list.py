"""The opportunity list: filters, sortable columns, pages, total count and amount (spec M4, P4)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from opphub import access

from .filters import OpportunityFilterForm
from .playbooks import playbook_of
from .selectors import DEFAULT_SORT, LIST_SORTS, all_stage_names, opportunity_list, parse_page, pipelines

SORTABLE = ("number", "amount", "expected_close_date", "updated_at")


@login_required
@require_GET
def opportunity_list_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pipeline, every = pipelines()
    playbook = playbook_of(pipeline.current_version)
    form = OpportunityFilterForm(request.GET, user=request.user, playbook=playbook, now=now)
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in LIST_SORTS else DEFAULT_SORT
    page = opportunity_list(user=request.user, form=form, sort=sort, page=parse_page(request.GET.get("page")),
                            page_size=settings.OPPHUB_PAGE_SIZE, now=now)
    names = all_stage_names(every or [pipeline])
    for row in page.rows:
        row.stage_name = names.get(row.stage, row.stage)
    base = reverse("opportunities:list")
    sort_links = {}
    for column in SORTABLE:
        # first click: the natural order (biggest amount, latest change; earliest close date, number)
        natural = column if column in ("expected_close_date", "number") else f"-{column}"
        reverse_ = natural[1:] if natural.startswith("-") else f"-{natural}"
        target = reverse_ if sort == natural else natural
        arrow = ("↓" if sort.startswith("-") else "↑") if sort.lstrip("-") == column else ""
        sort_links[column] = {"url": f"{base}?{form.querystring(sort=target)}", "arrow": arrow}
    page_query = form.querystring(sort=sort if sort != DEFAULT_SORT else None)
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "sort_links": sort_links,
        "page_query": page_query,
        "can_create": access.can_create_records(request.user),
        "reset_url": base,
        "board_url": f"{reverse('opportunities:board')}?{form.querystring()}",
    }
    return render(request, "opportunities/list.html", context)
