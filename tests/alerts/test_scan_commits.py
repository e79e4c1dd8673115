"""The scan commits per rule (issue 9 item 6): SQLite has one write lock, so the scan must not hold it for
all its rules at once; each rule runs in its own short transaction and stays idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opphub.alerts.models import Alert
from opphub.alerts.scan import scan_run
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_rule_is_its_own_transaction_and_a_rerun_changes_nothing(org):
    """spec: C1-C4, P6, M5, X3, M3 — the scan opens one transaction per rule (the write lock is released
    between rules) and a second run raises nothing new."""
    now = timezone.now()
    for i in range(3):
        make_opportunity(actor=org.r1, now=now - dt.timedelta(days=30 + i))
    with CaptureQueriesContext(connection) as ctx:
        first = scan_run(now=now)
    begins = [q["sql"] for q in ctx.captured_queries if q["sql"].upper().startswith("BEGIN")]
    if connection.vendor == "sqlite":  # BEGIN IMMEDIATE takes the write lock; one per rule, none around all
        assert len(begins) >= 8, begins
    assert sum(first.raised.values()) > 0
    alerts = Alert.objects.count()
    second = scan_run(now=now)
    assert sum(second.raised.values()) == 0 and Alert.objects.count() == alerts
