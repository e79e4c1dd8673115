"""spec: C1-C4, S3 — follow-up records: contacts of the customer only, no future touches, and the
opportunity's last follow-up kept current."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from opphub.common.errors import NotAllowed
from opphub.followups.models import FollowUp
from opphub.followups.services import followup_log
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, ContactFactory, make_opportunity

pytestmark = pytest.mark.django_db


def test_log_followup_updates_last_followup(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    boss = ContactFactory(customer=opp.customer, decision_role="decision_maker")
    earlier = NOW - dt.timedelta(days=2)
    f = followup_log(actor=org.r1, opportunity=opp, now=NOW, contacts=[boss], data={
        "kind": "visit", "direction": "out", "occurred_at": earlier, "notes": "拜访陈总，确认预算约80万",
        "objections": "希望分三期付款", "next_step": "周五发方案初稿"})
    assert list(f.contacts.all()) == [boss]
    opp.refresh_from_db()
    assert opp.last_followup_at == earlier
    followup_log(actor=org.r1, opportunity=opp, now=NOW, data={"kind": "phone", "notes": "更早的电话",
                                                               "occurred_at": earlier - dt.timedelta(days=1)})
    opp.refresh_from_db()
    assert opp.last_followup_at == earlier  # an older touch does not move it back
    assert opp.version == 1  # logging is not an edit: nobody's open form goes stale


def test_rules(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    stranger = ContactFactory()
    with pytest.raises(ValidationError) as err:
        followup_log(actor=org.r1, opportunity=opp, now=NOW, contacts=[stranger],
                     data={"kind": "phone", "notes": "x"})
    assert "contacts" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        followup_log(actor=org.r1, opportunity=opp, now=NOW,
                     data={"kind": "phone", "notes": "x", "occurred_at": NOW + dt.timedelta(days=1)})
    assert "occurred_at" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        followup_log(actor=org.r1, opportunity=opp, now=NOW, data={"kind": "fax", "notes": ""})
    assert {"kind", "notes"} <= set(err.value.message_dict)
    assert FollowUp.objects.count() == 0


def test_who_may_log(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.legal, now=NOW)
    followup_log(actor=org.presales, opportunity=opp, now=NOW, data={"kind": "meeting", "notes": "方案讲解"})
    for actor in (org.legal, org.r2, org.m2):
        with pytest.raises(NotAllowed):
            followup_log(actor=actor, opportunity=opp, now=NOW, data={"kind": "phone", "notes": "x"})
