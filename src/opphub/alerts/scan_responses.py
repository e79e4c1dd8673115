"""C1-C4 response times in the set-based scan: what the customer waits for, answered late.

A :class:`~opphub.followups.models.CustomerRequest` (a request, confirmation, proposal feedback or
objection recorded on a follow-up or an objection) is due at the playbook's response time after it
was received (``stages.response``; the rule the pure core picks with
:func:`~opphub.methodology.cadence.response_rule_for`). The due moment is non-decreasing in
``received_at``, so per (playbook version, stage, request kind) one threshold decides every row
(``thresholds.response_threshold``): ``overdue ⇔ received_at < threshold``. The episode is the alert
``(opportunity, response_<kind>, received_at)`` owned by whoever owes the answer; an answered request
(or one no longer overdue under the current stage's rule, or on a closed opportunity) resolves it.
Escalation (M3) is ``services.alerts_escalate``: the alert's ``due_at`` plus the playbook's grace.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import CharField, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value

from opphub.followups.models import CustomerRequest, RequestKind
from opphub.methodology.business_days import WorkCalendar
from opphub.methodology.cadence import ResponseRule, response_rule_for
from opphub.methodology.playbook import Playbook
from opphub.opportunities.models import Status

from . import thresholds
from .models import Alert, response_alert_kind
from .sql import insert_select


def _due_expr(rule: ResponseRule) -> Any:
    """The due moment in SQL for elapsed-time rules; None for working days (filled per local date)."""
    if rule.unit == "hours":
        delta = dt.timedelta(hours=rule.amount)
    elif rule.unit == "days":
        delta = dt.timedelta(days=rule.amount)
    else:
        return None
    return ExpressionWrapper(F("received_at") + delta, output_field=DateTimeField())


def response_rules(books: dict[int, Playbook]) -> Iterator[tuple[int, str, str, ResponseRule]]:
    """(playbook version id, open stage, request kind, its response rule) for every rule the playbooks set."""
    for version_id, book in books.items():
        for stage in book.stages:
            if stage.closed:
                continue
            for kind in RequestKind.values:
                rule = response_rule_for(book, stage.key, kind)
                if rule is not None:
                    yield version_id, stage.key, kind, rule


def _pending(version_id: int, stage: str, kind: str) -> QuerySet[CustomerRequest]:
    return CustomerRequest.objects.filter(kind=kind, answered_at__isnull=True, opportunity__status=Status.OPEN,
                                          opportunity__playbook_version_id=version_id, opportunity__stage=stage)


def response_groups(books: dict[int, Playbook], now: dt.datetime,
                    calendar: WorkCalendar) -> dict[str, list[tuple[QuerySet[CustomerRequest], Any]]]:
    """{request kind: [(overdue open requests of one version and stage, due expression or None)]}."""
    groups: dict[str, list[tuple[QuerySet[CustomerRequest], Any]]] = {k: [] for k in RequestKind.values}
    for version_id, stage, kind, rule in response_rules(books):
        threshold = thresholds.response_threshold(rule, now, calendar)
        groups[kind].append((_pending(version_id, stage, kind).filter(received_at__lt=threshold), _due_expr(rule)))
    return groups


def sync_response_alerts(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar) -> tuple[int, int]:
    """Raise an alert per overdue unanswered request (existing episodes untouched), resolve the alerts
    whose request was answered or is no longer overdue, then fill working-day due moments."""
    raised = resolved = 0
    for kind, groups in response_groups(books, now, calendar).items():
        alert_kind = response_alert_kind(kind)
        for qs, due in groups:
            rows = qs.order_by().annotate(
                z_kind=Value(alert_kind, output_field=CharField()),
                z_due=due if due is not None else Value(None, output_field=DateTimeField()),
                z_raised=Value(now, output_field=DateTimeField()),
            ).values_list("z_kind", "opportunity_id", "owed_by_id", "received_at", "z_due", "z_raised")
            raised += insert_select(Alert._meta.db_table,
                                     ["kind", "opportunity_id", "owner_id", "basis_at", "due_at", "raised_at"],
                                     rows, ["opportunity_id", "kind", "basis_at"])
        still = Q(pk__in=[])
        for qs, _due in groups:
            still |= Q(Exists(qs.order_by().filter(opportunity_id=OuterRef("opportunity_id"),
                                                   received_at=OuterRef("basis_at"))))
        resolved += Alert.objects.filter(kind=alert_kind, resolved_at__isnull=True).exclude(still).update(
            resolved_at=now)
    fill_response_dues(books, now, calendar)
    return raised, resolved


def fill_response_dues(books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar) -> None:
    """Working-day response times: the due moment (end of the N-th working day after the request's
    local date) is computed once per distinct local date and set with one UPDATE per date."""
    tz = now.tzinfo
    assert tz is not None
    for version_id, stage, kind, rule in response_rules(books):
        if rule.unit != "working_days":
            continue
        missing = Alert.objects.filter(kind=response_alert_kind(kind), due_at__isnull=True,
                                       opportunity__playbook_version_id=version_id, opportunity__stage=stage)
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for pk, basis in missing.values_list("pk", "basis_at"):
            by_day[basis.astimezone(tz).date()].append(pk)
        for day, pks in by_day.items():
            received = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
            Alert.objects.filter(pk__in=pks).update(due_at=rule.due(received, tz, calendar))
