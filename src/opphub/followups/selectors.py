"""The rep's "my day" (spec P1, C1-C4, P6): which of my opportunities need a touch, and when.

A fixed number of queries, whatever the number of opportunities: the user's own open opportunities
(one query, only the columns the page shows), the working-day calendar (one query), and their
follow-ups inside the longest cadence window of the playbooks involved (one query). The pure core
(:mod:`opphub.methodology.cadence`) then decides per opportunity in Python; that loop is bounded by
one person's own open opportunities (the set-based scan over every opportunity is a separate job).

Approvals (P1, M2, H4): those waiting for the user's decision and the user's own requests still
waiting, one query each (the opportunity, its playbook version and the requester joined in).

"Updated" means a follow-up was logged (P6 counts days "without a follow-up update"); an opportunity
without any follow-up counts from its creation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from opphub import access
from opphub.common.money import yuan
from opphub.methodology.business_days import add_working_days, relies_on_estimate
from opphub.methodology.cadence import (
    CadenceInput,
    ResponseRule,
    Touch,
    TouchDue,
    ZombieState,
    cadence_state,
    due_status,
    response_rule_for,
)
from opphub.methodology.playbook import Playbook
from opphub.opportunities.messages import approval_name
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import User
from opphub.workdays.calendar import work_calendar

from .models import CustomerRequest, Kind, RequestKind
from .next_gates import GateRow, gate_rows
from .supported import SupportedRow, supported_rows

UPCOMING_LIMIT = 5  # "coming up next": the few nearest dues
# The daily-update reminder (P1) is one compact line in the morning and lists the opportunities in the
# last hours before the playbook's rules.daily_update_time. A choice of the page, not a methodology rule.
REMINDER_EXPANDS_HOURS = 2
# A cadence counted in working days spans more calendar days: weekends plus the longest official
# break (Spring Festival, National Day: 7-9 days off in a row).
WORKING_DAY_MARGIN_DAYS = 12
NUMBER_PLACEHOLDER = "NUMBER"
OPPORTUNITY_COLUMNS = ("id", "number", "name", "stage", "status", "stage_entered_at", "last_followup_at",
                       "created_at", "customer__name", "playbook_version__digest", "amount")


@dataclass
class DayRow:
    """One of my opportunities as "my day" shows it (the touch due, the zombie streak)."""

    number: str
    name: str
    customer: str
    stage_name: str
    href: str
    last_touch: datetime | None
    amount: Decimal | None = None
    touch: TouchDue | None = None
    status: str = ""  # overdue | today | upcoming ("" without a cadence)
    what: str = ""  # "1 touch every 3 days — last touch 2026-11-20"
    channels: tuple[str, ...] = ()
    overdue_label: str = ""
    zombie: ZombieState | None = None
    zombie_level: str = ""  # intervention | penalty | warning | ""
    update_due: bool = False

    @property
    def due_at(self) -> datetime | None:
        return self.touch.due_at if self.touch else None

    @property
    def amount_label(self) -> str:
        return yuan(self.amount)

    @property
    def action(self) -> str:
        """The one next action in words: the touch by its first preferred channel (C1-C4)."""
        first = self.touch.preferred[0] if self.touch and self.touch.preferred else ""
        if first == "phone":
            return _("Call, then log it")
        if first in ("visit", "meeting", "executive_visit"):
            return _("Meet, then log it")
        return _("Log a follow-up")

    @property
    def action_href(self) -> str:
        return self.href + "#followups"


@dataclass
class ResponseRow:
    """C1-C4: something a customer is waiting for the user to answer, with its playbook due time."""

    pk: int
    number: str
    name: str
    customer: str
    href: str
    what: str  # the kind: "Objection (answer it)"
    text: str
    received_at: datetime
    due_at: datetime
    rule: str  # "within 24 hours" / "within 2 working days"
    status: str  # overdue | today | upcoming
    overdue_label: str = ""
    estimated: bool = False  # working days counted across a year without an official holiday schedule (Mon-Fri)


@dataclass
class ApprovalRow:
    """A pending approval as "my day" lists it: the opportunity, what is asked, who asked and when."""

    pk: int
    number: str
    name: str
    what: str
    requested_by: str
    requested_at: datetime
    note: str
    href: str  # the stage page's approvals section, where it is decided
    amount: Decimal | None = None
    deadline: date | None = None  # R4: a finance/legal contract review's due day (playbook working days)
    deadline_overdue: bool = False

    @property
    def amount_label(self) -> str:
        return yuan(self.amount)


@dataclass
class MyDay:
    now: datetime
    open_count: int = 0
    overdue: list[DayRow] = field(default_factory=list)
    today: list[DayRow] = field(default_factory=list)
    upcoming: list[DayRow] = field(default_factory=list)
    upcoming_more: int = 0
    not_updated: list[DayRow] = field(default_factory=list)
    update_by: time | None = None  # the daily update time while the reminder applies
    zombies: list[DayRow] = field(default_factory=list)
    approvals_waiting: list[ApprovalRow] = field(default_factory=list)  # for the user to decide
    my_requests: list[ApprovalRow] = field(default_factory=list)  # the user asked; nobody decided yet
    gates: list[GateRow] = field(default_factory=list)  # the next gate of each open one, closest first
    responses: list[ResponseRow] = field(default_factory=list)  # C1-C4: customers waiting for my answer
    supported: list[SupportedRow] = field(default_factory=list)  # presales, CS, finance, legal: assigned to me

    @property
    def reminder_expanded(self) -> bool:
        """The reminder lists the opportunities in the last hours before the update time, else it is a count."""
        if self.update_by is None:
            return False
        deadline = datetime.combine(self.now.date(), self.update_by, tzinfo=self.now.tzinfo)
        return self.now >= deadline - timedelta(hours=REMINDER_EXPANDS_HOURS)

    @property
    def responses_due(self) -> int:
        """C1-C4: the customer requests overdue or due today (those later wait in the list, uncounted)."""
        return sum(1 for r in self.responses if r.status != "upcoming")

    @property
    def nothing_due(self) -> bool:
        return not (self.overdue or self.today or self.not_updated or self.zombies or self.approvals_waiting
                    or any(r.status != "upcoming" for r in self.responses))


def my_day(*, user: User, now: datetime) -> MyDay:
    """The user's own open opportunities that need attention at ``now``."""
    now = timezone.localtime(now)  # the core's "today" is the business time zone's
    opportunities = list(
        access.visible_opportunities(user).filter(owner=user, status="open")
        .select_related("customer", "playbook_version").only(*OPPORTUNITY_COLUMNS).order_by("id")
    )
    day = MyDay(now=now, open_count=len(opportunities))
    day.approvals_waiting = _approval_rows(access.approvals_waiting_for(user), now=now)
    day.my_requests = _approval_rows(access.approval_requests_by(user))
    day.responses = responses_owed(user=user, now=now)
    if getattr(user, "role", "") in access.SUPPORT_ROLES:
        day.supported = supported_rows(user=user)
    if not opportunities:
        return day
    books: dict[int, Playbook] = {}
    for o in opportunities:
        if o.playbook_version_id not in books:
            books[o.playbook_version_id] = playbook_of(o.playbook_version)
    calendar = work_calendar()
    touches = _touches(user, [o.pk for o in opportunities], now, _window_days(books.values()))

    language = get_language()
    href_template = reverse("opportunities:card", kwargs={"number": NUMBER_PLACEHOLDER})
    kinds = dict(Kind.choices)
    dues: list[DayRow] = []
    for o in opportunities:
        book = books[o.playbook_version_id]
        try:
            stage = book.stage(o.stage)
        except KeyError:  # a stage its playbook does not know: nothing to compute
            continue
        last_touch = timezone.localtime(o.last_followup_at) if o.last_followup_at else None
        row = DayRow(number=o.number, name=o.name, customer=o.customer.name, stage_name=stage.name.get(language),
                     href=href_template.replace(NUMBER_PLACEHOLDER, quote(o.number, safe="-")),
                     last_touch=last_touch, amount=o.amount)
        own = list(touches.get(o.pk, ()))
        if o.last_followup_at and all(t.occurred_at != o.last_followup_at for t in own):
            own.append(Touch(o.last_followup_at))  # the latest touch, even when it is older than the window
        last_update = max(t for t in (o.last_followup_at, o.created_at) if t is not None)
        state = cadence_state(book, CadenceInput(stage=o.stage, status=o.status, stage_entered_at=o.stage_entered_at,
                                                 touches=tuple(own), last_update_at=last_update), now, calendar)
        if state.touch is not None:
            _describe_touch(row, state.touch, now, kinds)
            dues.append(row)
        if state.daily_update_due:
            row.update_due = True
            day.not_updated.append(row)
            rule_time = book.rules.daily_update_time
            day.update_by = rule_time if day.update_by is None else min(day.update_by, rule_time)
        if state.zombie is not None:
            row.zombie = state.zombie
            row.zombie_level = _zombie_level(state.zombie, int(book.number("incentives", "zombie_days")))
            if row.zombie_level:
                day.zombies.append(row)

    day.gates = gate_rows([o.pk for o in opportunities], now, calendar)
    dues.sort(key=lambda r: (r.touch.due_at if r.touch else now, r.number))
    day.overdue = sorted((r for r in dues if r.status == "overdue"), key=lambda r: _urgency(r, now))
    day.today = sorted((r for r in dues if r.status == "today"), key=lambda r: _urgency(r, now))
    later = [r for r in dues if r.status == "upcoming"]
    day.upcoming, day.upcoming_more = later[:UPCOMING_LIMIT], max(len(later) - UPCOMING_LIMIT, 0)
    day.zombies.sort(key=lambda r: (-(r.zombie.days_without_update if r.zombie else 0), r.number))
    return day


