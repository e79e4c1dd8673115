"""Escalation (M3), team health (P4), penalty reversal (P6), the weekly review export (X4) and the ICS feed."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone

from opphub.alerts.models import Alert, AlertKind, PenaltyEntry
from opphub.alerts.scan import scan_run
from opphub.alerts.services import penalty_reverse
from opphub.audit.models import FieldChange
from opphub.notifications.models import Delivery
from opphub.people.models import Role

from ..factories import TeamFactory, UserFactory
from .test_scan import NOW, _opp, on_released_playbook

OLD = NOW - dt.timedelta(days=30)


def _run(django_capture_on_commit_callbacks, now=NOW):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return scan_run(now=now, x3=False)


@pytest.mark.django_db
def test_overdue_touch_escalates_to_the_manager_once_over_email_and_wecom(org, django_capture_on_commit_callbacks):
    """spec: M3 — overdue (no grace in the standard playbook) → the owner's manager (r3's team has none: the
    manager above) by the playbook's channels, email and WeCom, key escalation:<alert id>; a rerun sends
    nothing more. One due exactly now is not overdue yet; a second later it is escalated."""
    a = _opp(org, org.r1, created=OLD)
    b = _opp(org, org.r3, created=OLD)
    fresh = _opp(org, org.r2, created=NOW - dt.timedelta(days=7))  # C1: 1 touch / 7 days → due exactly now
    result = _run(django_capture_on_commit_callbacks)
    assert result.escalated == 2
    for opp in (a, b):
        alert = Alert.objects.get(opportunity=opp, kind=AlertKind.OVERDUE_TOUCH)
        assert alert.escalated_to == org.m1
        sent = set(Delivery.objects.filter(key=f"escalation:{alert.pk}", recipient=org.m1).values_list("channel",
                                                                                                      flat=True))
        assert {"email", "wecom"} <= sent
    assert not Alert.objects.filter(opportunity=fresh, kind=AlertKind.OVERDUE_TOUCH).exists()
    assert _run(django_capture_on_commit_callbacks, NOW + dt.timedelta(seconds=1)).escalated == 1  # grace 0
    assert Alert.objects.get(opportunity=fresh, kind=AlertKind.OVERDUE_TOUCH).escalated_to == org.m2
    before = Delivery.objects.count()
    _run(django_capture_on_commit_callbacks, NOW + dt.timedelta(minutes=15))
    assert Delivery.objects.count() == before


@pytest.mark.django_db
def test_the_released_playbook_keeps_its_24_hour_grace(org, django_capture_on_commit_callbacks):
    """spec: M3 — ``escalation_grace_hours`` stays a playbook option: the released 1.2.0 file says 24, so an
    opportunity running under it is escalated 24 h after its touch fell due, not at the due time."""
    opp = on_released_playbook(_opp(org, org.r1, created=NOW - dt.timedelta(days=7)))  # due exactly now
    assert _run(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=24)).escalated == 0
    assert Alert.objects.get(opportunity=opp, kind=AlertKind.OVERDUE_TOUCH).escalated_at is None
    assert _run(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=24, seconds=1)).escalated == 1


@pytest.mark.django_db
def test_a_user_without_a_manager_is_reported_to_admins(org, django_capture_on_commit_callbacks):
    """spec: M3 (bad input: a user with no manager) — reported to the admins, the others still go out."""
    loner = UserFactory(username="loner", role=Role.REP, team=TeamFactory(name="无主管组"))
    lonely = _opp(org, loner, created=OLD)
    _opp(org, org.r1, created=OLD)
    _run(django_capture_on_commit_callbacks)
    alert = Alert.objects.get(opportunity=lonely, kind=AlertKind.OVERDUE_TOUCH)
    assert alert.escalated_at and alert.escalated_to is None
    assert Delivery.objects.filter(recipient=org.admin, key__startswith=f"escalation:{alert.pk}").exists()
    assert Delivery.objects.filter(recipient=org.m1, key__startswith="escalation:").exists()


@pytest.mark.django_db
def test_team_health_access(org, client, django_capture_on_commit_callbacks):
    """spec: P4 — a rep cannot open the team pages; a manager sees only their teams; the director all."""
    _opp(org, org.r1, created=OLD)
    _opp(org, org.r2, created=OLD)
    _run(django_capture_on_commit_callbacks)
    client.force_login(org.r1)
    assert client.get("/team/health/").status_code == 404
    assert client.get("/team/review/").status_code == 404
    client.force_login(org.m1)
    page = client.get("/team/health/").content.decode()
    assert 'data-user="r1"' in page and 'data-user="r3"' in page and 'data-user="r2"' not in page
    client.force_login(org.director)
    page = client.get("/team/health/").content.decode()
    assert 'data-user="r1"' in page and 'data-user="r2"' in page


@pytest.mark.django_db
def test_penalty_reversal_is_audited_and_limited(org, client, django_capture_on_commit_callbacks):
    """spec: P6 — the manager reverses a penalty with a note; the audit trail records it; another team's
    manager cannot."""
    _opp(org, org.r1, created=OLD)
    _run(django_capture_on_commit_callbacks)
    entry = PenaltyEntry.objects.get()
    client.force_login(org.m2)
    client.post(f"/team/penalties/{entry.pk}/reverse/", {"note": "not mine"})
    entry.refresh_from_db()
    assert entry.reversed_at is None
    penalty_reverse(actor=org.m1, entry=entry, note="客户出差，已电话确认", now=NOW)
    entry.refresh_from_db()
    assert entry.reversed_by == org.m1 and entry.reversal_note == "客户出差，已电话确认"
    changes = dict(FieldChange.objects.filter(object_id=str(entry.pk)).values_list("field", "new_value"))
    assert changes["reversal_note"] == "客户出差，已电话确认"


@pytest.mark.django_db
def test_review_export_and_calendar_feed(org, client, django_capture_on_commit_callbacks):
    """spec: P4, M5, X4 — the weekly review lists the high-risk opportunity with its interventions, the Excel
    export has the same rows; the ICS feed lists the rep's touch dues behind a secret token."""
    from icalendar import Calendar
    from openpyxl import load_workbook

    opp = _opp(org, org.r1, created=OLD)  # discovery default 14 days × 1.5 = 21 < 30 days
    _run(django_capture_on_commit_callbacks, timezone.now())
    client.force_login(org.m1)
    assert opp.number in client.get("/team/review/").content.decode()
    xlsx = client.get("/team/review/export.xlsx")
    sheet = load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == opp.number and len(rows) == 2
    client.force_login(org.r1)
    page = client.get("/calendar/").content.decode()
    url = page.split('id="feed-url" readonly value="')[1].split('"')[0]
    client.logout()
    feed = Calendar.from_ical(client.get(url).content)
    todos = [c for c in feed.walk("VTODO")]
    assert len(todos) == 1 and opp.number in str(todos[0]["summary"])
    client.force_login(org.r1)
    client.post("/calendar/")
    client.logout()
    assert client.get(url).status_code == 404
