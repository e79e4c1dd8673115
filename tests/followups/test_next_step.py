"""spec: C1-C4, P1 — a follow-up may plan its next step for a date and time ("when"): it must come after
the follow-up; the card's form shows the error on the field; the API reads and writes it; the card's
timeline shows it (the calendar feed lists it: tests/alerts/test_ics.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from opphub.followups.models import FollowUp
from opphub.followups.services import followup_log
from tests.api.clients import token_client
from tests.factories import client_for, make_opportunity

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
JSON = "application/json"


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_next_step_must_come_after_the_followup(org):
    """spec: C1 — a next step planned at or before the touch is refused on the "next step when" field."""
    opp = make_opportunity(actor=org.r1)
    now = timezone.now()
    for when in (now - dt.timedelta(hours=1), now):
        with pytest.raises(ValidationError) as exc:
            followup_log(actor=org.r1, opportunity=opp, now=now,
                         data={"kind": "phone", "notes": "电话", "occurred_at": now, "next_step_at": when})
        assert list(exc.value.message_dict) == ["next_step_at"]
    assert not FollowUp.objects.exists()
    f = followup_log(actor=org.r1, opportunity=opp, now=now,
                     data={"kind": "phone", "notes": "电话", "next_step": "现场演示",
                           "next_step_at": now + dt.timedelta(days=2)})
    assert f.next_step_at == now + dt.timedelta(days=2)


def test_card_form_plans_the_next_step_and_shows_the_error(org):
    """spec: C1, P1 — on the card: "when" before the follow-up is refused with a clear message on the
    field and what was typed is kept; a valid one is saved in local time and shown in the timeline."""
    opp = make_opportunity(actor=org.r1)
    url = reverse("opportunities:followup_create", kwargs={"number": opp.number})
    now = timezone.now().replace(second=0, microsecond=0)
    occurred, before = local_input(now - dt.timedelta(hours=1)), local_input(now - dt.timedelta(hours=2))
    client = client_for(org.r1)
    form = client.get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    assert 'name="next_step_at"' in form and 'type="datetime-local"' in form
    html = client.post(url, {"kind": "visit", "direction": "out", "occurred_at": occurred, "notes": "拜访",
                             "next_step": "现场演示", "next_step_at": before}, **HTMX).content.decode()
    assert "The next step must be planned after this follow-up." in html
    assert f'value="{before}"' in html and not FollowUp.objects.exists()
    later = now + dt.timedelta(days=3)
    html = client.post(url, {"kind": "visit", "direction": "out", "occurred_at": occurred, "notes": "拜访",
                             "next_step": "现场演示", "next_step_at": local_input(later)}, **HTMX).content.decode()
    saved = FollowUp.objects.get()
    assert saved.next_step_at == later
    assert "现场演示" in html and timezone.localtime(later).strftime("%Y-%m-%d %H:%M") in html


def test_api_reads_and_writes_the_next_step_time(org):
    """spec: C1 — the API field ``next_step_at``: echoed back, listed, and refused before the touch."""
    opp = make_opportunity(actor=org.r1)
    client = token_client(org.r1)
    api = f"/api/opportunities/{opp.number}/followups"
    when = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    r = client.post(api, {"kind": "phone", "notes": "约演示", "next_step": "演示", "next_step_at": when.isoformat()},
                    content_type=JSON)
    assert r.status_code == 201, r.content
    assert dt.datetime.fromisoformat(r.json()["next_step_at"]) == when
    assert dt.datetime.fromisoformat(client.get(api).json()["items"][0]["next_step_at"]) == when
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    r = client.post(api, {"kind": "phone", "notes": "x", "next_step_at": past}, content_type=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "next_step_at"]
    r = client.post(api, {"kind": "phone", "notes": "x"}, content_type=JSON)
    assert r.status_code == 201 and r.json()["next_step_at"] is None