def _urgency(row: DayRow, now: datetime) -> tuple[int, Decimal, datetime, str]:
    """The rank of an overdue or due-today touch: the more whole days late first; within the same day
    the larger amount first; then the earlier due time."""
    due = row.due_at or now
    days_late = (now.date() - timezone.localtime(due, now.tzinfo).date()).days
    return (-days_late, -(row.amount or Decimal(0)), due, row.number)


def response_rule_label(rule: ResponseRule) -> str:
    """A response time in words from the playbook: "within 24 hours", "within 2 working days"."""
    n = rule.amount
    if rule.unit == "hours":
        return ngettext("within %(n)d hour", "within %(n)d hours", n) % {"n": n}
    if rule.unit == "working_days":
        return ngettext("within %(n)d working day", "within %(n)d working days", n) % {"n": n}
    return ngettext("within %(n)d day", "within %(n)d days", n) % {"n": n}


def responses_owed(*, user: Any, now: datetime) -> list[ResponseRow]:
    """C1-C4: the open requests the user owes an answer to on opportunities they may see (one query;
    the calendar is read only when some rule counts working days), the earliest due first."""
    rows = list(CustomerRequest.objects.filter(owed_by=user, answered_at__isnull=True, opportunity__status="open")
                .filter(opportunity_id__in=access.visible_opportunities(user).values("pk"))
                .select_related("opportunity__customer", "opportunity__playbook_version")
                .defer("opportunity__playbook_version__content").order_by("received_at", "id"))
    if not rows:
        return []
    tz = now.tzinfo
    assert tz is not None
    kinds = dict(RequestKind.choices)
    href = reverse("opportunities:card", kwargs={"number": NUMBER_PLACEHOLDER})
    calendar = None
    out = []
    for r in rows:
        o = r.opportunity
        book = playbook_of(o.playbook_version)
        rule = response_rule_for(book, o.stage, r.kind) if o.stage in book.stage_keys else None
        if rule is None:
            continue
        if rule.unit == "working_days" and calendar is None:
            calendar = work_calendar()
        due = rule.due(r.received_at, tz, calendar)  # type: ignore[arg-type]  # only working days read it
        estimated = (rule.unit == "working_days"
                     and relies_on_estimate(calendar, r.received_at.astimezone(tz).date(), due.date()))  # type: ignore[arg-type]
        row = ResponseRow(pk=r.pk, number=o.number, name=o.name, customer=o.customer.name,
                          href=href.replace(NUMBER_PLACEHOLDER, quote(o.number, safe="-")) + "#followups",
                          what=str(kinds.get(r.kind, r.kind)), text=r.text,
                          received_at=timezone.localtime(r.received_at), due_at=due, rule=response_rule_label(rule),
                          status=due_status(due, now), estimated=estimated)
        if row.status == "overdue":
            row.overdue_label = timesince(due, now, depth=2)
        out.append(row)
    out.sort(key=lambda r: (r.due_at, r.pk))
    return out


