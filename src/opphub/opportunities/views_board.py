"""The pipeline board: a column per stage with counts, totals and the most active cards (spec M4, P4).

Without JavaScript every card links to its card page. With JavaScript (``board.js``, SortableJS) a
card dropped in another column is posted to the move endpoint, or — dropped in the archive column —
to the close endpoint after a won/lost choice; see ``views_move`` for the JSON contract. After a
successful move, board.js re-fetches this view with the ``HX-Request`` header and ``HX-Target: board``
and receives only the columns fragment (``board_columns.html``), so counts and totals refresh.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from opphub.people import access

from .filters import OpportunityFilterForm
from .playbooks import playbook_of
from .selectors import archive_range, board_columns, pipelines

NUMBER_PLACEHOLDER = "__number__"


@login_required
@require_GET
def board_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pipeline, every = pipelines()
    playbook = playbook_of(pipeline.current_version)
    form = OpportunityFilterForm(request.GET, user=request.user, playbook=playbook, now=now)
    columns = board_columns(user=request.user, pipeline=pipeline, playbook=playbook, form=form, now=now,
                            per_column=settings.OPPHUB_BOARD_CARDS_PER_COLUMN, only_pipeline=len(every) > 1)
    archive_from, archive_to = archive_range(form)
    list_url = reverse("opportunities:list")
    for col in columns:
        extra = {"stage": col.key}
        if col.closed and form.date_range() is None and archive_from and archive_to:
            extra.update(period="custom", date_from=archive_from.isoformat(), date_to=archive_to.isoformat())
        col.list_url = f"{list_url}?{form.querystring(**extra)}"
    context = {
        "form": form,
        "columns": columns,
        "pipeline": pipeline,
        "pipeline_name": playbook.name.get(get_language()),
        "archive_from": archive_from,
        "archive_to": archive_to,
        "open_stage_keys": list(playbook.open_stage_keys),
        "can_create": access.can_create_records(request.user),
        "move_url_template": reverse("opportunities:move", kwargs={"number": NUMBER_PLACEHOLDER}),
        "close_url_template": reverse("opportunities:close", kwargs={"number": NUMBER_PLACEHOLDER}),
        "number_placeholder": NUMBER_PLACEHOLDER,
        "reset_url": reverse("opportunities:board"),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "board":
        return render(request, "opportunities/board_columns.html", context)
    return render(request, "opportunities/board.html", context)
