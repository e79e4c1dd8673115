"""The set-based scan over every open opportunity (spec C1-C4, M3, M5, P6, X3; issue 4 items 2, 5-7, 9;
the C1-C4 response times in ``scan_responses``).

One call, :func:`scan_run`, run periodically by the worker (``opphub.jobs``), upserts :class:`Alert`
rows and zombie :class:`PenaltyEntry` rows and then escalates (``services.alerts_escalate``). Each
rule is one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per (playbook version, stage): the rule
is a comparison against a threshold computed once in Python (``thresholds``), never a Python loop
over opportunities. A second statement per kind resolves the open alerts whose episode no longer
matches (a touch was logged, the stage moved, the opportunity closed).

Only the X3 signals (slow response, internal discussion) need the pure functions on text and
sequences: SQL narrows the candidates (a phrase occurs often enough in notes; the responses rebuilt
with window functions could fire), the pure core decides for those few (``scan_x3``; docs/decisions.md D16).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest, Now  # noqa: F401
from django.utils import timezone

from opphub.followups.models import FollowUp
from opphub.methodology.business_days import WorkCalendar, add_working_days
from opphub.methodology.playbook import Playbook
from opphub.opportunities.models import Opportunity, Pipeline, PlaybookVersion, Status
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.risks import stage_average
from opphub.workdays.calendar import work_calendar

from . import thresholds
from .models import Alert, AlertKind, PenaltyEntry
from .scan_responses import sync_response_alerts
from .scan_x3 import sync_flag_alerts, x3_flags
from .services import alerts_escalate, interventions_notify
from .sql import insert_select

ZOMBIE_REASON = "zombie"


@dataclass
class ScanResult:
    raised: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    resolved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    penalties: int = 0
    escalated: int = 0
    interventions_notified: int = 0
    x3_candidates: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


# ------------------------------------------------------------------ the expressions


def last_update_expr() -> Any:
    """P6 "last follow-up update": the latest follow-up, or the creation when none is later (as "my day")."""
    return Greatest(Coalesce("last_followup_at", "created_at"), F("created_at"))


def touch_base_expr(touches: int, now: dt.datetime) -> Any:
    """The cadence's N-th latest credit: the N-th latest touch in [stage entry, now], else the stage entry."""
    if touches == 1:
        # last_followup_at is the latest touch; only a touch logged slightly in the future needs the index
        latest_until_now = Subquery(FollowUp.objects.filter(opportunity=OuterRef("pk"), occurred_at__lte=now)
                                    .order_by("-occurred_at").values("occurred_at")[:1])
        last = Case(When(Q(last_followup_at__isnull=True) | Q(last_followup_at__lte=now), then=F("last_followup_at")),
                    default=latest_until_now, output_field=DateTimeField())
        return Greatest(F("stage_entered_at"), Coalesce(last, F("stage_entered_at")))
    nth = Subquery(FollowUp.objects.filter(opportunity=OuterRef("pk"), occurred_at__gte=OuterRef("stage_entered_at"),
                                           occurred_at__lte=now)
                   .order_by("-occurred_at").values("occurred_at")[touches - 1:touches])
    return Coalesce(nth, F("stage_entered_at"))


def _open(version_id: int, stage: str | None = None) -> QuerySet[Opportunity]:
    qs = Opportunity.objects.filter(status=Status.OPEN, playbook_version_id=version_id)
    return qs.filter(stage=stage) if stage is not None else qs


@dataclass
class Group:
    """One rule for one (playbook version, stage): the matching open opportunities annotated with
    ``z_basis`` (the episode's moment) and ``z_due`` (when it fell due, or None)."""

    qs: QuerySet[Any]
    due: Any = None


def overdue_touch_groups(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar,
                         *, at: dt.datetime | None = None) -> list[Group]:
    """C1-C4: open opportunities whose next touch is overdue at ``at`` (default ``now``; the escalation
    passes ``now − grace``)."""
    at = at or now
    groups = []
    for version_id, book in books.items():
        for stage in book.stages:
            cad = stage.cadence
            if stage.closed or cad is None:
                continue
            threshold = thresholds.touch_threshold(cad, at, calendar)
            qs = (_open(version_id, stage.key).annotate(z_basis=touch_base_expr(cad.touches, now))
                  .filter(z_basis__lt=threshold))
            due = None if cad.working_days else ExpressionWrapper(F("z_basis") + dt.timedelta(days=cad.per_days),
                                                                  output_field=DateTimeField())
            groups.append(Group(qs, due))
    return groups


