"""P6 counts calendar days (issue 8 item 2): 連續3天 / 超7天, with a playbook switch for working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from opphub.alerts.models import Alert, AlertKind, PenaltyEntry
from opphub.alerts.scan import scan_run
from opphub.notifications.models import Delivery

from .test_scan import NOW, _open_ids, _opp, on_released_playbook

TZ = NOW.tzinfo
SECOND = dt.timedelta(seconds=1)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def _scan(now):  # type: ignore[no-untyped-def]
    return scan_run(now=now, x3=False, escalate=False)


@pytest.mark.django_db
def test_calendar_days_count_the_weekend(org):
    """spec: P6 — Fri 2026-11-20 update; Sat, Sun, Mon without → −5 points from Tue 00:00 (not a second
    earlier), in 2026-11; more than 7 days (Sat 21 … Sat 28) → the manager steps in from Sun 29 00:00."""
    opp = _opp(org, created=at(2026, 11, 20, 10))
    _scan(at(2026, 11, 24) - SECOND)
    assert not PenaltyEntry.objects.exists() and opp.pk not in _open_ids(AlertKind.ZOMBIE)
    _scan(at(2026, 11, 24))
    entry = PenaltyEntry.objects.get()
    assert (entry.user, entry.month, entry.points) == (org.r1, "2026-11", -5)
    assert opp.pk in _open_ids(AlertKind.ZOMBIE)
    _scan(at(2026, 11, 29) - SECOND)
    assert opp.pk not in _open_ids(AlertKind.INTERVENTION)
    _scan(at(2026, 11, 29))
    assert opp.pk in _open_ids(AlertKind.INTERVENTION)
    assert PenaltyEntry.objects.count() == 1


@pytest.mark.django_db
def test_calendar_days_count_national_day(org):
    """spec: P6 — Wed 2026-09-30 update; 1, 2, 3 October are days without a follow-up even though they are
    holidays: −5 points from 4 October (2026-10); more than 7 days → intervention from 9 October. The
    working-days switch (the released 1.2.0 playbook) counts none of the holiday: no penalty on 4 October."""
    calendar_opp = _opp(org, created=at(2026, 9, 30, 17))
    working_opp = on_released_playbook(_opp(org, created=at(2026, 9, 30, 17)))
    _scan(at(2026, 10, 4) - SECOND)
    assert not PenaltyEntry.objects.exists()
    _scan(at(2026, 10, 4))
    (entry,) = PenaltyEntry.objects.all()
    assert (entry.opportunity, entry.month) == (calendar_opp, "2026-10")
    assert working_opp.pk not in _open_ids(AlertKind.ZOMBIE)
    _scan(at(2026, 10, 9) - SECOND)
    assert calendar_opp.pk not in _open_ids(AlertKind.INTERVENTION)
    _scan(at(2026, 10, 9))
    assert _open_ids(AlertKind.INTERVENTION) == {calendar_opp.pk}
    _scan(at(2026, 10, 11))  # working days: Oct 8, 9 and the make-up Saturday 10 → due on the 11th
    assert PenaltyEntry.objects.filter(opportunity=working_opp, month="2026-10").count() == 1


@pytest.mark.django_db
def test_the_intervention_message_states_the_playbook_rule(org, django_capture_on_commit_callbacks):
    """spec: P6, M3 — the manager's task says "more than 7 days" under the standard playbook and "more than
    7 working days" under the working-days switch: the text is the playbook's, not "a week"."""
    calendar_opp = _opp(org, created=at(2026, 11, 1, 10))
    working_opp = on_released_playbook(_opp(org, created=at(2026, 11, 1, 10)))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        scan_run(now=NOW, x3=False)
    subjects = {}
    for opp in (calendar_opp, working_opp):
        alert = Alert.objects.get(opportunity=opp, kind=AlertKind.INTERVENTION)
        subjects[opp.pk] = Delivery.objects.filter(key=f"intervention:{alert.pk}").values_list("subject",
                                                                                              flat=True).first()
    assert subjects[calendar_opp.pk].endswith("has had no follow-up for more than 7 days")
    assert subjects[working_opp.pk].endswith("has had no follow-up for more than 7 working days")
