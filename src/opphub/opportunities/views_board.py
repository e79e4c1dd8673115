"""The pipeline board: a column per stage with counts, totals and the most active cards (spec M4, P4).

Without JavaScript every card links to its card page. With JavaScript (``board.js``, SortableJS) a
card dropped in another column is posted to the move endpoint, or — dropped in the archive column —
to the close endpoint after a won/lost choice; see ``workflow/views_move.py`` for the JSON contract. After a
successful move, board.js re-fetches this view with the ``HX-Request`` header and ``HX-Target: board``
and receives only the columns fragment (``board_columns.html``), so counts and totals refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import CharField, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from opphub import access
from opphub.alerts.models import Alert, AlertKind
from opphub.methodology.playbook import Playbook
from opphub.methodology.risk import duration_flag

from .filters import OpportunityFilterForm
from .models import Opportunity, Status
from .playbooks import playbook_of
from .risks import stage_average
from .selectors import Card, Column, archive_range, board_columns, pipelines

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
    cards_html(columns, risky=risky_numbers(columns, playbook, now), flags=scan_flags(columns))
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


# A board card's markup. Written here rather than in board_columns.html: up to 150 cards of ~20 values
# each cost the template language ~15 ms a request, this ~1 ms. Every value is escaped (card_html).
CARD_HTML = (
    '<li class="board-card{status_class}" data-number="{number}" data-version="{version}">\n'
    '  <a class="board-card-link" href="{href}">\n'
    '    <span class="board-card-top"><span class="muted small">{number}</span>'
    '<span class="num amount">{amount}</span></span>\n'
    '    <strong class="board-card-name">{name}</strong>\n'
    '    <span class="board-card-customer">{customer}</span>\n'
    '    <span class="board-card-meta small muted"><span>{owner}</span> {state}</span>\n'
    '    <span class="board-card-meta small muted">{followup}</span>\n'
    '  </a>\n'
    '</li>\n'
)


def risky_numbers(columns: list[Column], playbook: Playbook, now: dt.datetime) -> set[str]:
    """Open cards in their stage longer than their playbook's factor × the stage's average learned in
    their pipeline under their playbook version (spec M5; the card page shows all three X3 signals with
    their interventions). ``playbook``: the pipeline's, for a card whose version is unknown."""
    risky: set[str] = set()
    for col in columns:
        if col.closed or not col.cards:
            continue
        for card in col.cards:
            book = card.get("playbook") or playbook
            if col.key not in book.open_stage_keys:
                continue
            average = stage_average(book, col.key, now, pipeline_id=card.pipeline_id,
                                    version_id=card.playbook_version_id)
            if duration_flag(book, col.key, max(now - card.stage_entered_at, dt.timedelta(0)), average):
                risky.add(card.number)
    return risky


PENDING_APPROVAL = "pending_approval"
PENDING = "pending"  # gates.models.ApprovalState.PENDING


def scan_flags(columns: list[Column]) -> dict[int, set[str]]:
    """X3 flags the periodic scan stored (slow response, internal discussion) and pending approvals
    (``PENDING_APPROVAL``: e.g. H4 sent the move to the manager) for the open cards shown: one query for
    the whole board (a UNION of opphub.alerts and opphub.gates)."""
    ids = [c.id for col in columns if not col.closed for c in col.cards]
    found: dict[int, set[str]] = {}
    if not ids:
        return found
    alerts = Alert.objects.filter(opportunity_id__in=ids, resolved_at__isnull=True,
                                  kind__in=[AlertKind.SLOW_RESPONSE, AlertKind.INTERNAL_DISCUSSION])
    # through the reverse relation of the stage work's approvals (gates sits above opportunities: no import)
    pending = (Opportunity.objects.filter(pk__in=ids, approvals__state=PENDING).order_by().distinct()
               .annotate(flag=Value(PENDING_APPROVAL, output_field=CharField())).values_list("pk", "flag"))
    rows = alerts.order_by().values_list("opportunity_id", "kind").union(pending, all=True)
    for opp_id, kind in rows:
        found.setdefault(opp_id, set()).add(kind)
    return found


def cards_html(columns: list[Column], risky: Collection[str] = frozenset(),
               flags: dict[int, set[str]] | None = None) -> None:
    """Each column's cards as HTML (``col.cards_html``), their shared texts translated once."""
    last_followup, no_followup = escape(gettext("Last follow-up")), escape(gettext("No follow-up yet"))
    badge = f'<span class="badge bad">{escape(gettext("High risk"))}</span> '
    flag_badges = {code: f'<span class="badge warn">{escape(gettext(text))}</span> ' for code, text in
                   (("slow_response", "Slow customer response"), ("internal_discussion", "Discussing internally"))}
    flag_badges[PENDING_APPROVAL] = f'<span class="badge pending">{escape(gettext("Approval pending"))}</span> '
    flags = flags or {}

    def badges(c: Card) -> str:
        out = badge if c.number in risky else ""
        return out + "".join(flag_badges[k] for k in sorted(flags.get(c.id, ())) if k in flag_badges)

    for col in columns:
        col.cards_html = mark_safe("".join(  # noqa: S308 - every value is escaped in card_html
            card_html(c, last_followup, no_followup, badges(c)) for c in col.cards))


def card_html(card: Card, last_followup: str, no_followup: str, risk_badge: str = "") -> str:
    """One card: number, amount, name, customer, owner, days in stage (open) or won/lost, last follow-up."""
    status = escape(card.status)
    if card.status == Status.OPEN:
        mark = f'<span class="badge warn">{escape(card.status_mark)}</span> ' if card.get("status_mark") else ""
        status_class, state = "", f"<span>{mark}{risk_badge}{escape(card.days_label)}</span>"
    else:
        status_class, state = f" is-{status}", f'<span class="badge {status}">{escape(card.status_label)}</span>'
    day = card.last_followup_day
    followup = f"{last_followup} {escape(day)}" if day else f'<span class="warn-text">{no_followup}</span>'
    return CARD_HTML.format(  # every value escaped above or here
        status_class=status_class, number=escape(card.number), version=escape(card.version_text),
        href=escape(card.href), amount=escape(card.amount_label), name=escape(card.name),
        customer=escape(card.customer_name), owner=escape(card.owner_name), state=state, followup=followup)