def zombie_groups(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar, action: str) -> list[Group]:
    """P6: ``penalty`` — at least ``zombie_days`` days without update; ``intervention`` — more than
    ``intervention_days`` (calendar days, or working days when the playbook says so)."""
    groups = []
    for version_id, book in books.items():
        if action == "penalty":
            days = int(book.number("incentives", "zombie_days"))
        else:
            days = int(book.number("incentives", "intervention_days")) + 1
        threshold = thresholds.days_without_update_threshold(days, now, calendar,
                                                             working_days=book.zombie_working_days)
        qs = _open(version_id).annotate(z_basis=last_update_expr()).filter(z_basis__lt=threshold)
        groups.append(Group(qs))
    return groups


def high_risk_groups(books: dict[int, Playbook], now: dt.datetime) -> list[Group]:
    """M5: time in stage > factor × the stage's average, learned per pipeline and playbook version
    (risks.stage_average): one group per (version, pipeline, open stage)."""
    groups = []
    pipelines = list(Pipeline.objects.order_by("pk").values_list("pk", "playbook_key"))
    for version_id, book in books.items():
        for pipeline_id in [pk for pk, key in pipelines if key == book.key]:  # a pipeline runs one playbook
            for stage in book.stages:
                if stage.closed:
                    continue
                groups.append(_high_risk_group(book, version_id, pipeline_id, stage.key, now))
    return groups


def _high_risk_group(book: Playbook, version_id: int, pipeline_id: int, stage: str, now: dt.datetime) -> Group:
    average = stage_average(book, stage, now, pipeline_id=pipeline_id, version_id=version_id)
    threshold = thresholds.duration_threshold(book, average, now)
    qs = _open(version_id, stage).filter(pipeline_id=pipeline_id, stage_entered_at__lt=threshold).annotate(
        z_basis=F("stage_entered_at"))
    return Group(qs, ExpressionWrapper(F("stage_entered_at") + (now - threshold), output_field=DateTimeField()))


# ------------------------------------------------------------------ upsert + resolve


def sync_alerts(kind: str, groups: list[Group], now: dt.datetime) -> tuple[int, int]:
    """Insert the episodes ``groups`` match (existing ones untouched) and resolve the open alerts of
    ``kind`` that no group matches any more. Returns (raised, resolved)."""
    raised = 0
    for g in groups:
        rows = g.qs.order_by().annotate(
            z_kind=Value(kind, output_field=CharField()),
            z_due=g.due if g.due is not None else Value(None, output_field=DateTimeField()),
            z_raised=Value(now, output_field=DateTimeField()),
        ).values_list("z_kind", "id", "owner_id", "z_basis", "z_due", "z_raised")
        raised += insert_select(Alert._meta.db_table,
                                 ["kind", "opportunity_id", "owner_id", "basis_at", "due_at", "raised_at"],
                                 rows, ["opportunity_id", "kind", "basis_at"])
    still: Q | Combinable = Q(pk__in=[])
    for g in groups:
        still |= Exists(g.qs.order_by().filter(pk=OuterRef("opportunity_id"), z_basis=OuterRef("basis_at")))
    resolved = Alert.objects.filter(kind=kind, resolved_at__isnull=True).exclude(still).update(resolved_at=now)
    return raised, resolved


def fill_working_day_dues(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar) -> None:
    """Working-day cadences: the due moment is the end of a working day — set per distinct local date."""
    tz = now.tzinfo
    for version_id, book in books.items():
        for stage in book.stages:
            cad = stage.cadence
            if cad is None or not cad.working_days:
                continue
            missing = Alert.objects.filter(kind=AlertKind.OVERDUE_TOUCH, due_at__isnull=True,
                                           opportunity__playbook_version_id=version_id, opportunity__stage=stage.key)
            by_day: dict[dt.date, list[int]] = defaultdict(list)
            for pk, basis in missing.values_list("pk", "basis_at"):
                by_day[basis.astimezone(tz).date()].append(pk)
            for day, pks in by_day.items():
                due = dt.datetime.combine(add_working_days(calendar, day, cad.per_days), dt.time.max, tzinfo=tz)
                Alert.objects.filter(pk__in=pks).update(due_at=due)


