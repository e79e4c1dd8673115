"""The per-user calendar feed (issue 4 item 8): the next touch due of each own open opportunity as a
VTODO (computed set-based with the scan's expression, one query per cadence stage) and the open
escalated/intervention tasks the user must act on as a manager. Follow-ups have no planned date
(a follow-up is logged after it happened), so there are no future meetings to list yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Todo

from opphub.methodology.business_days import add_working_days
from opphub.opportunities.models import Opportunity, PlaybookVersion, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.workdays.calendar import work_calendar

from .models import Alert, AlertKind
from .scan import touch_base_expr

PRODID = "-//OppHub//opphub calendar feed//ZH"


def touch_dues(*, user: Any, now: dt.datetime) -> list[tuple[Opportunity, dt.datetime]]:
    """(opportunity, next touch due) for the user's own open opportunities, earliest first."""
    out: list[tuple[Opportunity, dt.datetime]] = []
    calendar = None
    versions = PlaybookVersion.objects.filter(pk__in=Opportunity.objects.filter(owner=user, status=Status.OPEN)
                                              .values("playbook_version_id"))
    for version in versions:
        book = playbook_of(version)
        for stage in book.stages:
            cad = stage.cadence
            if stage.closed or cad is None:
                continue
            qs = (Opportunity.objects.filter(owner=user, status=Status.OPEN, playbook_version=version, stage=stage.key)
                  .annotate(z_basis=touch_base_expr(cad.touches, now)).only("id", "number", "name"))
            for opp in qs:
                if cad.working_days:
                    calendar = calendar or work_calendar()
                    local = opp.z_basis.astimezone(now.tzinfo)
                    due = dt.datetime.combine(add_working_days(calendar, local.date(), cad.per_days), dt.time.max,
                                              tzinfo=now.tzinfo)
                else:
                    due = opp.z_basis + dt.timedelta(days=cad.per_days)
                out.append((opp, due))
    out.sort(key=lambda pair: (pair[1], pair[0].number))
    return out


def feed(*, user: Any, now: dt.datetime, base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("OppHub to-dos of %(user)s") % {"user": user})
    for opp, due in touch_dues(user=user, now=now):
        todo = Todo()
        todo.add("uid", f"touch-{opp.pk}-{int(due.timestamp())}@opphub")
        todo.add("dtstamp", now)
        todo.add("due", due)
        todo.add("summary", _("Touch the customer: %(number)s %(name)s") % {"number": opp.number, "name": opp.name})
        todo.add("url", base_url + reverse("opportunities:card", kwargs={"number": opp.number}))
        cal.add_component(todo)
    tasks = (Alert.objects.filter(escalated_to=user, resolved_at__isnull=True,
                                  kind__in=[AlertKind.OVERDUE_TOUCH, AlertKind.INTERVENTION])
             .select_related("opportunity", "owner"))
    for alert in tasks:
        todo = Todo()
        todo.add("uid", f"alert-{alert.pk}@opphub")
        todo.add("dtstamp", now)
        todo.add("due", alert.escalated_at or now)
        label = _("Step in") if alert.kind == AlertKind.INTERVENTION else _("Escalated")
        todo.add("summary", f"{label}: {alert.opportunity.number} {alert.opportunity.name} ({alert.owner})")
        todo.add("url", base_url + reverse("opportunities:card", kwargs={"number": alert.opportunity.number}))
        cal.add_component(todo)
    return cal.to_ical()
