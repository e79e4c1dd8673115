"""Team health grouped by the team hierarchy with the health score per rep (P4, H1-H4), and the weekly review
with amount, last follow-up, week range, sorting and filters kept in the URL, exports following them (P4, X4)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opphub.alerts.models import Alert, AlertKind, PenaltyEntry
from opphub.alerts.team_health import team_health
from opphub.gates.models import HealthRecord
from opphub.opportunities.models import Opportunity
from opphub.people.models import Role

from ..factories import TeamFactory, UserFactory, make_opportunity
from ..pilot_playbook import STANDARD

DAY = dt.timedelta(days=1)


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def _score(opp, total: str, at: dt.datetime) -> HealthRecord:  # type: ignore[no-untyped-def]
    return HealthRecord.objects.create(
        opportunity=opp, stage=opp.stage, total=Decimal(total), requirement_match=0, decision_chain=0,
        budget_certainty=0, decision="approval", detail={}, playbook_version="1.3.0", computed_at=at)


def _flag(opp, kind: str = AlertKind.HIGH_RISK, now=None):  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    return Alert.objects.create(kind=kind, opportunity=opp, owner=opp.owner, basis_at=now, raised_at=now)


def _row(html: str, attr: str) -> str:
    row = html[html.index(attr):]
    return row[:row.index("</tr>")]


def _cells(row: str) -> list[str]:
    """The visible text of a row's number cells (tags stripped)."""
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]


@pytest.fixture
def health_org(org):  # type: ignore[no-untyped-def]
    """r1 (华东一部) owns two open opportunities, the latest scores of one 70 → 80; r3 (华东二部, below 华东一部)
    owns one scored 50; r2 (华西部) one without a score."""
    now = timezone.now()
    a = make_opportunity(actor=org.r1, name="甲")
    make_opportunity(actor=org.r1, name="乙")
    c = make_opportunity(actor=org.r3, name="丙")
    make_opportunity(actor=org.r2, name="丁")
    _score(a, "70", now - 3 * DAY)
    _score(a, "80", now - DAY)  # the latest counts, not the mean of all
    _score(c, "50", now - DAY)
    return org


@pytest.mark.django_db
def test_team_health_is_grouped_by_team_with_subtotals_and_a_total(health_org):
    """spec: P4, H1-H4 — the director sees every team under its parent, each rep's health score (the mean of
    the latest saved score of their open opportunities that have one), a subtotal per team (a parent's
    includes the teams below it) and the total; a score is coloured by H4's band of the playbook."""
    org = health_org
    html = _client(org.director).get("/team/health/").content.decode()
    r1, r3, r2 = _row(html, 'data-user="r1"'), _row(html, 'data-user="r3"'), _row(html, 'data-user="r2"')
    assert _cells(r1)[:2] == ["2", "80 of 1 scored"]
    assert _cells(r3)[:2] == ["1", "50 of 1 scored"]
    assert _cells(r2)[:2] == ["1", "—"]
    low, high = STANDARD.health.band()  # H4: below → back (bad), inside both bounds → approval (warn)
    assert low < 65 and low > 50 and high == 80
    assert 'class="badge health warn">80<' in r1 and 'class="badge health bad">50<' in r3
    east, east2, west = (_row(html, f'data-subtotal="{t.pk}"') for t in (org.east, org.east2, org.west))
    assert "with the teams below" in east and "with the teams below" not in east2
    assert _cells(east)[:2] == ["3", "65 of 2 scored"]  # (80 + 50) / 2, r3's team is below 华东一部
    assert _cells(east2)[:2] == ["1", "50 of 1 scored"]
    assert _cells(west)[:2] == ["1", "—"]
    assert _cells(_row(html, 'data-total="all"'))[:2] == ["4", "65 of 2 scored"]
    # the sub-team's block sits inside its parent's: heading, members, sub-team, then the parent's subtotal
    order = [html.index(s) for s in (f'data-team="{org.east.pk}"', 'data-user="r1"', f'data-team="{org.east2.pk}"',
                                     'data-user="r3"', f'data-subtotal="{org.east2.pk}"',
                                     f'data-subtotal="{org.east.pk}"', f'data-team="{org.west.pk}"')]
    assert order == sorted(order)


@pytest.mark.django_db
def test_team_health_counts_penalty_points_by_sql_and_bounds_the_ledger(health_org):
    """spec: P4, P6 — a rep's points this month are the sum of the unreversed entries; the totals add up."""
    org = health_org
    now = timezone.localtime()
    opp = Opportunity.objects.filter(owner=org.r1).first()
    for i, (points, reversed_at) in enumerate(((-2, None), (-3, None), (-5, now))):
        PenaltyEntry.objects.create(user=org.r1, month=now.strftime("%Y-%m"), points=points, reason="x",
                                    opportunity=opp, streak_since=now - i * DAY, created_at=now,
                                    reversed_at=reversed_at)
    health = team_health(user=org.m1, now=now)
    (r1,) = [r for r in health.reps if r.user == org.r1]
    assert r1.penalty_points == -5 and health.total.penalty_points == -5 and health.penalties_count == 3
    assert health.groups[0].subtotal.penalty_points == -5


