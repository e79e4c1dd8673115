"""My day's "next gates" (P1, M2): what each of the user's open opportunities still needs before its next step,
with the nearest open stage deadline (S2, S4, S5). Bulk gate snapshots: a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext as _

from opphub.gates.panel import deadline_label
from opphub.gates.selectors import build_snapshots
from opphub.gates.unmet import unmet_message
from opphub.methodology.business_days import WorkCalendar, add_working_days, relies_on_estimate
from opphub.methodology.stages import check_close_with_gate, check_gate, deadlines, next_stage
from opphub.opportunities.messages import stage_name
from opphub.opportunities.models import Opportunity
from opphub.opportunities.playbooks import playbook_of

NUMBER_PLACEHOLDER = "NUMBER"


@dataclass
class GateRow:
    """P1, M2: what one of my opportunities still needs before its next step."""

    number: str
    name: str
    target: str  # "Advance to Solution" / "Mark won"
    missing: list[str]
    href: str  # the stage-work page
    deadline: GateDeadline | None = None  # the nearest open stage deadline (S2, S4, S5)


@dataclass
class GateDeadline:
    """The nearest open stage deadline of one opportunity (S2 interview, S4 objection, S5 archive)."""

    label: str
    due: date
    overdue: bool
    estimated: bool  # counted across a year without an official holiday schedule (Mon-Fri)


def gate_rows(ids: list[int], now: datetime, calendar: WorkCalendar) -> list[GateRow]:
    """The next gate's checklist of each opportunity (bulk snapshots: a fixed number of queries), those
    closest to ready first, with the nearest open stage deadline."""

    opportunities = list(Opportunity.objects.filter(pk__in=ids).select_related("playbook_version")
                         .defer("playbook_version__content").order_by("id"))
    snapshots = build_snapshots(opportunities, now=now)
    href = reverse("gates:stage", kwargs={"number": NUMBER_PLACEHOLDER})
    rows = []
    for o in opportunities:
        book = playbook_of(o.playbook_version)
        if o.stage not in book.stage_keys:
            continue
        nxt = next_stage(book, o.stage)
        if nxt is not None and not book.stage(nxt).closed:
            unmet = check_gate(book, snapshots[o.pk], nxt)
            target = _("Advance to %(stage)s") % {"stage": stage_name(book, nxt)}
        else:
            unmet = check_close_with_gate(book, snapshots[o.pk], "won")
            target = _("Mark won")
        open_dues = [d for d in deadlines(book, snapshots[o.pk], lambda day, n: add_working_days(calendar, day, n))
                     if not d.done]
        nearest = min(open_dues, key=lambda d: d.due) if open_dues else None
        rows.append(GateRow(number=o.number, name=o.name, target=target,
                            missing=[unmet_message(book, u) for u in unmet],
                            href=href.replace(NUMBER_PLACEHOLDER, quote(o.number, safe="-")) + "#gate",
                            deadline=GateDeadline(deadline_label(nearest.action), nearest.due, nearest.overdue,
                                                  relies_on_estimate(calendar, nearest.start, nearest.due))
                            if nearest else None))
    rows.sort(key=lambda r: (len(r.missing), r.number))
    return rows
