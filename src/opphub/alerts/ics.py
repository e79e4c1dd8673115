"""The per-user calendar feed (issue 4 item 8), an iCalendar document behind a secret token:

- VTODO: the next touch due of each own open opportunity (C1-C4); what a customer waits for the user to
  answer (C1-C4 response times, ``followups.CustomerRequest``); the S2 interview, S4 objection and
  S5 archive deadlines not yet met; the escalated / intervention tasks the user must act on as a
  manager (M3, P6);
- VEVENT: the planned next steps of follow-ups (meetings), one hour from ``next_step_at``.

What is listed is read in :mod:`opphub.alerts.calendar_items` (set-based, a fixed number of queries).
Every UID is stable, so a calendar app updates an item instead of duplicating it on each refresh.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Todo

from opphub.followups.selectors import responses_owed

from .calendar_items import MEETING_LENGTH, WorkingDays, books_in_use, deadline_dues, meetings, touch_dues
from .models import RESPONSE_ALERT_KINDS, Alert, AlertKind

PRODID = "-//OppHub//opphub calendar feed//ZH"
NUMBER_PLACEHOLDER = "NUMBER"
OBJECTION_EXCERPT = 60


def _deadline_summary(action: str, number: str, name: str, text: str) -> str:
    values = {"number": number, "name": name}
    if action == "interview":
        return _("Hold the 5W1H interview: %(number)s %(name)s") % values
    if action == "objection":
        excerpt = text if len(text) <= OBJECTION_EXCERPT else text[:OBJECTION_EXCERPT - 1] + "…"
        return _("Answer the objection: %(number)s %(name)s — %(objection)s") % {**values, "objection": excerpt}
    return _("Complete the archive: %(number)s %(name)s") % values


def _add_summary(todo: Todo, summary: str, estimated: bool, description: str = "") -> None:
    """The task title (and ``description``, if any); a due date counted across a year without an
    official holiday schedule says so in the title and explains it in the description."""
    if estimated:
        summary = _("%(task)s (due date estimated, Mon–Fri)") % {"task": summary}
        note = _("The due date is estimated: there is no official holiday schedule for its "
                 "year in OppHub yet, so working days were counted Monday to Friday.")
        description = f"{description}\n{note}" if description else note
    if description:
        todo.add("description", description)
    todo.add("summary", summary)


def feed(*, user: Any, now: dt.datetime, base_url: str) -> bytes:
    card = base_url + reverse("opportunities:card", kwargs={"number": NUMBER_PLACEHOLDER})

    def card_url(number: str) -> str:
        return card.replace(NUMBER_PLACEHOLDER, quote(number, safe="-"))

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("OppHub to-dos of %(user)s") % {"user": user})
    books = books_in_use(user)
    days = WorkingDays()
    for opp, due, estimated in touch_dues(user=user, now=now, books=books, days=days):
        todo = Todo()
        todo.add("uid", f"touch-{opp.pk}-{int(due.timestamp())}@opphub")
        todo.add("dtstamp", now)
        todo.add("due", due)
        summary = _("Touch the customer: %(number)s %(name)s") % {"number": opp.number, "name": opp.name}
        _add_summary(todo, summary, estimated)
        todo.add("url", card_url(opp.number))
        cal.add_component(todo)
    for d in deadline_dues(user=user, books=books, days=days):
        todo = Todo()
        todo.add("uid", d.uid)
        todo.add("dtstamp", now)
        todo.add("dtstart", d.start)
        todo.add("due", d.due)  # a date: due by the end of that day
        _add_summary(todo, _deadline_summary(d.action, d.number, d.name, d.text), d.estimated)
        todo.add("categories", [d.action])
        todo.add("url", base_url + reverse("gates:stage", kwargs={"number": d.number}))
        cal.add_component(todo)
    for r in responses_owed(user=user, now=timezone.localtime(now)):  # C1-C4: what a customer waits for
        todo = Todo()
        todo.add("uid", f"request-{r.pk}@opphub")
        todo.add("dtstamp", now)
        todo.add("dtstart", r.received_at)
        todo.add("due", r.due_at)
        _add_summary(todo, _("Answer the customer: %(number)s %(name)s — %(what)s") % {
            "number": r.number, "name": r.name, "what": r.text}, r.estimated, f"{r.what} ({r.rule})")
        todo.add("url", card_url(r.number))
        cal.add_component(todo)
    for f in meetings(user=user, now=now):
        event = Event()
        event.add("uid", f"followup-{f.pk}-next-step@opphub")
        event.add("dtstamp", now)
        start = f.next_step_at
        if start is None:  # meetings() picks follow-ups with a next step time
            continue
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
        what = f.next_step or _("Next step")
        event.add("summary", f"{what} · {f.opportunity.number}")
        event.add("description", f"{f.opportunity.number} {f.opportunity.name}\n{f.notes}")
        event.add("url", card_url(f.opportunity.number))
        cal.add_component(event)
    tasks = (Alert.objects.filter(escalated_to=user, resolved_at__isnull=True,
                                  kind__in=[AlertKind.OVERDUE_TOUCH, AlertKind.INTERVENTION, *RESPONSE_ALERT_KINDS])
             .select_related("opportunity", "owner"))
    for alert in tasks:
        todo = Todo()
        todo.add("uid", f"alert-{alert.pk}@opphub")
        todo.add("dtstamp", now)
        todo.add("due", alert.escalated_at or now)
        summary = (_("Step in: %(number)s %(name)s (%(owner)s)") if alert.kind == AlertKind.INTERVENTION
                   else _("Escalated: %(number)s %(name)s (%(owner)s)"))
        todo.add("summary", summary % {"number": alert.opportunity.number, "name": alert.opportunity.name,
                                       "owner": alert.owner})
        todo.add("url", card_url(alert.opportunity.number))
        cal.add_component(todo)
    return cal.to_ical()
