"""C1-C4 response times (issue 8 item 3): what the customer waits for is due at the playbook's response
time, scanned, escalated once (M3) and closed by the answer. Time travel with a fixed ``now``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from opphub.alerts.models import Alert, AlertKind
from opphub.alerts.scan import scan_run
from opphub.followups.models import CustomerRequest
from opphub.followups.selectors import my_day
from opphub.followups.services import followup_log, request_record
from opphub.gates.services import objection_record, objection_resolve
from opphub.notifications.models import Delivery

from .test_scan import NOW, _opp

TZ = NOW.tzinfo
SECOND = dt.timedelta(seconds=1)


def _scan(django_capture_on_commit_callbacks, now):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return scan_run(now=now, x3=False)


def _waiting(org, kind, received, stage="discovery", text="客户要求更新报价"):  # type: ignore[no-untyped-def]
    opp = _opp(org, created=received - dt.timedelta(hours=1), stage=stage)
    if kind == "objection":  # C4: recorded as an objection, which opens the request
        return opp, objection_record(actor=org.r1, opportunity=opp, text=text, now=received).request
    request = request_record(actor=org.r1, opportunity=opp, kind=kind, text=text, received_at=received, now=received)
    return opp, request


def _alert(opp, kind):  # type: ignore[no-untyped-def]
    return Alert.objects.filter(opportunity=opp, kind=kind, resolved_at__isnull=True).first()


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "stage", "alert_kind", "hours"), [
    ("key_action", "discovery", AlertKind.RESPONSE_KEY_ACTION, 24),        # C1: update within 24 h
    ("confirmation", "confirmation", AlertKind.RESPONSE_CONFIRMATION, 48),  # C2: review within 48 h
])
def test_hour_response_times_met_and_missed_by_one_second(org, django_capture_on_commit_callbacks, kind, stage,
                                                          alert_kind, hours):
    """spec: C1, C2, M3 — at exactly the playbook's hours after the request nothing is late; one second
    later the alert is raised, due at received + hours, and (no grace) escalated to the manager once."""
    received = NOW - dt.timedelta(hours=hours)
    opp, _request = _waiting(org, kind, received, stage)
    _scan(django_capture_on_commit_callbacks, NOW)
    assert _alert(opp, alert_kind) is None
    result = _scan(django_capture_on_commit_callbacks, NOW + SECOND)
    alert = _alert(opp, alert_kind)
    assert alert is not None and alert.due_at == NOW and alert.owner == org.r1
    assert result.escalated == 1 and alert.escalated_to == org.m1
    assert Delivery.objects.filter(key=f"escalation:{alert.pk}", recipient=org.m1, channel="email").count() == 1
    assert _scan(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=1)).escalated == 0  # once
    assert Delivery.objects.filter(key=f"escalation:{alert.pk}", channel="email").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("received", "due_day"), [
    (dt.datetime(2026, 11, 20, 16, 0), dt.date(2026, 11, 24)),  # Fri → Mon, Tue (the weekend does not count)
    (dt.datetime(2026, 9, 30, 16, 0), dt.date(2026, 10, 9)),    # before National Day (1-7 Oct off) → 8, 9 Oct
])
def test_proposal_feedback_within_two_working_days(org, django_capture_on_commit_callbacks, received, due_day):
    """spec: C3 — proposal feedback is answered by the end of the 2nd working day after it came in (the
    official calendar: weekends and holidays skipped); one second past that end it is late."""
    received = received.replace(tzinfo=TZ)
    opp, _request = _waiting(org, "feedback", received, "solution", text="方案第三章需要调整")
    due = dt.datetime.combine(due_day, dt.time.max, tzinfo=TZ)
    _scan(django_capture_on_commit_callbacks, due)
    assert _alert(opp, AlertKind.RESPONSE_FEEDBACK) is None
    _scan(django_capture_on_commit_callbacks, due + SECOND)
    alert = _alert(opp, AlertKind.RESPONSE_FEEDBACK)
    assert alert is not None and alert.due_at == due and alert.escalated_at is not None


@pytest.mark.django_db
def test_objection_answered_within_24_hours_and_closed_by_its_resolution(org, django_capture_on_commit_callbacks):
    """spec: C4 — a recorded objection is a request owed by the owner, due 24 h later; missed by a second
    it is alerted; its resolution closes the request and the alert at once."""
    raised = NOW - dt.timedelta(hours=24)
    opp = _opp(org, created=raised - dt.timedelta(days=2), stage="closing")
    objection = objection_record(actor=org.r1, opportunity=opp, text="能否分3期付款", now=raised)
    request = CustomerRequest.objects.get(objection=objection)
    assert (request.kind, request.owed_by, request.received_at) == ("objection", org.r1, raised)
    _scan(django_capture_on_commit_callbacks, NOW)
    assert _alert(opp, AlertKind.RESPONSE_OBJECTION) is None
    _scan(django_capture_on_commit_callbacks, NOW + SECOND)
    assert _alert(opp, AlertKind.RESPONSE_OBJECTION) is not None
    objection_resolve(actor=org.r1, objection=objection, resolution="同意分3期", now=NOW + 2 * SECOND)
    request.refresh_from_db()
    assert request.answered_at == NOW + 2 * SECOND
    assert _alert(opp, AlertKind.RESPONSE_OBJECTION) is None
    _scan(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=1))
    assert _alert(opp, AlertKind.RESPONSE_OBJECTION) is None


@pytest.mark.django_db
def test_the_answering_follow_up_closes_the_request(org, django_capture_on_commit_callbacks):
    """spec: C1, C3 — a follow-up records what the customer now waits for; the follow-up that answers it
    closes it (and its overdue alert); the scan does not raise it again."""
    received = NOW - dt.timedelta(days=5)
    opp = _opp(org, created=received - dt.timedelta(days=1), stage="solution")
    asked = followup_log(actor=org.r1, opportunity=opp, now=received,
                         data={"kind": "meeting", "notes": "方案评审", "occurred_at": received},
                         requests=[("feedback", "要求补充ROI测算")])
    request = CustomerRequest.objects.get(followup=asked)
    _scan(django_capture_on_commit_callbacks, NOW)
    assert _alert(opp, AlertKind.RESPONSE_FEEDBACK) is not None
    answer = followup_log(actor=org.r1, opportunity=opp, now=NOW,
                          data={"kind": "email", "notes": "发送ROI测算", "occurred_at": NOW}, answers=[request])
    request.refresh_from_db()
    assert request.answered_by == answer and request.answered_at == NOW
    assert _alert(opp, AlertKind.RESPONSE_FEEDBACK) is None
    _scan(django_capture_on_commit_callbacks, NOW + dt.timedelta(hours=1))
    assert _alert(opp, AlertKind.RESPONSE_FEEDBACK) is None


@pytest.mark.django_db
def test_my_day_shows_what_the_customer_waits_for(org, client):
    """spec: C1-C4, P1 — my day lists the open requests I owe, with the playbook's due time; answered ones
    are gone."""
    received = NOW - dt.timedelta(hours=30)
    opp, request = _waiting(org, "key_action", received)
    day = my_day(user=org.r1, now=NOW)
    (row,) = day.responses
    assert (row.number, row.status, row.due_at) == (opp.number, "overdue", received + dt.timedelta(hours=24))
    assert my_day(user=org.r2, now=NOW).responses == []
    client.force_login(org.r1)
    with translation.override("en"):
        html = client.get(reverse("followups:my_day"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="my-day-responses"' in html and "客户要求更新报价" in html
    CustomerRequest.objects.filter(pk=request.pk).update(answered_at=NOW)
    assert my_day(user=org.r1, now=NOW).responses == []


@pytest.mark.django_db
def test_the_card_form_records_and_answers_a_request(org, client):
    """spec: C1-C4 — on the card's follow-up form the rep records what the customer now waits for, and a
    later follow-up ticks it as answered."""
    opp = _opp(org, created=NOW - dt.timedelta(days=2), stage="solution")
    client.force_login(org.r1)
    url = reverse("opportunities:followup_create", kwargs={"number": opp.number})
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    base = {"kind": "meeting", "direction": "out", "notes": "方案评审会", "occurred_at": when}
    assert client.post(url, {**base, "waiting_kind": "feedback", "waiting_text": "ROI口径需调整"}).status_code == 302
    request = CustomerRequest.objects.get(opportunity=opp)
    assert (request.kind, request.text, request.owed_by, request.answered_at) == ("feedback", "ROI口径需调整",
                                                                                  org.r1, None)
    assert "ROI口径需调整" in client.get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    assert client.post(url, {**base, "notes": "已发送", "answers": [str(request.pk)]}).status_code == 302
    request.refresh_from_db()
    assert request.answered_at is not None and request.answered_by is not None


@pytest.mark.django_db
def test_sql_scan_agrees_with_the_pure_response_dues(org):
    """spec: C1-C4 — the scan's thresholds give the pure core's answers (``cadence.response_dues``) on
    varied requests: every kind in every stage, received from minutes to a week ago (weekends included),
    some answered; the stored due moment is the core's."""
    import random

    from opphub.methodology.cadence import CadenceInput, PendingRequest, response_dues
    from opphub.opportunities.models import Opportunity
    from opphub.opportunities.playbooks import playbook_of
    from opphub.workdays.calendar import work_calendar

    from .test_scan import STAGES

    rng = random.Random(8)
    kinds = ["key_action", "confirmation", "feedback", "objection"]
    for i in range(40):
        received = NOW - dt.timedelta(minutes=rng.randint(1, 7 * 24 * 60))
        _, request = _waiting(org, kinds[i % 4], received, STAGES[(i // 4) % 4])
        if i % 7 == 0:
            CustomerRequest.objects.filter(pk=request.pk).update(answered_at=received + dt.timedelta(hours=1))
    scan_run(now=NOW, x3=False, escalate=False)
    calendar = work_calendar()
    stored = {(a.opportunity_id, a.kind.removeprefix("response_")): a.due_at
              for a in Alert.objects.filter(kind__startswith="response_", resolved_at__isnull=True)}
    expected = {}
    for r in CustomerRequest.objects.filter(answered_at__isnull=True).select_related("opportunity__playbook_version"):
        o: Opportunity = r.opportunity
        inp = CadenceInput(stage=o.stage, status="open", stage_entered_at=o.stage_entered_at,
                           pending=(PendingRequest(r.kind, r.received_at, str(r.pk)),))
        (due,) = response_dues(playbook_of(o.playbook_version), inp, NOW, calendar)
        if due.overdue:
            expected[(o.pk, r.kind)] = due.due_at
    assert stored == expected
    assert 5 < len(expected) < 30  # both answers occur


@pytest.mark.django_db
def test_team_health_shows_late_answers(org, client, django_capture_on_commit_callbacks):
    """spec: C1, M3, P4 — the manager's team health counts the rep's late answers and lists the escalated one."""
    opp, _request = _waiting(org, "key_action", NOW - dt.timedelta(hours=25))
    _scan(django_capture_on_commit_callbacks, NOW)
    client.force_login(org.m1)
    with translation.override("en"):
        html = client.get("/team/health/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = html[html.index('data-user="r1"'):]
    row = row[:row.index("</tr>")]
    assert '<span class="badge warn">1</span>' in row
    escalated = html[html.index('id="team-escalated"'):html.index('id="team-interventions"')]
    assert opp.number in escalated


@pytest.mark.django_db
def test_request_record_refuses_bad_input(org):
    """spec: C1-C4 (bad input) — no text, a future moment, an owner of the answer who cannot see the
    opportunity, an objection that is not recorded as one, someone who may not log: refused, nothing kept.
    Two requests of one kind at one moment are both kept (a microsecond apart)."""
    from django.core.exceptions import ValidationError

    from opphub.common.errors import NotAllowed

    opp = _opp(org, created=NOW - dt.timedelta(days=1))
    ok = {"actor": org.r1, "opportunity": opp, "kind": "key_action", "text": "要报价", "received_at": NOW, "now": NOW}
    for bad in ({"text": "   "}, {"received_at": NOW + dt.timedelta(hours=1)}, {"owed_by": org.r2},
                {"kind": "objection"}, {"kind": "gossip"}):
        with pytest.raises(ValidationError):
            request_record(**{**ok, **bad})
    with pytest.raises(NotAllowed):
        request_record(**{**ok, "actor": org.r2})
    assert not CustomerRequest.objects.exists()
    first, second = request_record(**ok), request_record(**ok)
    assert second.received_at - first.received_at == dt.timedelta(microseconds=1)


@pytest.mark.django_db
def test_the_back_office_lists_customer_requests(org, client):
    """spec: C1-C4 — an administrator finds the recorded requests in the back office."""
    _, request = _waiting(org, "confirmation", NOW - dt.timedelta(hours=3), "confirmation")
    client.force_login(org.admin)
    page = client.get("/admin/followups/customerrequest/")
    assert page.status_code == 200
    assert request.opportunity.number in page.content.decode()
    assert client.get(f"/admin/followups/customerrequest/{request.pk}/change/").status_code == 200
