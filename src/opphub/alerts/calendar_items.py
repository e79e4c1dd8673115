"""What the per-user calendar feed lists (issue 4 item 8), read set-based for the opportunities the
user owns and may see:

- the next touch due of each open opportunity (C1-C4), one query per (playbook version, cadence stage)
  with the scan's expression;
- planned next steps of follow-ups (``FollowUp.next_step_at``): meetings, one query;
- the stage deadlines (S2 interview, S4 objections, S5 archive) from the playbook stages' ``deadlines``,
  one query per kind of deadline; the working-day arithmetic runs once per distinct start day (and
  number of days), never per opportunity.

Nothing here reads the clock: ``now`` is passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from opphub import access
from opphub.followups.models import FollowUp, Kind
from opphub.gates.models import Objection
from opphub.methodology.business_days import add_working_days, relies_on_estimate
from opphub.methodology.playbook import Playbook
from opphub.opportunities.models import Opportunity, PlaybookVersion, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.workdays.calendar import work_calendar

from .scan import touch_base_expr

MEETING_HISTORY = dt.timedelta(days=30)  # past meetings kept in the feed (calendar apps drop what vanishes)
MEETING_LENGTH = dt.timedelta(hours=1)  # a planned next step has a start only: shown as one hour


@dataclass(frozen=True)
class DeadlineDue:
    """One open stage deadline: due by the end of ``due`` (a local date)."""

    action: str  # interview (S2) | objection (S4) | archive (S5)
    uid: str
    opportunity_id: int
    number: str
    name: str
    start: dt.date
    due: dt.date
    text: str = ""  # the objection
    estimated: bool = False  # counted across a year without an official holiday schedule (Mon-Fri)


def own_opportunities(user: Any) -> QuerySet[Opportunity]:
    """The opportunities the feed is about: visible to the user and owned by them."""
    return access.visible_opportunities(user).filter(owner=user)


def books_in_use(user: Any) -> dict[int, Playbook]:
    """The playbooks of the user's own opportunities (one query; each parsed once per process)."""
    versions = PlaybookVersion.objects.filter(pk__in=own_opportunities(user).values("playbook_version_id"))
    return {v.pk: playbook_of(v) for v in versions}


