"""The outbox rows are part of the change they report (docs/decisions.md D15, D16): queued before any
on-commit hook runs, and gone with the change when it rolls back (then the next attempt sends them)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from opphub.alerts.models import Alert, AlertKind
from opphub.alerts.scan import scan_run
from opphub.gates.services import approval_request
from opphub.notifications.models import Delivery
from opphub.notifications.services import Message, notifications_enqueue_many
from tests.alerts.test_scan import NOW, _opp
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_approval_request_queues_its_messages_in_its_own_transaction(org, django_capture_on_commit_callbacks):
    """spec: M2 — the approvers' messages are queued by the time the request commits, before the hand-off
    to the worker; a request that rolls back leaves no message (and can be made again)."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    with pytest.raises(Boom), transaction.atomic():
        approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=NOW)
        assert Delivery.objects.filter(recipient=org.m1, kind="approval_requested").exists()
        raise Boom
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as hooks:
        approval = approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=NOW)
    channels = set(Delivery.objects.filter(key=f"approval:{approval.pk}:request:{org.m1.pk}")
                   .values_list("channel", flat=True))
    assert {"inapp", "email"} <= channels
    assert hooks  # only the hand-off to the worker waits for the commit


def test_an_escalation_that_rolls_back_is_escalated_and_queued_by_the_next_scan(org,
                                                                               django_capture_on_commit_callbacks):
    """spec: M3 — marking an alert escalated and queueing its messages happen together: rolled back, the
    alert is not escalated and has no message, and the next scan does both."""
    opp = _opp(org, org.r1, created=NOW - dt.timedelta(days=30))
    with pytest.raises(Boom), transaction.atomic():
        assert scan_run(now=NOW, x3=False).escalated == 1
        raise Boom
    assert not Alert.objects.filter(escalated_at__isnull=False).exists()
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=False):
        assert scan_run(now=NOW, x3=False).escalated == 1
    alert = Alert.objects.get(opportunity=opp, kind=AlertKind.OVERDUE_TOUCH)
    assert alert.escalated_to == org.m1
    assert set(Delivery.objects.filter(key=f"escalation:{alert.pk}").values_list("channel", flat=True)) == {
        "inapp", "email", "wecom"}


def test_enqueue_many_is_idempotent(org):
    """spec: M3 — the same (recipient, channel, key) is queued once however often it is asked for."""
    messages = [Message(recipient=user, kind="todo", key="k:1", subject="s", body="", channels=("email",))
                for user in (org.r1, org.r2)]
    notifications_enqueue_many(messages=messages)
    again = Message(recipient=org.r1, kind="todo", key="k:2", subject="s", body="", channels=("email",))
    notifications_enqueue_many(messages=[*messages, again])
    assert sorted(Delivery.objects.values_list("recipient__username", "channel", "key")) == [
        ("r1", "email", "k:1"), ("r1", "email", "k:2"), ("r1", "inapp", "k:1"), ("r1", "inapp", "k:2"),
        ("r2", "email", "k:1"), ("r2", "inapp", "k:1")]
