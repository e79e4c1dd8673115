"""spec: M4 (live counts per stage, filterable by team, industry, product), P4 (a manager sees the
team's pipeline), S1-S5 (a column per stage, the archive with won/lost), P1 (a rep sees their own)."""

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
from opphub.workflow.services import opportunity_close, opportunity_move_stage
from tests.factories import CustomerFactory, ProductFactory, client_for, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
BOARD = reverse("opportunities:board")


def move(opp, actor, *stages):  # type: ignore[no-untyped-def]
    for stage in stages:
        fulfil(opp)
        opportunity_move_stage(actor=actor, opportunity=opp, to_stage=stage, now=timezone.now())
    return opp


def columns(response):  # type: ignore[no-untyped-def]
    return {c.key: c for c in response.context["columns"]}


@pytest.fixture
def pipeline(org):  # type: ignore[no-untyped-def]
    """r1: discovery 100k + confirmation 200k; r3 (east2): discovery 300k; r2 (west): discovery 400k,
    plus one r2 deal won and one r1 deal lost today."""
    a = make_opportunity(actor=org.r1, name="r1 发现", amount=Decimal("100000"))
    b = move(make_opportunity(actor=org.r1, name="r1 确认", amount=Decimal("200000")), org.r1, "confirmation")
    c = make_opportunity(actor=org.r3, name="r3 发现", amount=Decimal("300000"))
    d = make_opportunity(actor=org.r2, name="r2 发现", amount=Decimal("400000"), industry="retail")
    won = move(make_opportunity(actor=org.r2, name="r2 赢单", amount=Decimal("1000000")), org.r2,
               "confirmation", "solution", "closing")
    opportunity_close(actor=org.r2, opportunity=fulfil(won), outcome="won", now=timezone.now())
    lost = make_opportunity(actor=org.r1, name="r1 丢单", amount=Decimal("50000"))
    opportunity_close(actor=org.r1, opportunity=lost, outcome="lost", now=timezone.now())
    return {"a": a, "b": b, "c": c, "d": d, "won": won, "lost": lost}


def test_columns_follow_the_playbook_stages_in_the_current_language(org, pipeline):
    """spec: S1-S5 — one column per stage, named in the reader's language."""
    zh = client_for(org.director, "zh-hans").get(BOARD)
    assert zh.status_code == 200
    assert [c.key for c in zh.context["columns"]] == ["discovery", "confirmation", "solution", "closing", "archive"]
    html = zh.content.decode()
    for name in ("商机发现", "需求确认", "方案推进", "商务成交", "商机归档"):
        assert name in html
    en = client_for(org.director, "en").get(BOARD).content.decode()
    assert "Requirement confirmation" in en and "商机发现" not in en


@pytest.mark.parametrize(("who", "discovery", "discovery_total", "confirmation", "won", "lost"), [
    ("r1", 1, Decimal("100000"), 1, 0, 1),           # P1: a rep sees their own
    ("m1", 2, Decimal("400000"), 1, 0, 1),           # P4: east + east2 (r1, r3)
    ("m2", 1, Decimal("400000"), 0, 1, 0),           # P4: west (r2)
    ("director", 3, Decimal("800000"), 1, 1, 1),     # everything
])
def test_counts_and_totals_per_role(org, pipeline, who, discovery, discovery_total, confirmation, won, lost):
    """spec: M4, P1, P4 — live counts and amount totals per stage over what the user may see."""
    cols = columns(client_for(getattr(org, who)).get(BOARD))
    assert cols["discovery"].count == discovery
    assert cols["discovery"].total == discovery_total
    assert cols["confirmation"].count == confirmation
    assert cols["archive"].won == won
    assert cols["archive"].lost == lost
    assert cols["archive"].count == won + lost


def test_rep_does_not_see_other_reps_cards(org, pipeline):
    """spec: P1 — the board shows a rep only their own opportunities."""
    html = client_for(org.r1).get(BOARD).content.decode()
    assert pipeline["a"].number in html and pipeline["b"].number in html
    assert pipeline["c"].number not in html and pipeline["d"].number not in html
    assert "r3 发现" not in html


def test_card_shows_amount_owner_days_and_last_followup(org, pipeline):
    """spec: M1 spirit — a card says who, how much, how long in the stage, and when last touched."""
    a = pipeline["a"]
    followup_log(actor=org.r1, opportunity=a, now=timezone.now(),
                 data={"kind": "phone", "notes": "电话沟通", "occurred_at": timezone.now() - dt.timedelta(days=1)})
    html = client_for(org.r1).get(BOARD).content.decode()
    assert "¥100,000" in html and "¥200,000" in html
    assert "张三" in html  # owner r1
    assert "0 days in stage" in html
    assert f"Last follow-up {timezone.localdate() - dt.timedelta(days=1):%Y-%m-%d}" in html
    assert "No follow-up yet" in html  # b has none
    assert reverse("opportunities:card", kwargs={"number": a.number}) in html  # works without JS


def test_archive_counts_only_the_period(org, pipeline):
    """spec: S5 — the archive column counts what closed in the period (default: the last 90 days)."""
    old = make_opportunity(actor=org.r1, name="old lost", amount=Decimal("7"))
    opportunity_close(actor=org.r1, opportunity=old, outcome="lost", now=timezone.now() - dt.timedelta(days=120))
    cols = columns(client_for(org.r1).get(BOARD))
    assert cols["archive"].lost == 1  # the old one is outside the last 90 days
    this_year = columns(client_for(org.r1).get(BOARD, {"period": "custom", "date_from": "2000-01-01"}))
    assert this_year["archive"].lost == 2


