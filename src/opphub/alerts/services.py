"""Escalation (M3), the manager's intervention task (P6), penalty reversal, the follow-up hook, the
calendar token. Notifications go through the outbox (``opphub.notifications``): the Delivery rows are
written in the same transaction that marks the alerts escalated, so a committed escalation is always
sent (a crash right after the commit leaves queued rows for the re-drive) and a rolled-back one is
retried by the next scan. Each row has an idempotency key, so a rerun of the scan never sends twice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from opphub import access
from opphub.audit.services import audit_record, audit_snapshot
from opphub.common.errors import NotAllowed
from opphub.methodology.business_days import WorkCalendar
from opphub.methodology.playbook import Playbook
from opphub.notifications.services import Message, notifications_enqueue_many
from opphub.opportunities.models import Opportunity
from opphub.opportunities.playbooks import playbook_of
from opphub.people.models import Role, Team, User

from . import thresholds
from .models import RESPONSE_ALERT_KINDS, Alert, AlertKind, CalendarToken, PenaltyEntry, new_token, response_alert_kind


def escalation_grace(playbook: Playbook) -> dt.timedelta:
    """M3: how long after a to-do fell due the owner's manager is alerted (playbook ``rules``; the
    spec's "overdue items alert the manager" is 0, the standard playbook's value)."""
    return dt.timedelta(hours=playbook.rules.escalation_grace_hours)


def escalation_channels(alert: Alert) -> tuple[str, ...]:
    """M3: the channels of the alert's playbook (``rules.escalation_channels``; in-app always goes too)."""
    return playbook_of(alert.opportunity.playbook_version).rules.escalation_channels


def _team_chain() -> dict[int, tuple[int | None, int | None]]:
    rows = Team.objects.values_list("id", "parent_id", "manager_id")
    return {tid: (parent, manager) for tid, parent, manager in rows}


def managers_of(user_ids: set[int]) -> dict[int, int | None]:
    """The manager who hears about each user's slips: their team's manager, else the nearest manager up
    the parent chain (a manager's own slips go to the manager above). None: nobody (admins are told)."""
    chain = _team_chain()
    out: dict[int, int | None] = {}
    for uid, team_id in User.objects.filter(pk__in=user_ids).values_list("pk", "team_id"):
        found, seen = None, set()
        tid: int | None = team_id
        while tid is not None and tid not in seen:
            seen.add(tid)
            parent, manager = chain.get(tid, (None, None))
            if manager is not None and manager != uid:
                found = manager
                break
            tid = parent
        out[uid] = found
    return out


def _admins() -> list[User]:
    return list(User.objects.filter(is_active=True).filter(role=Role.ADMIN) | User.objects.filter(
        is_active=True, is_superuser=True))


def _route(alerts: list[tuple[int, int]], now: dt.datetime) -> dict[int | None, list[int]]:
    """{manager id (None: nobody): [alert ids]} for (alert id, owner id) pairs; marks them escalated."""
    managers = managers_of({owner for _pk, owner in alerts})
    by_manager: dict[int | None, list[int]] = defaultdict(list)
    for pk, owner in alerts:
        by_manager[managers.get(owner)].append(pk)
    for manager, pks in by_manager.items():
        for i in range(0, len(pks), 2000):
            Alert.objects.filter(pk__in=pks[i:i + 2000]).update(escalated_at=now, escalated_to_id=manager)
    return by_manager


def _notify(by_manager: dict[int | None, list[int]], prefix: str) -> int:
    """In the caller's transaction (the one that set ``escalated_at``): one notification per alert and
    recipient (key ``<prefix>:<alert id>``), written set-based; sent by the worker after the commit."""
    ids = [pk for pks in by_manager.values() for pk in pks]
    if not ids:
        return 0
    rows = {a.pk: a for a in Alert.objects.filter(pk__in=ids).select_related(
        "opportunity__playbook_version", "owner").defer("opportunity__playbook_version__content")}
    users = {u.pk: u for u in User.objects.filter(pk__in=[m for m in by_manager if m is not None])}
    admins = _admins() if any(m is None or m not in users for m in by_manager) else []
    messages: list[Message] = []
    for manager, pks in by_manager.items():
        for pk in pks:
            alert = rows.get(pk)
            if alert is None:
                continue
            subject, body = _message(alert, prefix)
            url = reverse("opportunities:card", kwargs={"number": alert.opportunity.number})
            if manager is not None and manager in users:
                messages.append(Message(recipient=users[manager], kind=prefix, key=f"{prefix}:{alert.pk}",
                                        subject=subject, body=body, url=url, channels=escalation_channels(alert),
                                        mention_mobile=True))
            else:  # nobody to escalate to: the administrators are told, and the others still go out
                note = _("%(owner)s has no manager to escalate to.") % {"owner": alert.owner}
                messages += [Message(recipient=admin, kind=f"{prefix}_unrouted",
                                     key=f"{prefix}:{alert.pk}:admin:{admin.pk}", subject=subject,
                                     body=f"{body}\n{note}", url=url) for admin in admins]
    return notifications_enqueue_many(messages=messages)