class WorkingDays:
    """``add_working_days`` with the calendar read once (lazily) and each (day, n) computed once;
    :meth:`estimated` tells whether a date so computed relied on a year without official data."""

    def __init__(self) -> None:
        self._calendar: Any = None
        self._memo: dict[tuple[dt.date, int], dt.date] = {}

    @property
    def calendar(self) -> Any:
        if self._calendar is None:
            self._calendar = work_calendar()
        return self._calendar

    def add(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        if key not in self._memo:
            self._memo[key] = add_working_days(self.calendar, day, n)
        return self._memo[key]

    def estimated(self, start: dt.date, due: dt.date) -> bool:
        return relies_on_estimate(self.calendar, start, due)


def _local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def touch_dues(*, user: Any, now: dt.datetime, books: dict[int, Playbook] | None = None,
               days: WorkingDays | None = None) -> list[tuple[Opportunity, dt.datetime, bool]]:
    """(opportunity, next touch due, whether the due is an estimate) for the user's own open
    opportunities, earliest first. Only a cadence in working days can be an estimate."""
    books = books_in_use(user) if books is None else books
    days = days or WorkingDays()
    out: list[tuple[Opportunity, dt.datetime, bool]] = []
    own = own_opportunities(user).filter(status=Status.OPEN)
    for version_id, book in books.items():
        for stage in book.stages:
            cad = stage.cadence
            if stage.closed or cad is None:
                continue
            qs = (own.filter(playbook_version_id=version_id, stage=stage.key)
                  .annotate(z_basis=touch_base_expr(cad.touches, now)).only("id", "number", "name"))
            for opp in qs:
                estimated = False
                if cad.working_days:
                    local = opp.z_basis.astimezone(now.tzinfo)
                    due_day = days.add(local.date(), cad.per_days)
                    due = dt.datetime.combine(due_day, dt.time.max, tzinfo=now.tzinfo)
                    estimated = days.estimated(local.date(), due_day)
                else:
                    due = opp.z_basis + dt.timedelta(days=cad.per_days)
                out.append((opp, due, estimated))
    out.sort(key=lambda item: (item[1], item[0].number))
    return out


def meetings(*, user: Any, now: dt.datetime) -> list[FollowUp]:
    """Planned next steps on the user's own opportunities, from a month back on, earliest first."""
    return list(access.visible_followups(user)
                .filter(opportunity__owner=user, next_step_at__gte=now - MEETING_HISTORY)
                .select_related("opportunity").only("id", "next_step", "next_step_at", "notes", "opportunity__number",
                                                    "opportunity__name")
                .order_by("next_step_at", "id"))


def _stages_with(books: dict[int, Playbook], action: str) -> dict[tuple[int, str], int]:
    """(playbook version, stage) -> working days, for the stages that carry deadline ``action``."""
    return {(vid, stage.key): dl.working_days
            for vid, book in books.items() for stage in book.stages for dl in stage.deadlines if dl.action == action}


def _in_stages(where: dict[tuple[int, str], int], prefix: str = "") -> Q:
    return reduce(or_, (Q(**{f"{prefix}playbook_version_id": vid, f"{prefix}stage": key}) for vid, key in where))


def deadline_dues(*, user: Any, books: dict[int, Playbook] | None = None,
                  days: WorkingDays | None = None) -> list[DeadlineDue]:
    """The open S2/S4/S5 deadlines of the user's own opportunities (not yet done), earliest first.

    As :func:`opphub.methodology.stages.deadlines` counts them: S2 from entering the stage until the
    first interview follow-up; S4 from each unresolved objection; S5 from closing until the archive is
    complete (``StageRecord.archived_at``)."""
    books = books_in_use(user) if books is None else books
    days = days or WorkingDays()
    own = own_opportunities(user)
    out: list[DeadlineDue] = []
    columns = ("pk", "number", "name", "playbook_version_id", "stage")

    def due(where: dict[tuple[int, str], int], vid: int, stage: str, start: dt.date) -> dt.date:
        return days.add(start, where[(vid, stage)])

    interview = _stages_with(books, "interview")
    if interview:
        held = FollowUp.objects.filter(opportunity=OuterRef("pk"), kind=Kind.INTERVIEW)
        rows = (own.filter(_in_stages(interview), status=Status.OPEN).exclude(Exists(held))
                .values_list(*columns, "stage_entered_at"))
        for pk, number, name, vid, stage, entered in rows:
            start = _local_date(entered)
            out.append(DeadlineDue("interview", f"deadline-interview-{pk}-{int(entered.timestamp())}@opphub",
                                   pk, number, name, start, due(interview, vid, stage, start)))

    objection = _stages_with(books, "objection")
    if objection:
        objections = (Objection.objects.filter(resolved_at__isnull=True,
                                               opportunity__in=own.filter(_in_stages(objection), status=Status.OPEN))
                      .values_list("pk", "text", "raised_at", *(f"opportunity__{c}" for c in columns)))
        for obj_pk, text, raised, pk, number, name, vid, stage in objections:
            start = _local_date(raised)
            out.append(DeadlineDue("objection", f"deadline-objection-{obj_pk}@opphub", pk, number, name, start,
                                   due(objection, vid, stage, start), text))

    archive = _stages_with(books, "archive")
    if archive:
        rows = (own.filter(_in_stages(archive), status__in=[Status.WON, Status.LOST])
                .filter(Q(stage_record__isnull=True) | Q(stage_record__archived_at__isnull=True))
                .values_list(*columns, "closed_at", "stage_entered_at"))
        for pk, number, name, vid, stage, closed, entered in rows:
            start = _local_date(closed or entered)
            out.append(DeadlineDue("archive", f"deadline-archive-{pk}@opphub", pk, number, name, start,
                                   due(archive, vid, stage, start)))

    out = [replace(d, estimated=days.estimated(d.start, d.due)) for d in out]
    return sorted(out, key=lambda d: (d.due, d.number, d.action, d.uid))