def test_filters_narrow_the_board(org, pipeline):
    """spec: M4 — filterable by team, industry, product; plus owner and text search."""
    d = client_for(org.director)
    assert columns(d.get(BOARD, {"industry": "retail"}))["discovery"].count == 1
    assert columns(d.get(BOARD, {"team": org.east.pk}))["discovery"].count == 2  # east includes east2
    assert columns(d.get(BOARD, {"team": org.east2.pk}))["discovery"].count == 1
    assert columns(d.get(BOARD, {"owner": org.r3.pk}))["discovery"].count == 1
    assert columns(d.get(BOARD, {"q": pipeline["d"].customer.name}))["discovery"].count == 1
    only_open = columns(d.get(BOARD, {"status": "open"}))
    assert only_open["archive"].count == 0 and only_open["discovery"].count == 3


def test_product_filter(org):
    """spec: M4 — filter by product."""
    from opphub.opportunities.services import opportunity_create

    p = ProductFactory(name="MES")
    customer = CustomerFactory(owner=org.r1)
    opportunity_create(actor=org.r1, customer=customer, products=[p], now=timezone.now(), data={
        "name": "with MES", "amount": Decimal("1"), "expected_close_date": dt.date(2027, 1, 1),
        "industry": "retail", "company_size": "small"})
    make_opportunity(actor=org.r1, name="without")
    cols = columns(client_for(org.r1).get(BOARD, {"product": p.pk}))
    assert cols["discovery"].count == 1
    assert [o.name for o in cols["discovery"].cards] == ["with MES"]


def test_bad_filter_input_shows_an_error_not_a_500(org, pipeline):
    """spec: M4 — a bad date is reported beside the field; the other filters still apply."""
    r = client_for(org.director).get(BOARD, {"date_from": "2026-13-45", "industry": "retail"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Enter a valid date." in html
    assert columns(r)["discovery"].count == 1  # industry still applied
    r = client_for(org.r1).get(BOARD, {"owner": org.r2.pk, "stage": "nope", "team": "x"})
    assert r.status_code == 200
    assert "Select a valid choice" in r.content.decode()
    assert columns(r)["discovery"].count == 1


def test_owner_and_team_choices_are_limited_to_what_the_user_may_see(org, pipeline):
    """spec: P1, P4 — a rep cannot even pick another team's people in the filter."""
    form = client_for(org.m1).get(BOARD).context["form"]
    owners = set(form.fields["owner"].queryset.values_list("username", flat=True))
    assert {"r1", "r3", "m1"} <= owners and "r2" not in owners and "m2" not in owners
    teams = set(form.fields["team"].queryset.values_list("name", flat=True))
    assert teams == {org.east.name, org.east2.name}


def test_top_n_per_column_and_link_to_the_list(org, settings):
    """spec: M4 — a column shows the most active cards and links to the full list of its stage."""
    settings.OPPHUB_BOARD_CARDS_PER_COLUMN = 2
    opps = [make_opportunity(actor=org.r1, name=f"deal {i}", now=timezone.now() - dt.timedelta(hours=5 - i))
            for i in range(5)]
    r = client_for(org.r1).get(BOARD)
    col = columns(r)["discovery"]
    assert col.count == 5
    assert [o.number for o in col.cards] == [opps[4].number, opps[3].number]  # newest first
    html = r.content.decode()
    assert "3 more — see the list" in html
    assert f"{reverse('opportunities:list')}?stage=discovery" in html


def test_board_needs_login(org):
    r = Client().get(BOARD)
    assert r.status_code == 302 and reverse("login") in r["Location"]


def _spread(org, owner, n):  # type: ignore[no-untyped-def]
    stages = ["confirmation", "solution", "closing"]
    for i in range(n):
        opp = make_opportunity(actor=owner, name=f"bulk {i}", customer=CustomerFactory(owner=owner))
        move(opp, owner, *stages[: i % 4])
        if i % 5 == 0:
            followup_log(actor=owner, opportunity=opp, now=timezone.now(), data={"kind": "phone", "notes": "x"})
        if i % 7 == 0:
            opportunity_close(actor=owner, opportunity=opp, outcome="lost", now=timezone.now())


@pytest.mark.parametrize("who", ["director", "m1", "r1"])
def test_query_count_does_not_grow_with_the_records(org, who):
    """spec: P4 — the board answers in a fixed number of queries (3 vs 40 opportunities)."""
    user = getattr(org, who)
    owner = org.r1 if who != "director" else org.r3
    _spread(org, owner, 3)
    c = client_for(user)
    c.get(BOARD)  # warm caches (playbook parsing, session)
    with CaptureQueriesContext(connection) as few:
        assert c.get(BOARD, {"industry": "manufacturing"}).status_code == 200
    _spread(org, owner, 37)
    with CaptureQueriesContext(connection) as many:
        r = c.get(BOARD, {"industry": "manufacturing"})
    assert sum(col.count for col in r.context["columns"]) == 40
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_high_risk_badge_for_a_card_too_long_in_its_stage(org):
    """spec: M5 — a card in its stage longer than 1.5 × the stage average (the playbook default while
    history is thin: 14 days for discovery) carries a "High risk" badge; a fresh one does not."""
    from django.test import Client
    from django.utils import timezone

    from tests.factories import make_opportunity

    old = make_opportunity(actor=org.r1, name="久拖未决", now=timezone.now() - dt.timedelta(days=22))
    fresh = make_opportunity(actor=org.r1, name="刚刚发现", now=timezone.now() - dt.timedelta(days=20))
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.r1)
    html = c.get(reverse("opportunities:board")).content.decode()

    def card(number: str) -> str:
        start = html.index(f'data-number="{number}"')
        return html[start:html.index("</li>", start)]

    assert "High risk" in card(old.number)  # 22 days > 21 = 1.5 × 14
    assert "High risk" not in card(fresh.number)  # 20 days
