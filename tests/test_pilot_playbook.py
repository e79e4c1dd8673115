"""The pilot playbook (tests/pilot_playbook.py): every number of the standard changed, installed as the
pipeline's playbook. Decisions, pages, messages (zh-Hans, zh-Hant, en), the lifecycle report and the scan
must follow it: a rule number typed into code, a template or a message shows up as the standard's value.

The assertions are about numbers and the playbook's own texts (which come out the same, or from the
playbook, in all three languages), never about translated words, so they hold before the catalogues
are compiled. Values are read from ``PILOT``/``STANDARD``; the expected renderings ("12.2", "1.35")
are worked out from them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opphub.alerts.models import Alert, AlertKind
from opphub.alerts.scan import scan_run
from opphub.followups.models import FollowUp
from opphub.methodology.risk import StageAverage, duration_flag, response_time_flag, stage_average_days
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.risks import one_decimal

from .factories import client_for, make_opportunity
from .pilot_playbook import PILOT, STANDARD, install_pilot
from .stagework import _approve, advance_to

LANGS = ("en", "zh-hans", "zh-hant")
DAY = dt.timedelta(days=1)
H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)


def limit(book, stage: str) -> Decimal:  # type: ignore[no-untyped-def]
    """M5's limit in days for a stage while history is thin: factor × the stage's default."""
    return book.rules.risk_duration_factor * book.stage(stage).default_days


def in_stage(opp, stage: str, entered: dt.datetime) -> Opportunity:  # type: ignore[no-untyped-def]
    Opportunity.objects.filter(pk=opp.pk).update(stage=stage, stage_entered_at=entered)
    opp.refresh_from_db()
    return opp


def board_card(html: str, number: str) -> str:
    start = html.index(f'data-number="{number}"')
    return html[start:html.index("</li>", start)]


def touches(opp, steps, start: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    """Follow-ups from ``steps`` = [(offset from start, direction, notes)]."""
    FollowUp.objects.bulk_create([
        FollowUp(opportunity=opp, author=opp.owner, kind="phone", direction=d, occurred_at=start + off,
                 created_at=start + off, notes=notes) for off, d, notes in steps])
    Opportunity.objects.filter(pk=opp.pk).update(last_followup_at=start + max(off for off, _d, _n in steps))


def exchange(start: dt.datetime, *waits: dt.timedelta, gap: dt.timedelta = DAY):  # type: ignore[no-untyped-def]
    """Outbound/inbound pairs answered after ``waits``, as (offset, direction, notes) from ``start``."""
    out, at = [], dt.timedelta(0)
    for w in waits:
        out += [(at, "out", "电话"), (at + w, "in", "回复")]
        at += w + gap
    return out


@pytest.fixture
def pilot(org):  # type: ignore[no-untyped-def]
    return install_pilot()


# ---------------------------------------------------------------- the fixture itself


def test_the_pilot_changes_every_number_this_test_reads():
    """spec: M5, X3, S1, P1, C1-C4, H4, P6, M3 — the pilot differs from the standard in each value asserted below."""
    pairs = [
        (PILOT.rules.risk_duration_factor, STANDARD.rules.risk_duration_factor),
        (PILOT.rules.response_time_normal_hours, STANDARD.rules.response_time_normal_hours),
        (PILOT.rules.response_time_risk_days, STANDARD.rules.response_time_risk_days),
        (PILOT.rules.risk_window_followups, STANDARD.rules.risk_window_followups),
        (PILOT.rules.stage_average_window_days, STANDARD.rules.stage_average_window_days),
        (PILOT.rules.stage_average_min_samples, STANDARD.rules.stage_average_min_samples),
        (PILOT.rules.internal_discussion_repeats, STANDARD.rules.internal_discussion_repeats),
        (PILOT.rules.daily_update_time, STANDARD.rules.daily_update_time),
        (PILOT.stage("discovery").cadence.per_days, STANDARD.stage("discovery").cadence.per_days),  # type: ignore[union-attr]
        (limit(PILOT, "confirmation"), limit(STANDARD, "confirmation")),
        (PILOT.stage("discovery").status_label, STANDARD.stage("discovery").status_label),
        (PILOT.health.back_below, STANDARD.health.back_below),
        (PILOT.health.advance_above, STANDARD.health.advance_above),
        (PILOT.number("incentives", "zombie_days"), STANDARD.number("incentives", "zombie_days")),
        (PILOT.number("incentives", "zombie_penalty_points"), STANDARD.number("incentives", "zombie_penalty_points")),
        (PILOT.zombie_working_days, STANDARD.zombie_working_days),
        (PILOT.rules.escalation_grace_hours, STANDARD.rules.escalation_grace_hours),
        (PILOT.rules.escalation_channels, STANDARD.rules.escalation_channels),
        *((PILOT.stage(s).response, STANDARD.stage(s).response) for s in ("discovery", "confirmation", "solution",
                                                                         "closing")),
    ]
    for pilot_value, standard_value in pairs:
        assert pilot_value != standard_value


# ---------------------------------------------------------------- decisions (pure core)


def test_decisions_follow_the_pilot():
    """spec: M5, X3 — the stage limit is the pilot's factor × its default; the response-time change is
    measured against the pilot's normal hours and risk days; the sample minimum is the pilot's."""
    thin = StageAverage(Decimal(PILOT.stage("confirmation").default_days), False, 0)
    edge = dt.timedelta(days=float(limit(PILOT, "confirmation")))
    assert duration_flag(PILOT, "confirmation", edge, thin) is None
    assert duration_flag(PILOT, "confirmation", edge + S, thin) is not None
    standard_edge = dt.timedelta(days=float(limit(STANDARD, "confirmation")))
    assert standard_edge < edge  # between the two limits only the standard flags
    assert duration_flag(STANDARD, "confirmation", standard_edge + S,
                         StageAverage(Decimal(STANDARD.stage("confirmation").default_days), False, 0)) is not None

    normal = PILOT.rules.response_time_normal_hours * H
    risk = PILOT.rules.response_time_risk_days * DAY
    t0 = timezone.now() - 30 * DAY

    def seq(*waits):  # type: ignore[no-untyped-def]
        return [(t0 + off, d) for off, d, _n in exchange(t0, *waits)]

    assert response_time_flag(PILOT, seq(normal, normal, risk + S)) is not None
    assert response_time_flag(STANDARD, seq(normal, normal, risk + S)) is None  # the standard's 24 h is exceeded
    assert response_time_flag(PILOT, seq(normal + S, normal + S, risk + S)) is None
    assert response_time_flag(PILOT, seq(normal, normal, risk)) is None
    n = PILOT.rules.stage_average_min_samples
    assert stage_average_days([DAY] * n, 9, n).from_history
    assert not stage_average_days([DAY] * (n - 1), 9, n).from_history


# ---------------------------------------------------------------- pages and messages


@pytest.mark.parametrize("lang", LANGS)
def test_card_shows_the_pilot_limit_risk_and_mark(org, pilot, lang):
    """spec: M5, X3, S1 — the card's stage limit, its risk message and the S1 mark come from the pilot,
    in every language: average 9.0 days, high risk after 12.2 (1.35 ×), not the standard's 7.0/10.5/1.5."""
    now = timezone.now()
    days_in = limit(PILOT, "confirmation") + Decimal("0.3")
    opp = in_stage(make_opportunity(actor=org.r1), "confirmation",
                   now - dt.timedelta(days=float(days_in)))
    html = client_for(org.r1, lang).get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    average = one_decimal(Decimal(PILOT.stage("confirmation").default_days))
    pilot_limit = one_decimal(limit(PILOT, "confirmation"))
    factor = str(PILOT.rules.risk_duration_factor)
    head = html[:html.index('class="stage-track"')]
    assert average in head and pilot_limit in head and f"{factor} ×" in head
    risks = html[html.index('id="risks"'):]
    risks = risks[:risks.index("</section>")]
    assert one_decimal(days_in) in risks and pilot_limit in risks and f"{factor} ×" in risks
    for standard in (one_decimal(limit(STANDARD, "confirmation")), f"{STANDARD.rules.risk_duration_factor} ×"):
        assert standard not in html

    fresh = make_opportunity(actor=org.r1)  # S1: the pilot's mark, in the page's language
    url = reverse("opportunities:card", kwargs={"number": fresh.number})
    html = client_for(org.r1, lang).get(url).content.decode()
    assert PILOT.stage("discovery").status_label.get(lang) in html  # type: ignore[union-attr]
    assert STANDARD.stage("discovery").status_label.get(lang) not in html  # type: ignore[union-attr]
    _approve(fresh, "screening_report", now)
    html = client_for(org.r1, lang).get(url).content.decode()
    assert PILOT.stage("discovery").status_label.get(lang) not in html  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", LANGS)