@pytest.mark.django_db
def test_a_manager_sees_their_subtree_grouped_and_never_another_region(health_org):
    """spec: P4 — the manager of 华东一部 sees it and 华东二部 below it, grouped, and nothing of 华西部, even when
    asking for it in the URL; choosing the sub-team narrows the page to it."""
    org = health_org
    c = _client(org.m1)
    html = c.get("/team/health/").content.decode()
    assert f'data-subtotal="{org.east.pk}"' in html and f'data-subtotal="{org.east2.pk}"' in html
    assert 'data-user="r2"' not in html and "华西部" not in html
    assert _cells(_row(html, 'data-total="all"'))[:2] == ["3", "65 of 2 scored"]
    other = c.get(f"/team/health/?team={org.west.pk}").content.decode()
    assert 'data-user="r2"' not in other and 'data-user="r1"' in other  # not theirs: the whole subtree
    narrow = c.get(f"/team/health/?team={org.east2.pk}").content.decode()
    assert 'data-user="r3"' in narrow and 'data-user="r1"' not in narrow
    assert _cells(_row(narrow, 'data-total="all"'))[:2] == ["1", "50 of 1 scored"]
    west = _client(org.m2).get("/team/health/").content.decode()
    assert 'data-user="r2"' in west and 'data-user="r1"' not in west and 'data-user="r3"' not in west


def _grow(org, n: int, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """n more teams (each under 华东一部), each with a rep owning a scored, flagged, penalised opportunity."""
    now = timezone.now()
    for i in range(n):
        team = TeamFactory(name=f"{prefix}{i}", parent=org.east if i % 2 else org.east2)
        rep = UserFactory(username=f"{prefix}{i}", role=Role.REP, team=team)
        opp = make_opportunity(actor=rep, amount=Decimal(1000 + i))
        _score(opp, "66", now)
        _flag(opp)
        _flag(opp, AlertKind.OVERDUE_TOUCH)
        PenaltyEntry.objects.create(user=rep, month=timezone.localtime().strftime("%Y-%m"), points=-1, reason="x",
                                    opportunity=opp, streak_since=now, created_at=now)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["m1", "director"])
def test_team_pages_keep_their_query_count_with_more_rows(health_org, who):
    """spec: P4 — team health and the review read the same number of queries with 1 or 12 more teams of reps
    (GROUP BY, never a query per rep, team or opportunity)."""
    org = health_org
    user = getattr(org, who)
    urls = ["/team/health/", "/team/review/", "/team/review/?sort=days&kind=high_risk"]
    _grow(org, 1, "grow")
    before = [_queries(_client(user), u) for u in urls]
    _grow(org, 11, "more")
    after = [_queries(_client(user), u) for u in urls]
    assert after == before, (before, after)
    assert max(after) <= 13, after


def _review_org(org):  # type: ignore[no-untyped-def]
    """Three flagged opportunities in 华东一部/华东二部 and one in 华西部, with different amounts, days in stage
    and last follow-ups."""
    now = timezone.now()
    big = make_opportunity(actor=org.r1, name="大单", amount=Decimal(900000))
    old = make_opportunity(actor=org.r3, name="老单", amount=Decimal(100000))
    quiet = make_opportunity(actor=org.r1, name="静单", amount=Decimal(500000))
    west = make_opportunity(actor=org.r2, name="西单", amount=Decimal(990000))
    Opportunity.objects.filter(pk=big.pk).update(stage_entered_at=now - 5 * DAY, last_followup_at=now - DAY)
    Opportunity.objects.filter(pk=old.pk).update(stage_entered_at=now - 40 * DAY, last_followup_at=now - 3 * DAY)
    Opportunity.objects.filter(pk=quiet.pk).update(stage_entered_at=now - 20 * DAY, last_followup_at=None)
    _flag(big)
    _flag(old, AlertKind.SLOW_RESPONSE)
    _flag(quiet)
    _flag(quiet, AlertKind.SLOW_RESPONSE)
    _flag(west)
    return big, old, quiet, west


def _numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-number="([^"]+)"', html)