def _approval_rows(qs: Any, now: datetime | None = None) -> list[ApprovalRow]:
    """Pending approvals with their opportunity's amount; with ``now``, a finance/legal contract review (R4)
    also gets its deadline: the playbook's working days after the request (the calendar read once, only
    when there is such a review)."""
    stage_href = reverse("gates:stage", kwargs={"number": NUMBER_PLACEHOLDER}) + "#approvals"
    rows = (qs.select_related("opportunity__playbook_version", "requested_by")
            .defer("opportunity__playbook_version__content").order_by("requested_at", "id"))
    out = []
    calendar = None
    for a in rows:
        book = playbook_of(a.opportunity.playbook_version)
        row = ApprovalRow(pk=a.pk, number=a.opportunity.number, name=a.opportunity.name,
                          what=approval_name(book, a.key),
                          requested_by=str(a.requested_by), requested_at=timezone.localtime(a.requested_at),
                          note=a.request_note, amount=a.opportunity.amount,
                          href=stage_href.replace(NUMBER_PLACEHOLDER, quote(a.opportunity.number, safe="-")))
        if now is not None and book.approver_role(a.key) in access.REVIEWER_ROLES:
            calendar = calendar or work_calendar()
            days = int(book.number("resource_queue", "contract_review_working_days"))
            row.deadline = add_working_days(calendar, row.requested_at.date(), days)
            row.deadline_overdue = row.deadline < now.date()
        out.append(row)
    return out