def test_board_list_and_stage_work_follow_the_pilot(org, pilot, lang):
    """spec: M5, S1, P4 — the board's high-risk badge uses the pilot's limit (a card between the
    standard's 10.5 and the pilot's 12.15 days is not flagged); the S1 mark on the board, the list and
    the stage work page is the pilot's."""
    now = timezone.now()
    between = in_stage(make_opportunity(actor=org.r1, name="between"), "confirmation",
                       now - dt.timedelta(days=float(limit(PILOT, "confirmation"))) + H)
    over = in_stage(make_opportunity(actor=org.r1, name="over"), "confirmation",
                    now - dt.timedelta(days=float(limit(PILOT, "confirmation"))) - H)
    fresh = make_opportunity(actor=org.r1, name="fresh")
    mark = PILOT.stage("discovery").status_label.get(lang)  # type: ignore[union-attr]
    standard_mark = STANDARD.stage("discovery").status_label.get(lang)  # type: ignore[union-attr]
    c = client_for(org.r1, lang)
    board = c.get(reverse("opportunities:board")).content.decode()
    assert 'badge bad' not in board_card(board, between.number)
    assert 'badge bad' in board_card(board, over.number)
    assert mark in board_card(board, fresh.number) and standard_mark not in board
    rows = c.get(reverse("opportunities:list")).content.decode()
    assert mark in rows and standard_mark not in rows
    stage = c.get(reverse("gates:stage", kwargs={"number": fresh.number})).content.decode()
    assert mark in stage and standard_mark not in stage