def book_penalties(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar) -> int:
    """P6: one PenaltyEntry per zombie streak, in the month of the day that completed the streak."""
    booked = 0
    for version_id, book in books.items():
        days = int(book.number("incentives", "zombie_days"))
        points = int(book.number("incentives", "zombie_penalty_points"))
        threshold = thresholds.days_without_update_threshold(days, now, calendar,
                                                             working_days=book.zombie_working_days)
        qs = _open(version_id).annotate(z_basis=last_update_expr()).filter(z_basis__lt=threshold).order_by()
        first = qs.aggregate(first=Min("z_basis"))["first"]
        if first is None:
            continue
        last_day = (threshold - dt.timedelta(microseconds=1)).date()
        steps = thresholds.month_boundaries(book, first.astimezone(now.tzinfo).date(), last_day, now, calendar)
        if len(steps) == 1:
            month: Any = Value(steps[0][1], output_field=CharField())
        else:
            month = Case(*[When(z_basis__lt=bound, then=Value(m)) for bound, m in steps if bound is not None],
                         default=Value(steps[-1][1]), output_field=CharField())
        rows = qs.annotate(
            z_month=month, z_points=Value(-points, output_field=IntegerField()),
            z_reason=Value(ZOMBIE_REASON, output_field=CharField()), z_now=Value(now, output_field=DateTimeField()),
            z_note=Value("", output_field=CharField()),
        ).values_list("owner_id", "z_month", "z_points", "z_reason", "id", "z_basis", "z_now", "z_note")
        booked += insert_select(PenaltyEntry._meta.db_table,
                                 ["user_id", "month", "points", "reason", "opportunity_id", "streak_since",
                                  "created_at", "reversal_note"], rows, ["opportunity_id", "reason", "streak_since"])
    return booked


# ------------------------------------------------------------------ X3: see scan_x3 (candidates in SQL, core decides)


# ------------------------------------------------------------------ the scan


def playbooks_in_use() -> dict[int, Playbook]:
    return {v.pk: playbook_of(v) for v in PlaybookVersion.objects.only("id", "digest", "key", "version")}


def scan_run(*, now: dt.datetime, x3: bool = True, escalate: bool = True) -> ScanResult:
    """Every rule over every open opportunity at ``now``; idempotent (a rerun adds and sends nothing new)."""
    now = timezone.localtime(now)
    result = ScanResult()
    books = playbooks_in_use()
    calendar = work_calendar()

    def timed(name: str, started: float) -> None:
        result.seconds[name] = round(time.perf_counter() - started, 3)

    # One transaction per rule, not one for the whole scan: SQLite has a single write lock, and holding it
    # for every rule at once blocked every user's save for seconds at 100k open opportunities. Each rule
    # is idempotent on its own (episodes, streak keys), so a crash between two rules loses nothing.
    with transaction.atomic():
        t = time.perf_counter()
        r = sync_alerts(AlertKind.OVERDUE_TOUCH, overdue_touch_groups(books, now, calendar), now)
        result.raised[AlertKind.OVERDUE_TOUCH], result.resolved[AlertKind.OVERDUE_TOUCH] = r
        fill_working_day_dues(books, now, calendar)
        timed("cadence", t)
    t = time.perf_counter()
    for kind, action in ((AlertKind.ZOMBIE, "penalty"), (AlertKind.INTERVENTION, "intervention")):
        with transaction.atomic():
            result.raised[kind], result.resolved[kind] = sync_alerts(kind, zombie_groups(books, now, calendar, action),
                                                                     now)
    with transaction.atomic():
        result.penalties = book_penalties(books, now, calendar)
    timed("zombie", t)
    with transaction.atomic():
        t = time.perf_counter()
        r = sync_alerts(AlertKind.HIGH_RISK, high_risk_groups(books, now), now)
        result.raised[AlertKind.HIGH_RISK], result.resolved[AlertKind.HIGH_RISK] = r
        timed("high_risk", t)
    with transaction.atomic():
        t = time.perf_counter()
        r = sync_response_alerts(books, now, calendar)
        result.raised["response"], result.resolved["response"] = r
        timed("response", t)
    if x3:
        t = time.perf_counter()
        slow, talk, result.x3_candidates = x3_flags(books, now)  # reads only
        for kind, found in ((AlertKind.SLOW_RESPONSE, slow), (AlertKind.INTERNAL_DISCUSSION, talk)):
            with transaction.atomic():
                result.raised[kind], result.resolved[kind] = sync_flag_alerts(kind, found, now)
        timed("x3", t)
    if escalate:
        t = time.perf_counter()
        with transaction.atomic():
            result.escalated = alerts_escalate(books=books, now=now, calendar=calendar)
        with transaction.atomic():
            result.interventions_notified = interventions_notify(now=now)
        timed("escalation", t)
    return result


def scan_job() -> dict[str, Any]:
    """The periodic job (``opphub.jobs``): the scan at the current time, its counts for the worker's log."""
    result = scan_run(now=timezone.now())
    return {"raised": dict(result.raised), "resolved": dict(result.resolved), "penalties": result.penalties,
            "escalated": result.escalated, "seconds": result.seconds}