def _window_days(books: Any) -> int:
    """Calendar days back from now that hold every touch which can still count toward a cadence."""
    longest = 1
    for book in books:
        for stage in book.stages:
            cad = stage.cadence
            if cad is not None:
                longest = max(longest, cad.per_days + (WORKING_DAY_MARGIN_DAYS if cad.working_days else 0))
    return longest + 1  # a touch covers to the same clock time (or the end of the day) D days later


def _touches(user: User, ids: list[int], now: datetime, days: int) -> dict[int, list[Touch]]:
    rows = (access.visible_followups(user)
            .filter(opportunity_id__in=ids, occurred_at__gte=now - timedelta(days=days), occurred_at__lte=now)
            .order_by().values_list("opportunity_id", "occurred_at", "kind", "direction"))
    out: dict[int, list[Touch]] = defaultdict(list)
    for opportunity_id, occurred_at, kind, direction in rows:
        out[opportunity_id].append(Touch(occurred_at, kind, direction))
    return out


def rule_label(touch: TouchDue) -> str:
    """The cadence in words: "1 touch every 3 days", "2 touches every 7 days"."""
    if touch.working_days:
        period = ngettext("%(days)d working day", "%(days)d working days", touch.per_days) % {"days": touch.per_days}
    else:
        period = ngettext("%(days)d day", "%(days)d days", touch.per_days) % {"days": touch.per_days}
    return ngettext("%(count)d touch every %(period)s", "%(count)d touches every %(period)s",
                    touch.touches_needed) % {"count": touch.touches_needed, "period": period}


def _describe_touch(row: DayRow, touch: TouchDue, now: datetime, kinds: dict[str, Any]) -> None:
    row.touch = touch
    row.status = due_status(touch.due_at, now)
    rule = rule_label(touch)
    if touch.touches_needed > 1:
        rule = _("%(rule)s (%(done)d of %(needed)d in the current window)") % {
            "rule": rule, "done": min(touch.touches_in_window, touch.touches_needed), "needed": touch.touches_needed}
    if row.last_touch:
        row.what = _("%(rule)s — last touch %(date)s") % {"rule": rule, "date": row.last_touch.date().isoformat()}
    else:
        row.what = _("%(rule)s — no touch yet") % {"rule": rule}
    row.channels = tuple(str(kinds.get(k, k)) for k in touch.preferred)
    if touch.overdue:
        row.overdue_label = timesince(touch.due_at, now, depth=2)


def _zombie_level(zombie: ZombieState, zombie_days: int) -> str:
    """P6: the manager steps in; the penalty is due; or one more day without a follow-up makes it due."""
    if zombie.intervention_due:
        return "intervention"
    if zombie.penalty_due:
        return "penalty"
    if zombie.days_without_update and zombie.days_without_update >= zombie_days - 1:
        return "warning"
    return ""