@pytest.mark.parametrize("lang", LANGS)
def test_my_day_follows_the_pilot(org, pilot, lang):
    """spec: P1, C1 — My day names the pilot's daily update time and dues the S1 touch by the pilot's
    cadence (5 days after the last touch, not 7)."""
    now = timezone.localtime()
    opp = make_opportunity(actor=org.r1, now=now - 10 * DAY)
    last = now - 2 * DAY
    touches(opp, [(dt.timedelta(0), "out", "电话")], last)
    html = client_for(org.r1, lang).get(reverse("followups:my_day")).content.decode()
    assert PILOT.rules.daily_update_time.strftime("%H:%M") in html
    assert STANDARD.rules.daily_update_time.strftime("%H:%M") not in html
    per = PILOT.stage("discovery").cadence.per_days  # type: ignore[union-attr]
    row = html[html.index(f'data-number="{opp.number}"'):]
    row = row[:row.index("</tr>")]
    assert (last + per * DAY).strftime("%Y-%m-%d %H:%M") in row
    assert re.search(rf"\b{per}\b", row)


@pytest.mark.parametrize("lang", LANGS)
def test_the_lifecycle_report_follows_the_pilot(org, pilot, lang):
    """spec: S5, M1 — the report names the stages as the pilot playbook does, in every language."""
    opp = advance_to(make_opportunity(actor=org.r1, now=timezone.now() - 20 * DAY), "solution")
    html = client_for(org.r1, lang).get(reverse("gates:report", kwargs={"number": opp.number})).content.decode()
    assert PILOT.stage("solution").name.get(lang) in html
    assert PILOT.name.get(lang) in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_interview_deadline_follows_the_pilot(org, pilot, lang):
    """spec: S2 — the 5W1H interview is due the pilot's number of working days after entering S2."""
    from opphub.methodology.business_days import add_working_days
    from opphub.workdays.calendar import work_calendar

    entered = timezone.localtime() - DAY
    opp = in_stage(make_opportunity(actor=org.r1), "confirmation", entered)
    calendar = work_calendar()

    def due(book) -> str:  # type: ignore[no-untyped-def]
        (deadline,) = book.stage("confirmation").deadlines
        return add_working_days(calendar, entered.date(), deadline.working_days).isoformat()

    html = client_for(org.r1, lang).get(reverse("gates:stage", kwargs={"number": opp.number})).content.decode()
    assert due(PILOT) in html and due(STANDARD) not in html


