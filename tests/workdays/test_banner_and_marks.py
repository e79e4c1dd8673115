"""spec: S2, S4, S5, R3 — before a year's official schedule is in OppHub: administrators see a banner on
every page (this year at once, next year from 1 November) linking to the import; every deadline counted
across that year is marked "estimated (Mon–Fri)" on the card, the stage-work page, My day and the
calendar feed. After the import: no banner, no marks, the holidays counted.

The 2027 list is the plausible sample of tests/workdays/data (not the State Council's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from opphub.alerts import ics
from opphub.workdays.calendar import missing_schedule_years
from opphub.workdays.services import holiday_import_year
from opphub.workflow.services import opportunity_move_stage
from tests.factories import make_opportunity
from tests.stagework import fulfil

SAMPLE = (Path(__file__).parent / "data" / "holidays-2027-sample.csv").read_text(encoding="utf-8")
SH = ZoneInfo("Asia/Shanghai")
ENTERED = dt.datetime(2027, 9, 28, 10, 0, tzinfo=SH)  # a Tuesday, three days before National Day
MARK = "estimated (Mon–Fri)"
BANNER = 'id="calendar-banner"'


def _page(client, user, url):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_admins_see_the_banner_on_every_page_until_the_year_is_imported(org, client, official_without):
    """spec: S2 — this year's schedule missing: the admin sees the banner (with the import link) on the
    board, My day and the customers list; a director and a rep never do; after the import it is gone."""
    year = timezone.localdate().year
    official_without(year)
    pages = [reverse("opportunities:board"), reverse("followups:my_day"), reverse("customers:list")]
    for url in pages:
        html = _page(client, org.admin, url)
        assert BANNER in html and reverse("workdays:import") in html, url
        assert f"The official holiday schedule for {year} is not in OppHub yet" in html
    for who in (org.director, org.r1, org.m1):
        assert BANNER not in _page(client, who, pages[0])
    holiday_import_year(actor=org.admin, year=year, text=f"{year}-01-01,holiday,元旦", now=timezone.now())
    assert BANNER not in _page(client, org.admin, pages[0])


def test_next_years_schedule_is_asked_for_from_1_november(db, official_until):
    """spec: S2 — with data up to 2026: nothing on 31 October 2026, 2027 from 1 November; an import ends it."""
    official_until(2026)
    assert missing_schedule_years(dt.date(2026, 10, 31)) == []
    assert missing_schedule_years(dt.date(2026, 11, 1)) == [2027]
    assert missing_schedule_years(dt.date(2027, 3, 1)) == [2027]


def test_the_banner_check_is_one_cached_query(org, official_until):
    """spec: S2 — no query while the package covers the years; else one, then none (cached); an import
    refreshes it in this process at once."""
    official_until(2027)
    with CaptureQueriesContext(connection) as covered:
        assert missing_schedule_years(dt.date(2026, 11, 2)) == []
    assert len(covered.captured_queries) == 0
    official_until(2026)
    with CaptureQueriesContext(connection) as first:
        assert missing_schedule_years(dt.date(2026, 11, 2)) == [2027]
    with CaptureQueriesContext(connection) as second:
        assert missing_schedule_years(dt.date(2026, 11, 2)) == [2027]
    assert (len(first.captured_queries), len(second.captured_queries)) == (1, 0)
    holiday_import_year(actor=org.admin, year=2027, text=SAMPLE, now=timezone.now())
    assert missing_schedule_years(dt.date(2026, 11, 2)) == []


@pytest.fixture
def s2_in_2027(org):  # type: ignore[no-untyped-def]
    """r1's opportunity entering requirement confirmation (S2) on 2027-09-28: the 5W1H interview is due
    7 working days later."""
    opp = make_opportunity(actor=org.r1, now=ENTERED - dt.timedelta(days=2))
    return opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="confirmation",
                                  now=ENTERED).opportunity


def _feed_interview(user):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        cal = Calendar.from_ical(ics.feed(user=user, now=ENTERED + dt.timedelta(days=1), base_url="https://x.cn"))
    [todo] = [t for t in cal.walk("VTODO") if t.get("categories") is not None
              and "interview" in [str(c) for c in t.get("categories").cats]]
    return todo


def test_deadlines_in_a_year_without_data_are_marked_estimated(org, client, official_until, s2_in_2027):
    """spec: S2, S4, S5, R3 — without 2027's schedule the S2 interview is due 2027-10-07 (Mon-Fri: National
    Day counted as work) and says "estimated (Mon–Fri)" on the stage page, the card, My day and the feed;
    after importing 2027 it is due 2027-10-13 (National Day skipped, Saturday 10-09 worked), unmarked."""
    official_until(2026)
    number = s2_in_2027.number
    stage = reverse("gates:stage", kwargs={"number": number})
    card = reverse("opportunities:card", kwargs={"number": number})
    my_day = reverse("followups:my_day")
    for url in (stage, card, my_day):
        html = _page(client, org.r1, url)
        assert "5W1H interview: due 2027-10-07" in html and MARK in html, url
    todo = _feed_interview(org.r1)
    assert todo.decoded("due") == dt.date(2027, 10, 7)
    assert str(todo["summary"]).endswith("(due date estimated, Mon–Fri)")
    assert "no official holiday schedule" in str(todo["description"])

    holiday_import_year(actor=org.admin, year=2027, text=SAMPLE, now=timezone.now())
    for url in (stage, card, my_day):
        html = _page(client, org.r1, url)
        assert "5W1H interview: due 2027-10-13" in html and MARK not in html, url
    todo = _feed_interview(org.r1)
    assert todo.decoded("due") == dt.date(2027, 10, 13)
    assert "estimated" not in str(todo["summary"]) and todo.get("description") is None


def test_the_api_says_whether_a_deadline_is_estimated(org, client, official_until, s2_in_2027):
    """spec: S2 — the gate endpoint carries the same fact for other clients."""
    official_until(2026)
    client.force_login(org.r1)
    body = client.get(f"/api/opportunities/{s2_in_2027.number}/gate").json()
    [interview] = body["deadlines"]
    assert (interview["due"], interview["estimated"]) == ("2027-10-07", True)


def _feed_request(user):  # type: ignore[no-untyped-def]
    with translation.override("en"):
        cal = Calendar.from_ical(ics.feed(user=user, now=ENTERED, base_url="https://x.cn"))
    [todo] = [t for t in cal.walk("VTODO") if str(t["uid"]).startswith("request-")]
    return todo


def test_working_day_response_times_in_a_year_without_data_are_marked_estimated(org, client, official_until):
    """spec: C3, R3 — proposal feedback received Thursday 2027-09-30 is due within 2 working days: without
    2027's schedule that is 2027-10-04 (Mon-Fri, National Day counted as work), marked "estimated
    (Mon–Fri)" on My day and in the calendar feed; after importing 2027 it is due 2027-10-09 (the
    make-up Saturday), unmarked."""
    from opphub.followups.services import request_record
    from opphub.opportunities.models import Opportunity

    official_until(2026)
    received = dt.datetime(2027, 9, 30, 15, 0, tzinfo=SH)
    opp = make_opportunity(actor=org.r1, now=received - dt.timedelta(days=2))
    Opportunity.objects.filter(pk=opp.pk).update(stage="solution", stage_entered_at=received - dt.timedelta(days=1))
    request_record(actor=org.r1, opportunity=opp, kind="feedback", text="方案第三章需要调整", received_at=received,
                   now=received)

    def row() -> str:
        html = _page(client, org.r1, reverse("followups:my_day"))
        start = html.index('id="my-day-responses"')
        return html[start:html.index("</section>", start)]

    assert "2027-10-04 23:59" in row() and MARK in row()
    todo = _feed_request(org.r1)
    assert todo.decoded("due").date() == dt.date(2027, 10, 4)
    assert str(todo["summary"]).endswith("(due date estimated, Mon–Fri)")
    assert "no official holiday schedule" in str(todo["description"]) and "working days" in str(todo["description"])

    holiday_import_year(actor=org.admin, year=2027, text=SAMPLE, now=timezone.now())
    assert "2027-10-09 23:59" in row() and MARK not in row()
    todo = _feed_request(org.r1)
    assert todo.decoded("due").date() == dt.date(2027, 10, 9)
    assert "estimated" not in str(todo["summary"]) and "no official holiday schedule" not in str(todo["description"])
