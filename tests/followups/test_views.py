"""spec: C1-C4, S3 — quick follow-up logging on the opportunity card (htmx and plain POST); H2 (the
contacts of a touch mark the decision chain as contacted); P1-P5 (finance/legal read but do not log;
invisible opportunities answer 404)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from opphub.followups.models import FollowUp
from opphub.opportunities.services import opportunity_assign
from tests.factories import ContactFactory, client_for, make_opportunity

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:followup_create", kwargs={"number": opp.number})


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_form_defaults_to_now_in_local_time(org):
    """spec: C1 — "when" defaults to now in the user's time zone (Asia/Shanghai)."""
    opp = make_opportunity(actor=org.r1)
    before = timezone.now()
    html = client_for(org.r1).get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    assert 'type="datetime-local"' in html
    candidates = {local_input(before), local_input(before + dt.timedelta(minutes=1))}
    assert any(f'value="{v}"' in html for v in candidates)


def test_htmx_log_swaps_timeline_and_chain(org):
    """spec: S3, H2 — a logged touch appears in the timeline at once and marks its contacts contacted."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="陈总", decision_role="decision_maker")
    when = timezone.now() - dt.timedelta(hours=2)
    r = client_for(org.r1).post(url(opp), {
        "kind": "visit", "direction": "out", "occurred_at": local_input(when), "contacts": [str(boss.pk)],
        "notes": "拜访陈总，确认预算", "objections": "希望分三期付款", "next_step": "周五发方案"}, **HTMX)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="followups"' in html and "拜访陈总，确认预算" in html and "Follow-up logged." in html
    assert 'hx-swap-oob="true"' in html  # the decision-chain map refreshes too
    chain = html[html.index('id="chain"'):]
    assert "not contacted yet" not in chain[:chain.index("</li>")]
    f = FollowUp.objects.get(opportunity=opp)
    assert f.author == org.r1 and list(f.contacts.all()) == [boss] and f.kind == "visit"
    assert abs((f.occurred_at - when).total_seconds()) < 60  # read in Asia/Shanghai, stored in UTC
    assert "<html" not in html  # a fragment, not a page


def test_plain_post_redirects_back_to_the_card(org):
    """spec: C1 — without JavaScript the form posts normally and returns to the card with a message."""
    opp = make_opportunity(actor=org.r1)
    c = client_for(org.r1)
    r = c.post(url(opp), {"kind": "phone", "direction": "out", "occurred_at": local_input(timezone.now()),
                          "notes": "电话确认时间"})
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("opportunities:card", kwargs={"number": opp.number}))
    page = c.get(r["Location"]).content.decode()
    assert "Follow-up logged." in page and "电话确认时间" in page


def test_invalid_input_keeps_what_was_typed(org):
    """spec: C1 — missing notes re-render the form with a translated error and everything typed kept."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="陈总", decision_role="decision_maker")
    data = {"kind": "meeting", "direction": "in", "occurred_at": local_input(timezone.now()),
            "contacts": [str(boss.pk)], "notes": "", "customer_feedback": "认可我们的排产方案",
            "competitor_moves": "某竞品上门演示"}
    for extra in (HTMX, {}):
        r = client_for(org.r1, lang="zh-hans").post(url(opp), data, **extra)
        assert r.status_code == 200
        html = r.content.decode()
        assert "这个字段是必填项。" in html  # Django's own translated "This field is required."
        assert "认可我们的排产方案" in html and "某竞品上门演示" in html
        assert re.search(rf'name="contacts" value="{boss.pk}"[^>]*checked', html)
        assert 'value="meeting" selected' in html
    assert not FollowUp.objects.exists()


def test_future_touch_is_refused_by_the_service_and_shown_on_the_field(org):
    """spec: C1-C4 — a follow-up cannot be in the future; the service's error lands on "when"."""
    opp = make_opportunity(actor=org.r1)
    future = local_input(timezone.now() + dt.timedelta(days=2))
    r = client_for(org.r1).post(url(opp), {"kind": "phone", "direction": "out", "occurred_at": future,
                                           "notes": "明天的电话"}, **HTMX)
    html = r.content.decode()
    assert "A follow-up cannot be in the future." in html
    assert f'value="{future}"' in html and "明天的电话" in html
    assert not FollowUp.objects.exists()


def test_contact_of_another_customer_is_not_accepted(org):
    """spec: H2 — only the customer's own contacts can be ticked."""
    opp = make_opportunity(actor=org.r1)
    stranger = ContactFactory()
    r = client_for(org.r1).post(url(opp), {"kind": "phone", "direction": "out", "notes": "x",
                                           "occurred_at": local_input(timezone.now()),
                                           "contacts": [str(stranger.pk)]}, **HTMX)
    assert r.status_code == 200
    assert not FollowUp.objects.exists()


def test_finance_has_no_form_and_the_post_is_refused(org):
    """spec: R4, P5 — finance reviews contracts; it does not log follow-ups (403, nothing saved)."""
    opp = make_opportunity(actor=org.r1)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=timezone.now())
    r = client_for(org.finance).post(url(opp), {"kind": "phone", "direction": "out", "notes": "x",
                                                "occurred_at": local_input(timezone.now())})
    assert r.status_code == 403
    assert not FollowUp.objects.exists()


def test_presales_supporter_may_log(org):
    """spec: P2 — an assigned presales engineer logs touches on the opportunity they support."""
    opp = make_opportunity(actor=org.r1)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=timezone.now())
    r = client_for(org.presales).post(url(opp), {"kind": "interview", "direction": "out", "notes": "5W1H 访谈",
                                                 "occurred_at": local_input(timezone.now())})
    assert r.status_code == 302
    assert FollowUp.objects.get().author == org.presales


def test_invisible_opportunity_post_is_404(org):
    """spec: P1 — a rep cannot log on another rep's opportunity; it does not exist for them."""
    opp = make_opportunity(actor=org.r1)
    r = client_for(org.r2).post(url(opp), {"kind": "phone", "direction": "out", "notes": "x"}, **HTMX)
    assert r.status_code == 404
    assert not FollowUp.objects.exists()


def test_get_is_not_allowed(org):
    """spec: M1 — the follow-up endpoint only takes posts (the form lives on the card)."""
    opp = make_opportunity(actor=org.r1)
    assert client_for(org.r1).get(url(opp)).status_code == 405