# ---------------------------------------------------------------- the scan


def test_the_scan_follows_the_pilot(org, pilot):
    """spec: M5, X3, C1 — the scan's high-risk limit, response-time rule, follow-up window, repeats and
    touch cadence are the pilot's."""
    now = timezone.localtime()
    pilot_limit = dt.timedelta(days=float(limit(PILOT, "confirmation")))
    between = in_stage(make_opportunity(actor=org.r1), "confirmation", now - pilot_limit + H)
    over = in_stage(make_opportunity(actor=org.r1), "confirmation", now - pilot_limit - H)

    normal = PILOT.rules.response_time_normal_hours * H
    risk = PILOT.rules.response_time_risk_days * DAY
    window = PILOT.rules.risk_window_followups
    slow = make_opportunity(actor=org.r1, now=now - 60 * DAY)  # within 30 h, then past 4 days
    touches(slow, exchange(now - 40 * DAY, normal, normal, risk + H), now - 40 * DAY)
    # quick answers long ago, outside the pilot's window of newest follow-ups: only slow ones inside it
    hidden = make_opportunity(actor=org.r1, now=now - 60 * DAY)
    waits = [2 * H] * 5 + [risk - H] * (window // 2 - 1) + [risk + H]
    touches(hidden, exchange(now - 50 * DAY, *waits), now - 50 * DAY)
    repeats = PILOT.rules.internal_discussion_repeats
    talk_few = make_opportunity(actor=org.r1, now=now - 20 * DAY)
    touches(talk_few, [(i * H, "out", "客户还在内部讨论") for i in range(repeats - 1)], now - 3 * DAY)
    talk = make_opportunity(actor=org.r1, now=now - 20 * DAY)
    touches(talk, [(i * H, "out", "客户还在内部讨论") for i in range(repeats)], now - 3 * DAY)

    per = PILOT.stage("discovery").cadence.per_days  # type: ignore[union-attr]
    due = make_opportunity(actor=org.r1, now=now - 20 * DAY)
    touches(due, [(dt.timedelta(0), "out", "电话")], now - per * DAY - H)
    not_due = make_opportunity(actor=org.r1, now=now - 20 * DAY)
    touches(not_due, [(dt.timedelta(0), "out", "电话")], now - per * DAY + H)

    scan_run(now=now, escalate=False)

    def flagged(kind: str) -> set[int]:
        return set(Alert.objects.filter(kind=kind, resolved_at__isnull=True).values_list("opportunity_id", flat=True))

    assert over.pk in flagged(AlertKind.HIGH_RISK) and between.pk not in flagged(AlertKind.HIGH_RISK)
    assert slow.pk in flagged(AlertKind.SLOW_RESPONSE) and hidden.pk not in flagged(AlertKind.SLOW_RESPONSE)
    assert talk.pk in flagged(AlertKind.INTERNAL_DISCUSSION)
    assert talk_few.pk not in flagged(AlertKind.INTERNAL_DISCUSSION)
    assert due.pk in flagged(AlertKind.OVERDUE_TOUCH) and not_due.pk not in flagged(AlertKind.OVERDUE_TOUCH)


def test_stage_averages_are_learned_per_pipeline_and_version_in_the_pilot_window(org, pilot):
    """spec: M5 — the average comes from the pilot pipeline's own moves under its version, in the pilot's
    window (40 days) and from the pilot's minimum of samples (3): the standard pipeline's slow moves and
    the moves that left before the window do not count."""
    now = timezone.localtime()
    from opphub.opportunities.models import Pipeline

    standard = Pipeline.objects.get(key="standard")
    n = PILOT.rules.stage_average_min_samples
    window = PILOT.rules.stage_average_window_days

    def moved(pipeline, left: dt.datetime, took: dt.timedelta, count: int) -> None:  # type: ignore[no-untyped-def]
        from opphub.opportunities.services import opportunity_create

        from .factories import CustomerFactory

        for _ in range(count):
            o = opportunity_create(actor=org.r1, customer=CustomerFactory(owner=org.r1), owner=org.r1, now=now,
                                   pipeline=pipeline, data={"name": "历史", "amount": Decimal(1),
                                                            "expected_close_date": dt.date(2027, 3, 31),
                                                            "industry": "manufacturing", "company_size": "medium"})
            StageHistory.objects.create(opportunity=o, stage="confirmation", entered_at=left - took, left_at=left)

    moved(pilot, now - 5 * DAY, 2 * DAY, n)                              # the pilot's own: 2 days each
    moved(pilot, now - (window + 1) * DAY, 30 * DAY, n)                  # before the window
    moved(standard, now - 5 * DAY, 30 * DAY, STANDARD.rules.stage_average_min_samples)  # another pipeline
    learned = Decimal(2) * PILOT.rules.risk_duration_factor               # 2.7 days
    late = in_stage(make_opportunity(actor=org.r1), "confirmation", now - dt.timedelta(days=float(learned)) - H)
    early = in_stage(make_opportunity(actor=org.r1), "confirmation", now - dt.timedelta(days=float(learned)) + H)
    scan_run(now=now, escalate=False)
    risky = set(Alert.objects.filter(kind=AlertKind.HIGH_RISK).values_list("opportunity_id", flat=True))
    assert late.pk in risky and early.pk not in risky
    html = client_for(org.r1).get(reverse("opportunities:card", kwargs={"number": early.number})).content.decode()
    assert f"Average 2.0 days in this stage, high risk after {one_decimal(learned)}" in html
    assert f"the average of the last {n} moves" in html


# ---------------------------------------------------------------- H4 band, P6 intervention days


@pytest.mark.parametrize("lang", LANGS)
def test_h4_band_texts_follow_the_pilot(org, pilot, lang):
    """spec: H4 — the stage work page and the lifecycle report state the pilot's band (55/85)."""
    opp = advance_to(make_opportunity(actor=org.r1, now=timezone.now() - 20 * DAY), "solution")
    c = client_for(org.r1, lang)
    for name in ("stage", "report"):
        html = c.get(reverse(f"gates:{name}", kwargs={"number": opp.number})).content.decode()
        assert str(PILOT.health.advance_above) in html
        assert not re.search(rf"\b{STANDARD.health.advance_above}\b", html)


@pytest.mark.parametrize("lang", LANGS)
def test_team_health_states_the_pilot_intervention_days(org, pilot, lang):
    """spec: P6 — team health says when the manager steps in by the pilot's days (9 working days), not by
    the standard's 7 calendar days or "a week"."""
    opp = make_opportunity(actor=org.r1)
    now = timezone.now()
    Alert.objects.create(kind=AlertKind.INTERVENTION, opportunity=opp, owner=org.r1, basis_at=now - 12 * DAY,
                         raised_at=now)
    html = client_for(org.m1, lang).get(reverse("alerts:team_health")).content.decode()
    section = html[html.index('id="team-interventions"'):]
    section = section[:section.index("</section>")]
    assert opp.number in section
    days = PILOT.number("incentives", "intervention_days")
    assert re.search(rf"\b{days}\b", section)
    assert not re.search(rf"\b{STANDARD.number('incentives', 'intervention_days')}\b", section)


# ---------------------------------------------------------------- M3 escalation grace and channels


def test_escalation_waits_the_pilot_grace_and_goes_on_the_pilot_channels(org, pilot):
    """spec: M3 — an overdue touch and a late answer (C1) reach the manager the pilot's grace (5 h) after
    they fell due, not at the due time (the standard's 0), and on the pilot's channels (in-app, email,
    DingTalk through the team's robot), not the standard's WeCom."""
    from opphub.followups.services import request_record
    from opphub.notifications.models import Delivery, Robot

    Robot.objects.create(team=org.east, vendor="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t")
    now = timezone.localtime()
    per = PILOT.stage("discovery").cadence.per_days  # type: ignore[union-attr]
    grace = PILOT.rules.escalation_grace_hours * H
    assert STANDARD.rules.escalation_grace_hours * H < H < grace
    last = now - per * DAY - H
    due = last + per * DAY  # an hour ago
    opp = make_opportunity(actor=org.r1, now=last - DAY)
    touches(opp, [(dt.timedelta(0), "out", "电话")], last)
    received = due - PILOT.stage("discovery").response["update_hours"] * H  # the answer fell due at ``due`` too
    request_record(actor=org.r1, opportunity=opp, kind="key_action", text="客户要求更新报价", received_at=received,
                   now=received)

    def late() -> list[Alert]:
        return list(Alert.objects.filter(opportunity=opp, resolved_at__isnull=True,
                                         kind__in=[AlertKind.OVERDUE_TOUCH, AlertKind.RESPONSE_KEY_ACTION]))

    scan_run(now=now, x3=False)  # both overdue, neither escalated (the standard escalates now)
    assert len(late()) == 2 and all(a.due_at == due and a.escalated_at is None for a in late())
    assert scan_run(now=due + grace, x3=False).escalated == 0
    assert scan_run(now=due + grace + S, x3=False).escalated == 2
    channels = {"inapp", *PILOT.rules.escalation_channels}
    for alert in late():
        assert alert.escalated_to == org.m1
        sent = set(Delivery.objects.filter(key=f"escalation:{alert.pk}", recipient=org.m1)
                   .values_list("channel", flat=True))
        assert sent == channels
    assert set(STANDARD.rules.escalation_channels) - channels  # a standard channel the pilot does not use
    assert not Delivery.objects.filter(channel__in=set(STANDARD.rules.escalation_channels) - channels).exists()


# ---------------------------------------------------------------- P6 zombie days, working days, points


def test_the_zombie_rule_counts_the_pilot_working_days_and_points(org, pilot):
    """spec: P6 — last update Thursday 2026-11-19: the pilot's 2 working days are Friday and Monday, so the
    zombie alert and the −4 points come at Tuesday 00:00 — not on Saturday (2 calendar days) nor on
    Monday (the standard's 3 calendar days) — booked in November."""
    from opphub.alerts.models import PenaltyEntry
    from opphub.methodology.business_days import add_working_days
    from opphub.workdays.calendar import work_calendar

    assert PILOT.zombie_working_days and not STANDARD.zombie_working_days
    days = int(PILOT.number("incentives", "zombie_days"))
    points = int(PILOT.number("incentives", "zombie_penalty_points"))
    tz = timezone.get_current_timezone()
    last = dt.datetime(2026, 11, 19, 15, 0, tzinfo=tz)
    penalty_day = add_working_days(work_calendar(), last.date(), days)
    assert penalty_day > last.date() + dt.timedelta(days=int(STANDARD.number("incentives", "zombie_days")))
    first = dt.datetime.combine(penalty_day + DAY, dt.time.min, tzinfo=tz)
    opp = make_opportunity(actor=org.r1, now=last - 5 * DAY)
    touches(opp, [(dt.timedelta(0), "out", "电话")], last)

    def zombie() -> bool:
        return Alert.objects.filter(opportunity=opp, kind=AlertKind.ZOMBIE, resolved_at__isnull=True).exists()

    scan_run(now=first - S, x3=False, escalate=False)
    assert not zombie() and not PenaltyEntry.objects.filter(opportunity=opp).exists()
    scan_run(now=first, x3=False, escalate=False)
    assert zombie()
    (entry,) = PenaltyEntry.objects.filter(opportunity=opp)
    assert (entry.points, entry.month) == (-points, penalty_day.strftime("%Y-%m"))


def _since_working_days_ago(n: int) -> dt.datetime:
    """Noon of the latest local date with exactly ``n`` working days after it up to yesterday."""
    from opphub.methodology.business_days import working_days_between
    from opphub.workdays.calendar import work_calendar

    calendar = work_calendar()
    yesterday = timezone.localdate() - DAY
    day = yesterday
    while working_days_between(calendar, day, yesterday) < n:
        day -= DAY
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize("lang", LANGS)
def test_my_day_and_team_health_state_the_pilot_zombie_numbers(org, pilot, lang):
    """spec: P6 — My day warns after 1 working day without a follow-up that the next costs the pilot's 4
    points, and after the pilot's 2 working days states −4 points; the scan books −4 and team health's
    ledger shows it (not the standard's 5)."""
    from opphub.alerts.models import PenaltyEntry

    days = int(PILOT.number("incentives", "zombie_days"))
    points = int(PILOT.number("incentives", "zombie_penalty_points"))
    standard_points = int(STANDARD.number("incentives", "zombie_penalty_points"))
    ops = {}
    for level, n in (("penalty", days), ("warning", days - 1)):
        since = _since_working_days_ago(n)
        ops[level] = make_opportunity(actor=org.r1, now=since - DAY, name=f"僵尸{level}")
        touches(ops[level], [(dt.timedelta(0), "out", "电话")], since)
    html = client_for(org.r1, lang).get(reverse("followups:my_day")).content.decode()
    section = html[html.index('id="my-day-zombies"'):]
    section = section[:section.index("</section>")]
    for level, opp in ops.items():
        item = section[section.index(f">{opp.number}</a>"):]
        item = item[item.index("</strong>"):item.index("</li>")]  # the rule's sentence
        assert re.search(rf"(?<![\d.]){points}(?![\d.])", item), (level, item)
        assert not re.search(rf"(?<![\d.]){standard_points}(?![\d.])", item)
        assert f'class="zombie-{level}"' in section[:section.index(f">{opp.number}</a>")].rsplit("<li", 1)[-1]
    scan_run(now=timezone.localtime(), x3=False, escalate=False)
    (entry,) = PenaltyEntry.objects.filter(opportunity=ops["penalty"])
    assert entry.points == -points
    assert not PenaltyEntry.objects.filter(opportunity=ops["warning"]).exists()
    if entry.month == timezone.localdate().strftime("%Y-%m"):  # the streak was completed this month
        health = client_for(org.m1, lang).get(reverse("alerts:team_health")).content.decode()
        ledger = health[health.index('id="team-penalties"'):]
        ledger = ledger[:ledger.index("</section>")]
        assert f">{-points}</strong>" in ledger and f">{-standard_points}</strong>" not in ledger


# ---------------------------------------------------------------- C1-C4 response times


@pytest.mark.parametrize(("kind", "stage", "alert_kind", "key"), [
    ("key_action", "discovery", AlertKind.RESPONSE_KEY_ACTION, "update_hours"),             # C1: 20 h, not 24
    ("confirmation", "confirmation", AlertKind.RESPONSE_CONFIRMATION, "review_submit_hours"),  # C2: 40 h, not 48
    ("objection", "closing", AlertKind.RESPONSE_OBJECTION, "objection_hours"),              # C4: 30 h, not 24
])
def test_hour_response_times_follow_the_pilot(org, pilot, kind, stage, alert_kind, key):
    """spec: C1, C2, C4 — a request is late one second after the pilot's hours, not at the standard's."""
    from .alerts.test_response_times import NOW, _alert, _waiting

    hours = PILOT.stage(stage).response[key]
    assert hours != STANDARD.stage(stage).response[key]
    opp, _request = _waiting(org, kind, NOW - hours * H, stage)
    standard_late = NOW - (hours - STANDARD.stage(stage).response[key]) * H + S
    for at in sorted({min(standard_late, NOW), NOW}):  # a longer pilot time: late under the standard, not yet here
        scan_run(now=at, x3=False, escalate=False)
        assert _alert(opp, alert_kind) is None, at
    scan_run(now=NOW + S, x3=False, escalate=False)  # a shorter pilot time: late here, not yet under the standard
    alert = _alert(opp, alert_kind)
    assert alert is not None and alert.due_at == NOW


def test_the_feedback_response_time_follows_the_pilot_working_days(org, pilot):
    """spec: C3 — proposal feedback received Friday 2026-11-20 is due by the end of the pilot's 3rd working
    day (Wednesday 25th), not the standard's 2nd (Tuesday)."""
    from opphub.methodology.business_days import add_working_days
    from opphub.workdays.calendar import work_calendar

    from .alerts.test_response_times import _alert, _waiting

    tz = timezone.get_current_timezone()
    received = dt.datetime(2026, 11, 20, 16, 0, tzinfo=tz)
    opp, _request = _waiting(org, "feedback", received, "solution", text="方案第三章需要调整")

    def end_of(book) -> dt.datetime:  # type: ignore[no-untyped-def]
        n = book.stage("solution").response["feedback_working_days"]
        return dt.datetime.combine(add_working_days(work_calendar(), received.date(), n), dt.time.max, tzinfo=tz)

    assert end_of(STANDARD) < end_of(PILOT)
    for at in (end_of(STANDARD) + S, end_of(PILOT)):
        scan_run(now=at, x3=False, escalate=False)
        assert _alert(opp, AlertKind.RESPONSE_FEEDBACK) is None, at
    scan_run(now=end_of(PILOT) + S, x3=False, escalate=False)
    alert = _alert(opp, AlertKind.RESPONSE_FEEDBACK)
    assert alert is not None and alert.due_at == end_of(PILOT)


@pytest.mark.parametrize("lang", LANGS)
def test_my_day_states_the_pilot_response_times(org, pilot, lang):
    """spec: C1, C3, C4 — My day shows each request due by the pilot's time and names the pilot's rule
    ("within 20 hours", "within 3 working days", "within 30 hours") in every language."""
    from .alerts.test_response_times import _waiting

    now = timezone.localtime()
    received = now - H
    cases = [("key_action", "discovery", "update_hours"), ("feedback", "solution", "feedback_working_days"),
             ("objection", "closing", "objection_hours")]
    requests = {key: (stage, _waiting(org, kind, received, stage)[1]) for kind, stage, key in cases}
    html = client_for(org.r1, lang).get(reverse("followups:my_day")).content.decode()
    for key, (stage, request) in requests.items():
        row = html[html.index(f'data-request="{request.pk}"'):]
        row = row[:row.index("</tr>")]
        rule = re.search(r'<span class="muted">\(([^)]*)\)</span>', row).group(1)  # type: ignore[union-attr]
        n, standard = PILOT.stage(stage).response[key], STANDARD.stage(stage).response[key]
        assert re.search(rf"\b{n}\b", rule) and not re.search(rf"\b{standard}\b", rule), (key, rule)
        if key.endswith("_hours"):
            assert timezone.localtime(request.received_at + n * H).strftime("%Y-%m-%d %H:%M") in row
            if lang == "en":
                assert rule == f"within {n} hours"
        elif lang == "en":
            assert rule == f"within {n} working days"


# ---------------------------------------------------------------- H4 decisions on the pilot band


@pytest.mark.parametrize(("items", "budget", "outcome"), [
    (["60"] * 10, ("explicit_amount", "approved", "in_annual_plan"), "approval"),  # 84: standard > 80 advances
    (["65"] * 10, ("explicit_amount", "approved", "in_annual_plan"), "advance"),   # 86: above the pilot's 85
    (["30"] * 10, ("approved",), "approval"),                                      # 57: standard < 60 goes back
], ids=["84", "86", "57"])
def test_h4_decides_on_the_pilot_band_through_the_workflow(org, pilot, items, budget, outcome,
                                                           django_capture_on_commit_callbacks):
    """spec: H4 — with the S2 gate completed by the customer's signature, the pilot's band (55/85) decides:
    84 waits for the manager's approval (the standard would advance it), 86 advances, 57 stays in S2 with
    the approval opened (the standard would send it back)."""
    from opphub.gates.models import Approval, HealthRecord

    from .workflow.test_health import confirm, s2_waiting_for_the_sheet

    opp, sheet = s2_waiting_for_the_sheet(org, items=items, budget=budget)
    with django_capture_on_commit_callbacks(execute=True):
        opp = confirm(org, sheet)
    record = HealthRecord.objects.filter(opportunity=opp, stage="confirmation").latest("id")
    total = record.total
    pending = Approval.objects.filter(opportunity=opp, key="health_score", state="pending")
    if outcome == "advance":
        assert total > PILOT.health.advance_above
        assert opp.stage == "solution" and not pending.exists()
        return
    assert PILOT.health.back_below <= total <= PILOT.health.advance_above
    assert not (STANDARD.health.back_below <= total <= STANDARD.health.advance_above)  # the standard decides else
    assert opp.stage == "confirmation"
    assert pending.get().to_stage == "solution"
