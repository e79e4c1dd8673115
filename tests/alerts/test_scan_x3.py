"""The scan's X3 pre-filters (alerts.scan_x3) never drop an opportunity the pure core would flag."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from django.utils import timezone

from opphub.alerts.models import Alert, AlertKind
from opphub.alerts.scan import scan_run
from opphub.alerts.scan_x3 import slow_response_candidates
from opphub.followups.models import FollowUp
from opphub.methodology.playbook import load_playbook_file
from opphub.methodology.risk import internal_discussion_flag, response_time_flag
from opphub.opportunities.models import Opportunity
from opphub.opportunities.playbooks import playbook_of

from ..factories import make_opportunity

STANDARD = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")
WINDOW = STANDARD.rules.risk_window_followups  # X3 reads the newest 50 follow-ups (a playbook value)

NOW = timezone.localtime(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
DAY = dt.timedelta(days=1)
US = dt.timedelta(microseconds=1)
NOTES = ("电话沟通", "客户还在内部讨论预算", "對方說還在內部討論", "内部研究院来电", "发了报价", "內部評估中",
         "上门拜访", "寄送合同", "確認需求")


def _seq(rng: random.Random, n: int) -> list[tuple[dt.datetime, str]]:
    """Touches oldest first, ending before NOW: waits from minutes to six days, ties now and then."""
    gaps = [dt.timedelta(minutes=rng.choice([1, 30, 600, 1400, 2900, 4400, 8000])) for _ in range(n)]
    at = NOW - sum(gaps, dt.timedelta()) - dt.timedelta(minutes=rng.randint(1, 6000))
    out = []
    for gap in gaps:
        out.append((at, rng.choice(["out", "out", "in"])))
        at = at + (gap if rng.random() > 0.1 else dt.timedelta(0))
    return out


def _boundary_cases() -> list[list[tuple[dt.datetime, str]]]:
    """Exactly at and just past the limits: the latest response 3 days, the baseline 24 h (median of the
    first half; no hidden factor), a wait still pending at NOW."""
    t0 = NOW - 30 * DAY
    fast = [(t0, "out"), (t0 + DAY, "in"), (t0 + 2 * DAY, "out"), (t0 + 3 * DAY, "in")]
    cases = []
    for latest in (3 * DAY, 3 * DAY + US, 3 * DAY - US):
        cases.append([*fast, (t0 + 5 * DAY, "out"), (t0 + 5 * DAY + latest, "in")])  # answered late
        cases.append([*fast, (NOW - latest, "out")])  # still waiting
        cases.append([*fast, (NOW - latest, "out"), (NOW - latest + dt.timedelta(hours=1), "out")])  # chasers
    for baseline in (DAY, DAY + US, 2 * DAY):
        cases.append([(t0, "out"), (t0 + baseline, "in"), (t0 + 5 * DAY, "out"), (t0 + 5 * DAY + baseline, "in"),
                      (t0 + 9 * DAY, "out"), (t0 + 13 * DAY, "in")])
    # a long history: the window hides the slow early waits; only the newest WINDOW count
    long = [(t0 - 40 * DAY, "out"), (t0 - 30 * DAY, "in")]
    at = t0 - 29 * DAY
    for _ in range(WINDOW // 2):
        long += [(at, "out"), (at + dt.timedelta(hours=5), "in")]
        at += dt.timedelta(hours=12)
    cases.append([*long, (NOW - 4 * DAY, "out")])
    # the window starts inside a run of outbound chasers: the core measures from the first one it sees
    run = [(t0 - 20 * DAY + i * dt.timedelta(hours=1), "out") for i in range(WINDOW - 3)]
    cases.append([(t0 - 25 * DAY, "out"), *run, (t0 - 18 * DAY, "in"), (t0 - 10 * DAY, "out"), (t0 - 5 * DAY, "in")])
    return cases


@pytest.mark.django_db
def test_x3_scan_equals_the_pure_core_on_the_card_window(org):
    """spec: X3 — slow response and internal discussion as stored by the scan are exactly the pure core's
    flags on each opportunity's newest follow-ups (the SQL pre-filters only narrow the candidates)."""
    rng = random.Random(7)
    sequences = _boundary_cases() + [_seq(rng, rng.choice([0, 1, 2, 3, 5, 8, 12, 55])) for _ in range(90)]
    opps = []
    for touches in sequences:
        created = min([t for t, _d in touches], default=NOW - DAY) - DAY
        opp = make_opportunity(actor=org.r1, owner=org.r1, now=created)
        FollowUp.objects.bulk_create([
            FollowUp(opportunity=opp, author=org.r1, kind="phone", direction=d, occurred_at=t, created_at=t,
                     notes=rng.choice(NOTES))
            for t, d in touches])
        if touches:
            Opportunity.objects.filter(pk=opp.pk).update(last_followup_at=max(t for t, _d in touches))
        opps.append(opp)

    expected_slow, expected_talk = set(), set()
    for opp in opps:
        book = playbook_of(opp.playbook_version)
        newest = list(FollowUp.objects.filter(opportunity=opp).order_by("-occurred_at", "-id")[:WINDOW])
        if response_time_flag(book, [(f.occurred_at, f.direction) for f in reversed(newest)], now=NOW):
            expected_slow.add(opp.pk)
        if internal_discussion_flag(book, [f.notes for f in newest]):
            expected_talk.add(opp.pk)
    assert len(expected_slow) >= 8 and len(expected_talk) >= 8  # the data exercises both signals

    book_of = {o.playbook_version_id: playbook_of(o.playbook_version) for o in opps}
    candidates = set().union(*(slow_response_candidates(v, b, NOW) for v, b in book_of.items()))
    assert expected_slow <= candidates
    assert len(candidates) < len(opps) / 2  # and the pre-filter does narrow

    scan_run(now=NOW, escalate=False)

    def stored(kind: str) -> set[int]:
        return set(Alert.objects.filter(kind=kind, resolved_at__isnull=True).values_list("opportunity_id", flat=True))

    assert stored(AlertKind.SLOW_RESPONSE) == expected_slow
    assert stored(AlertKind.INTERNAL_DISCUSSION) == expected_talk