@pytest.mark.django_db
def test_review_sorts_and_filters_in_the_url(org):
    """spec: P4, M5, X3 — the review shows amount, days in stage, last follow-up and the week; it sorts by
    amount, days in stage or last follow-up and filters by team (with the teams below), owner and risk kind,
    the filters kept in the sort links and the export links. A manager never sees another region's rows."""
    big, old, quiet, west = _review_org(org)
    c = _client(org.m1)
    html = c.get("/team/review/").content.decode()
    assert _numbers(html) == [big.number, quiet.number, old.number]  # amount, largest first
    row = _row(html, f'data-number="{old.number}"')
    assert "¥100,000" in row and ">40<" in row and (timezone.localtime() - 3 * DAY).strftime("%Y-%m-%d") in row
    assert "none yet" in _row(html, f'data-number="{quiet.number}"')
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    assert f"Week of {monday:%Y-%m-%d} to {monday + 6 * DAY:%Y-%m-%d}" in html
    assert "3 opportunities, ¥1,500,000 in total." in html
    assert _numbers(c.get("/team/review/?sort=days").content.decode()) == [old.number, quiet.number, big.number]
    assert _numbers(c.get("/team/review/?sort=followup").content.decode()) == [quiet.number, old.number,
                                                                              big.number]
    filtered = c.get("/team/review/?kind=slow_response&sort=days").content.decode()
    assert _numbers(filtered) == [old.number, quiet.number]
    assert 'href="?kind=slow_response&amp;sort=amount"' in filtered  # the sort link keeps the filter
    assert "export.xlsx?kind=slow_response&amp;sort=days" in filtered
    assert _numbers(c.get(f"/team/review/?owner={org.r1.pk}").content.decode()) == [big.number, quiet.number]
    assert _numbers(c.get(f"/team/review/?team={org.east2.pk}").content.decode()) == [old.number]
    assert _numbers(c.get(f"/team/review/?team={org.east.pk}").content.decode()) == [big.number, quiet.number,
                                                                                    old.number]
    assert _numbers(c.get(f"/team/review/?team={org.west.pk}").content.decode()) == []
    assert _numbers(c.get(f"/team/review/?owner={org.r2.pk}").content.decode()) == []
    assert west.number not in c.get("/team/review/?sort=bogus&kind=bogus&team=x").content.decode()
    assert _numbers(_client(org.director).get("/team/review/").content.decode())[0] == west.number


@pytest.mark.django_db
def test_review_exports_follow_the_filters_and_the_order(org):
    """spec: P4, X4 — the Excel and CSV exports hold the rows of the page's filters in the page's order, with
    days in stage, amount and last follow-up."""
    from openpyxl import load_workbook

    big, old, quiet, _west = _review_org(org)
    c = _client(org.m1)
    xlsx = c.get("/team/review/export.xlsx?kind=slow_response&sort=days")
    rows = list(load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active.values)
    assert [r[0] for r in rows[1:]] == [old.number, quiet.number]
    header = list(rows[0])
    assert rows[1][header.index("Days in stage")] == 40 and rows[1][header.index("Amount (CNY)")] == 100000
    assert rows[2][header.index("Last follow-up")] is None
    body = b"".join(c.get(f"/team/review/export.csv?owner={org.r1.pk}").streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert [r[0] for r in lines[1:]] == [big.number, quiet.number]
    everything = b"".join(_client(org.director).get("/team/review/export.csv").streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(everything)))) == 5


@pytest.mark.django_db
def test_many_people_collapse_to_one_row_per_team(health_org, monkeypatch):
    """spec: P4 (issue 11: a bounded page) — past the page's limit of people, team health shows one subtotal
    row per team (parents first) and the total, each team linking to its own page with its people."""
    from opphub.alerts import team_health as module

    org = health_org
    monkeypatch.setattr(module, "REP_ROWS_LIMIT", 3)  # the org has 5 sales people (2 managers, 3 reps)
    c = _client(org.director)
    html = c.get("/team/health/").content.decode()
    assert "data-user=" not in html and 'id="team-health-collapsed"' in html
    order = [html.index(f'data-subtotal="{t.pk}"') for t in (org.east, org.east2, org.west)]
    assert order == sorted(order)
    assert _cells(_row(html, f'data-subtotal="{org.east.pk}"'))[:2] == ["3", "65 of 2 scored"]
    assert _cells(_row(html, 'data-total="all"'))[:2] == ["4", "65 of 2 scored"]
    assert f'href="?team={org.east2.pk}"' in html
    narrow = c.get(f"/team/health/?team={org.east.pk}").content.decode()
    assert 'data-user="r1"' in narrow and 'data-user="r3"' in narrow and "team-health-collapsed" not in narrow


@pytest.mark.django_db
def test_review_pages_keep_the_filters_and_the_totals(org, monkeypatch):
    """spec: P4 (issue 11: a bounded page) — the review is paginated; the pager keeps sort and filters, the
    count and amount are those of the whole filtered set; a page past the end shows the last."""
    from opphub.alerts import review as module

    big, old, quiet, _west = _review_org(org)
    monkeypatch.setattr(module, "PAGE_SIZE", 2)
    c = _client(org.m1)
    first = c.get("/team/review/?sort=days").content.decode()
    assert _numbers(first) == [old.number, quiet.number] and "3 opportunities, ¥1,500,000 in total." in first
    assert 'href="?sort=days&amp;page=2" rel="next"' in first
    second = c.get("/team/review/?sort=days&page=2").content.decode()
    assert _numbers(second) == [big.number] and "Page 2 of 2" in second
    assert _numbers(c.get("/team/review/?sort=days&page=9").content.decode()) == [big.number]
