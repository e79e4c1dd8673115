"""spec: M4 (filter by team, industry, product; live totals), P1/P4 (a rep sees their own, a manager
the team's), S1-S5 (stage and outcome of each opportunity)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opphub.followups.services import followup_log
from opphub.workflow.services import opportunity_close
from tests.factories import CustomerFactory, client_for, make_opportunity

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")


def numbers(response):  # type: ignore[no-untyped-def]
    return [o.number for o in response.context["page"].rows]


@pytest.fixture
def opps(org):  # type: ignore[no-untyped-def]
    a = make_opportunity(actor=org.r1, name="小额", amount=Decimal("100000"), expected_close_date=dt.date(2027, 1, 5))
    b = make_opportunity(actor=org.r1, name="大额", amount=Decimal("900000"), expected_close_date=dt.date(2027, 6, 1))
    c = make_opportunity(actor=org.r3, name="东二", amount=Decimal("300000"), expected_close_date=dt.date(2026, 12, 1))
    d = make_opportunity(actor=org.r2, name="西部", amount=Decimal("500000"), industry="retail",
                         customer=CustomerFactory(owner=org.r2, name="成都零售集团"))
    return {"a": a, "b": b, "c": c, "d": d}


@pytest.mark.parametrize(("who", "expected"), [
    ("r1", {"a", "b"}), ("m1", {"a", "b", "c"}), ("m2", {"d"}), ("director", {"a", "b", "c", "d"}),
    ("presales", set()),
])
def test_each_role_lists_what_it_may_see(org, opps, who, expected):
    """spec: P1, P4 — the list is limited by the one access module."""
    r = client_for(getattr(org, who)).get(LIST)
    assert r.status_code == 200
    assert set(numbers(r)) == {opps[k].number for k in expected}
    assert r.context["page"].count == len(expected)


def test_row_shows_the_columns_and_the_total(org, opps):
    """spec: M4 — count and amount of the filtered set; each row links to the card."""
    a = opps["a"]
    followup_log(actor=org.r1, opportunity=a, now=timezone.now(), data={"kind": "visit", "notes": "拜访"})
    r = client_for(org.r1).get(LIST)
    html = r.content.decode()
    assert "2 opportunities, ¥1,000,000 in total" in html
    assert reverse("opportunities:card", kwargs={"number": a.number}) in html
    for text in ("小额", a.customer.name, "Discovery", "¥100,000", "张三", "2027-01-05",
                 f"{timezone.localdate():%Y-%m-%d}", "none yet", "Open"):
        assert text in html


def test_sorting_by_amount_and_close_date(org, opps):
    """A whitelist of sorts; an unknown one falls back to the newest change first."""
    c = client_for(org.director)
    assert numbers(c.get(LIST, {"sort": "-amount"})) == [opps[k].number for k in ("b", "d", "c", "a")]
    assert numbers(c.get(LIST, {"sort": "amount"})) == [opps[k].number for k in ("a", "c", "d", "b")]
    assert numbers(c.get(LIST, {"sort": "expected_close_date"}))[:2] == [opps["c"].number, opps["a"].number]
    r = c.get(LIST, {"sort": "name; DROP TABLE x"})
    assert r.status_code == 200 and numbers(r)[0] == opps["d"].number  # newest change first


def test_filters_narrow_the_list_and_keep_their_values(org, opps):
    """spec: M4 — filter by team, industry and text; the form shows what was chosen."""
    c = client_for(org.director)
    assert numbers(c.get(LIST, {"industry": "retail"})) == [opps["d"].number]
    assert set(numbers(c.get(LIST, {"team": org.east.pk}))) == {opps[k].number for k in "abc"}
    assert numbers(c.get(LIST, {"q": "成都零售"})) == [opps["d"].number]
    assert numbers(c.get(LIST, {"q": opps["c"].number.lower()})) == [opps["c"].number]
    r = c.get(LIST, {"q": "成都零售", "industry": "retail"})
    html = r.content.decode()
    assert 'value="成都零售"' in html and '<option value="retail" selected>' in html


def test_period_uses_close_date_for_open_and_closing_date_for_closed(org, opps):
    """Period: expected close date of open opportunities, closing date of won/lost ones."""
    opportunity_close(actor=org.r1, opportunity=opps["b"], outcome="lost", now=timezone.now())
    c = client_for(org.r1)
    today = timezone.localdate()
    r = c.get(LIST, {"period": "custom", "date_from": "2027-01-01", "date_to": "2027-01-31"})
    assert numbers(r) == [opps["a"].number]  # b's expected close date is in June, but it closed today
    r = c.get(LIST, {"period": "custom", "date_from": today.isoformat(), "date_to": today.isoformat()})
    assert numbers(r) == [opps["b"].number]
    r = c.get(LIST, {"period": "90d", "status": "lost"})
    assert numbers(r) == [opps["b"].number]


def test_bad_filters_show_errors_not_500(org, opps):
    """spec: M4 — a bad date is reported beside its field; the valid fields still filter."""
    r = client_for(org.r1).get(LIST, {"date_from": "yesterday", "date_to": "2027-03-01", "page": "x",
                                      "period": "custom"})
    assert r.status_code == 200
    assert "Enter a valid date." in r.content.decode()
    assert numbers(r) == [opps["a"].number]  # date_to still applies
    r = client_for(org.r1).get(LIST, {"date_from": "2027-02-01", "date_to": "2027-01-01"})
    assert "The end of the range is before its start." in r.content.decode()


def test_pagination_with_page_numbers(org, settings):
    """Pages of settings.OPPHUB_PAGE_SIZE; links keep the filters and the sort."""
    settings.OPPHUB_PAGE_SIZE = 2
    for i in range(5):
        make_opportunity(actor=org.r1, name=f"deal {i}", amount=Decimal(1000 * (i + 1)))
    c = client_for(org.r1)
    r = c.get(LIST, {"sort": "amount", "industry": "manufacturing", "page": 2})
    page = r.context["page"]
    assert (page.number, page.num_pages, page.count) == (2, 3, 5)
    assert [o.name for o in page.rows] == ["deal 2", "deal 3"]
    html = r.content.decode()
    assert "5 opportunities, ¥15,000 in total" in html
    assert "industry=manufacturing&amp;sort=amount&amp;page=3" in html
    assert c.get(LIST, {"page": 99}).context["page"].number == 3  # past the end: the last page


def test_empty_states(org):
    c = client_for(org.r1)
    assert "No opportunities yet." in c.get(LIST).content.decode()
    make_opportunity(actor=org.r1)
    assert "No opportunities match these filters." in c.get(LIST, {"industry": "retail"}).content.decode()


def test_new_button_only_for_creators(org):
    """Reps, managers, directors create; presales does not."""
    new = reverse("opportunities:create")
    assert new in client_for(org.r1).get(LIST).content.decode()
    assert new not in client_for(org.presales).get(LIST).content.decode()


@pytest.mark.parametrize("who", ["director", "m1"])
def test_query_count_does_not_grow_with_the_records(org, who):
    """spec: P4 — a fixed number of queries for 3 or 40 opportunities."""
    c = client_for(getattr(org, who))
    for i in range(3):
        make_opportunity(actor=org.r3, name=f"deal {i}")
    c.get(LIST)
    with CaptureQueriesContext(connection) as few:
        c.get(LIST, {"team": org.east.pk, "q": "上海"})
    for i in range(37):
        opp = make_opportunity(actor=org.r1, name=f"more {i}")
        if i % 3 == 0:
            followup_log(actor=org.r1, opportunity=opp, now=timezone.now(), data={"kind": "phone", "notes": "x"})
    with CaptureQueriesContext(connection) as many:
        r = c.get(LIST, {"team": org.east.pk, "q": "上海"})
    assert r.context["page"].count == 40 and len(r.context["page"].rows) == 25
    assert len(many) == len(few)


@pytest.mark.parametrize("query", ["date_from=0001-01-01&period=custom", "date_to=9999-12-31",
                                   "date_from=0001-01-01", "date_to=9999-12-31&period=custom"])
@pytest.mark.parametrize("page", ["opportunities:list", "opportunities:board"])
def test_dates_at_the_ends_of_the_calendar_are_refused_not_500(org, page, query):
    """Bad input gets a translated error beside the filter, never a 500."""

    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.r1)
    response = c.get(reverse(page) + "?" + query)
    assert response.status_code == 200
    assert "Choose a date between 1900 and 2999." in response.content.decode()