def _message(alert: Alert, prefix: str) -> tuple[str, str]:
    opp = alert.opportunity
    values = {"number": opp.number, "name": opp.name, "owner": alert.owner}
    if prefix == "intervention":
        rule = intervention_rule(playbook_of(opp.playbook_version))
        return (_("Step in: %(number)s has had no follow-up for %(rule)s") % {**values, "rule": rule},
                _("%(owner)s has logged no follow-up on %(number)s %(name)s for %(rule)s. Please step in.")
                % {**values, "rule": rule})
    due = timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M") if alert.due_at else ""
    if alert.kind in RESPONSE_ALERT_KINDS:
        what = AlertKind(alert.kind).label
        return (_("Overdue: the customer of %(number)s is waiting for an answer") % values,
                _("%(owner)s owes the customer an answer on %(number)s %(name)s (%(what)s); it was due %(due)s.")
                % {**values, "what": what, "due": due})
    return (_("Overdue: %(number)s needed a customer touch") % values,
            _("%(owner)s's touch on %(number)s %(name)s was due %(due)s and is still missing.")
            % {**values, "due": due})


def intervention_rule(playbook: Playbook) -> str:
    """P6 in words from the playbook: "more than 7 days" / "more than 7 working days"."""
    days = int(playbook.number("incentives", "intervention_days"))
    if playbook.zombie_working_days:
        return ngettext("more than %(days)d working day", "more than %(days)d working days", days) % {"days": days}
    return ngettext("more than %(days)d day", "more than %(days)d days", days) % {"days": days}


@transaction.atomic
def alerts_escalate(*, books: dict[int, Playbook], now: dt.datetime, calendar: WorkCalendar) -> int:
    """M3: overdue touches and overdue answers (C1-C4 response times) past the playbook's grace (0 by
    default: at the due time) go to the owner's manager (the playbook's channels), once. One
    transaction marks them escalated and queues the messages: both happen or neither does."""
    pending: list[tuple[int, int]] = []
    for version_id, book in books.items():
        at = now - escalation_grace(book)
        for stage in book.stages:
            cad = stage.cadence
            if stage.closed or cad is None:
                continue
            threshold = thresholds.touch_threshold(cad, at, calendar)
            pending += list(Alert.objects.filter(
                kind=AlertKind.OVERDUE_TOUCH, resolved_at__isnull=True, escalated_at__isnull=True,
                opportunity__playbook_version_id=version_id, opportunity__stage=stage.key, basis_at__lt=threshold,
            ).values_list("pk", "owner_id"))
        # a response alert carries its due moment (set when raised): escalate once it is ``grace`` past
        pending += list(Alert.objects.filter(
            kind__in=RESPONSE_ALERT_KINDS, resolved_at__isnull=True, escalated_at__isnull=True,
            opportunity__playbook_version_id=version_id, due_at__lt=at,
        ).values_list("pk", "owner_id"))
    by_manager = _route(pending, now)
    _notify(by_manager, "escalation")
    return len(pending)


@transaction.atomic
def interventions_notify(*, now: dt.datetime) -> int:
    """P6: a streak past the intervention days is a task for the manager: routed and notified once (the
    routing and the queued messages in one transaction)."""
    pending = list(Alert.objects.filter(kind=AlertKind.INTERVENTION, resolved_at__isnull=True,
                                        escalated_at__isnull=True).values_list("pk", "owner_id"))
    _notify(_route(pending, now), "intervention")
    return len(pending)


def alerts_followup_logged(*, opportunity: Opportunity, occurred_at: dt.datetime, now: dt.datetime) -> int:
    """A logged follow-up ends the touch and zombie episodes counted from before it (the next scan
    opens a new one if the cadence is still not met)."""
    return Alert.objects.filter(
        opportunity=opportunity, resolved_at__isnull=True, basis_at__lt=occurred_at,
        kind__in=[AlertKind.OVERDUE_TOUCH, AlertKind.ZOMBIE, AlertKind.INTERVENTION],
    ).update(resolved_at=now)


def alerts_requests_answered(*, requests: list[Any], now: dt.datetime) -> int:
    """C1-C4: answered requests end their overdue-answer episodes at once."""
    if not requests:
        return 0
    match = Q(pk__in=[])
    for r in requests:
        match |= Q(opportunity_id=r.opportunity_id, kind=response_alert_kind(r.kind), basis_at=r.received_at)
    return Alert.objects.filter(match, resolved_at__isnull=True).update(resolved_at=now)


PENALTY_AUDIT_FIELDS = ("points", "reversed_by", "reversed_at", "reversal_note")


@transaction.atomic
def penalty_reverse(*, actor: User, entry: PenaltyEntry, note: str, now: dt.datetime) -> PenaltyEntry:
    """P6: the manager (of the rep's teams), a director or an admin takes a penalty back, with a note."""
    if not access.can_reverse_penalty(actor, entry):
        raise NotAllowed(_("You cannot reverse this penalty."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the penalty is reversed.")})
    entry = PenaltyEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.reversed_at is not None:
        raise ValidationError(_("This penalty was already reversed."))
    before = audit_snapshot(entry, PENALTY_AUDIT_FIELDS)
    entry.reversed_by, entry.reversed_at, entry.reversal_note = actor, now, note[:300]
    entry.save(update_fields=["reversed_by", "reversed_at", "reversal_note"])
    audit_record(actor=actor, instance=entry, before=before, after=audit_snapshot(entry, PENALTY_AUDIT_FIELDS), now=now)
    return entry


def calendar_token_of(*, user: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


def calendar_token_regenerate(*, user: User) -> CalendarToken:
    token = calendar_token_of(user=user)
    token.token = new_token()
    token.save(update_fields=["token", "created_at"])
    return token
