"""The set-based scan (issue 4 items 2, 5-7, 9): time travel with a fixed ``now``."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from opphub.alerts import scan, thresholds
from opphub.alerts.models import Alert, AlertKind, PenaltyEntry
from opphub.alerts.scan import scan_run
from opphub.followups.models import FollowUp
from opphub.followups.services import followup_log
from opphub.methodology.business_days import WorkCalendar
from opphub.methodology.cadence import CadenceInput, Touch, cadence_state
from opphub.methodology.risk import duration_flag
from opphub.opportunities.models import Opportunity
from opphub.opportunities.playbooks import playbook_of
from opphub.opportunities.risks import stage_average
from opphub.workdays.calendar import work_calendar

from ..factories import make_opportunity

NOW = timezone.localtime(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))  # Friday 18:00 Shanghai
STAGES = ["discovery", "confirmation", "solution", "closing"]


def _opp(org, owner=None, *, created, stage="discovery", entered=None):  # type: ignore[no-untyped-def]
    owner = owner or org.r1
    opp = make_opportunity(actor=owner, owner=owner, now=created)
    Opportunity.objects.filter(pk=opp.pk).update(stage=stage, stage_entered_at=entered or created)
    opp.refresh_from_db()
    return opp


def on_released_playbook(opp, version="1.2.0"):  # type: ignore[no-untyped-def]
    """Move ``opp`` onto a released playbook file (tests/methodology/data), as if created under it."""
    from pathlib import Path

    from opphub.methodology.playbook import load_playbook_file
    from opphub.opportunities.models import PlaybookVersion

    path = Path(__file__).parent.parent / "methodology" / "data" / f"standard-{version}.toml"
    book = load_playbook_file(path)
    stored, _created = PlaybookVersion.objects.get_or_create(
        key="standard-released", version=version,
        defaults={"content": path.read_text(encoding="utf-8"), "digest": book.digest})
    Opportunity.objects.filter(pk=opp.pk).update(playbook_version=stored)
    opp.refresh_from_db()
    return opp


def _touch(opp, at, direction="out", notes="电话沟通"):  # type: ignore[no-untyped-def]
    FollowUp.objects.create(opportunity=opp, author=opp.owner, kind="phone", direction=direction, occurred_at=at,
                            notes=notes, created_at=at)
    last = max(f.occurred_at for f in opp.followups.all())
    Opportunity.objects.filter(pk=opp.pk).update(last_followup_at=last)


def _open_ids(kind):  # type: ignore[no-untyped-def]
    return set(Alert.objects.filter(kind=kind, resolved_at__isnull=True).values_list("opportunity_id", flat=True))


@pytest.mark.django_db
def test_sql_scan_agrees_with_the_pure_functions(org):
    """spec: C1-C4, P6, M5 — the SQL predicates give the pure core's answers on varied opportunities."""
    rng = random.Random(4)
    opps = []
    for i in range(40):
        created = NOW - dt.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
        entered = created + dt.timedelta(days=rng.randint(0, max((NOW - created).days - 1, 0)))
        opp = _opp(org, [org.r1, org.r2, org.r3][i % 3], created=created, stage=STAGES[i % 4], entered=entered)
        for _ in range(rng.randint(0, 4)):
            _touch(opp, created + (NOW - created) * rng.random(), rng.choice(["out", "in"]))
        if i % 10 == 0:  # a touch logged a few minutes "in the future" (the service's tolerance)
            _touch(opp, NOW + dt.timedelta(minutes=5))
        opps.append(opp)
    scan_run(now=NOW, x3=False, escalate=False)
    calendar = work_calendar()
    overdue, zombies, interventions, risky = (_open_ids(k) for k in (
        AlertKind.OVERDUE_TOUCH, AlertKind.ZOMBIE, AlertKind.INTERVENTION, AlertKind.HIGH_RISK))
    seen = {"overdue": 0, "zombie": 0, "intervention": 0, "risk": 0}
    for opp in Opportunity.objects.filter(pk__in=[o.pk for o in opps]).select_related("playbook_version"):
        book = playbook_of(opp.playbook_version)
        touches = tuple(Touch(f.occurred_at, f.kind, f.direction) for f in opp.followups.all())
        last = max(t for t in (opp.last_followup_at, opp.created_at) if t is not None)
        state = cadence_state(book, CadenceInput(stage=opp.stage, status="open", stage_entered_at=opp.stage_entered_at,
                                                 touches=touches, last_update_at=last), NOW, calendar)
        assert (opp.pk in overdue) == state.touch.overdue, opp.number
        assert (opp.pk in zombies) == state.zombie.penalty_due, opp.number
        assert (opp.pk in interventions) == state.zombie.intervention_due, opp.number
        average = stage_average(book, opp.stage, NOW, pipeline_id=opp.pipeline_id, version_id=opp.playbook_version_id)
        flag = duration_flag(book, opp.stage, NOW - opp.stage_entered_at, average)
        assert (opp.pk in risky) == (flag is not None), opp.number
        seen["overdue"] += state.touch.overdue
        seen["zombie"] += state.zombie.penalty_due
        seen["intervention"] += state.zombie.intervention_due
        seen["risk"] += flag is not None
    assert all(0 < n < 40 for n in seen.values()), seen  # both answers occur for every rule
    due = Alert.objects.filter(kind=AlertKind.OVERDUE_TOUCH).first()
    assert due.due_at == due.basis_at + dt.timedelta(days=playbook_of(due.opportunity.playbook_version)
                                                     .stage(due.opportunity.stage).cadence.per_days)


def test_working_day_thresholds_match_the_pure_rule():
    """spec: C3, P6, D13 — working-day cadences and streaks: the threshold moment equals the pure answer,
    across the National Day week (official data in the calendar)."""
    from dataclasses import replace
    from pathlib import Path

    from opphub.methodology.cadence import next_touch, zombie_state
    from opphub.methodology.playbook import load_playbook_file
    from opphub.workdays.calendar import official_calendar

    book = load_playbook_file(Path("playbooks/standard.toml"))
    stage = book.stage("solution")
    cad = replace(stage.cadence, working_days=True, touches=1, per_days=2)
    book2 = replace(book, stages=tuple(replace(s, cadence=cad) if s.key == "solution" else s for s in book.stages))
    cal: WorkCalendar = official_calendar()
    tz = NOW.tzinfo
    for now in [dt.datetime(2026, 10, 9, 9, tzinfo=tz), dt.datetime(2026, 10, 12, 23, tzinfo=tz), NOW]:
        limit = thresholds.touch_threshold(cad, now, cal)
        zlimit = thresholds.days_without_update_threshold(3, now, cal)
        for hours in range(0, 24 * 20, 5):
            base = now - dt.timedelta(hours=hours)
            inp = CadenceInput(stage="solution", status="open", stage_entered_at=base)
            assert next_touch(book2, inp, now, cal).overdue == (base < limit), (now, base)
            assert zombie_state(book2, base, now, cal, working_days=True).penalty_due == (base < zlimit), (now, base)
            climit = thresholds.days_without_update_threshold(3, now, cal, working_days=False)
            assert zombie_state(book2, base, now, cal).penalty_due == (base < climit), (now, base)  # 1.3.0: calendar


@pytest.mark.django_db
def test_rerun_creates_no_duplicates_and_a_touch_resolves(org):
    """spec: C1, M3, P6 — rerunning is idempotent; logging a follow-up resolves the overdue touch at once."""
    opp = _opp(org, created=NOW - dt.timedelta(days=12))  # discovery: 1 touch a week, none for 12 days
    first = scan_run(now=NOW, x3=False)
    counts = (Alert.objects.count(), PenaltyEntry.objects.count())
    second = scan_run(now=NOW + dt.timedelta(minutes=15), x3=False)
    assert (Alert.objects.count(), PenaltyEntry.objects.count()) == counts
    assert first.raised[AlertKind.OVERDUE_TOUCH] == 1 and second.raised[AlertKind.OVERDUE_TOUCH] == 0
    assert first.escalated == 1 and second.escalated == 0
    followup_log(actor=org.r1, opportunity=opp, data={"kind": "phone", "notes": "回访", "occurred_at": NOW}, now=NOW)
    assert not _open_ids(AlertKind.OVERDUE_TOUCH) and not _open_ids(AlertKind.ZOMBIE)
    scan_run(now=NOW + dt.timedelta(hours=1), x3=False)
    assert not _open_ids(AlertKind.OVERDUE_TOUCH)


@pytest.mark.django_db
def test_zombie_penalty_once_per_streak_in_the_month_that_completed_it(org):
    """spec: P6 (working-days switch: the released 1.2.0 playbook counts working days) — Fri 2026-10-30
    update; Mon, Tue, Wed without → due Wed 2026-11-04: −5 in 2026-11, once; more than 7 working days →
    an intervention task for the manager."""
    opp = on_released_playbook(_opp(org, created=dt.datetime(2026, 10, 30, 10, tzinfo=NOW.tzinfo)))
    scan_run(now=dt.datetime(2026, 11, 4, 9, tzinfo=NOW.tzinfo), x3=False)
    assert not PenaltyEntry.objects.exists()  # Mon+Tue only: today is not over
    scan_run(now=dt.datetime(2026, 11, 5, 9, tzinfo=NOW.tzinfo), x3=False)
    scan_run(now=dt.datetime(2026, 11, 6, 9, tzinfo=NOW.tzinfo), x3=False)
    entry = PenaltyEntry.objects.get()
    assert (entry.user, entry.month, entry.points, entry.opportunity) == (org.r1, "2026-11", -5, opp)
    assert opp.pk not in _open_ids(AlertKind.INTERVENTION)
    scan_run(now=dt.datetime(2026, 11, 11, 9, tzinfo=NOW.tzinfo), x3=False)  # 7 working days: not yet
    assert opp.pk not in _open_ids(AlertKind.INTERVENTION)
    scan_run(now=dt.datetime(2026, 11, 12, 9, tzinfo=NOW.tzinfo), x3=False)  # 8
    assert opp.pk in _open_ids(AlertKind.INTERVENTION)
    assert PenaltyEntry.objects.count() == 1


@pytest.mark.django_db
def test_x3_flags_are_stored_for_the_board(org, client):
    """spec: X3 — "discussing internally" twice in the notes, and a customer who went quiet, become stored
    flags; the board shows their badges without a query per card."""
    created = NOW - dt.timedelta(days=20)
    talk = _opp(org, created=created)
    _touch(talk, created + dt.timedelta(days=1), notes="客户还在内部讨论预算")
    _touch(talk, created + dt.timedelta(days=3), notes="对方說還在內部討論")
    slow = _opp(org, created=created)
    for day, direction in ((1, "out"), (1.5, "in"), (3, "out"), (3.4, "in"), (5, "out"), (10, "in")):
        _touch(slow, created + dt.timedelta(days=day), direction)
    quiet = _opp(org, created=created)
    _touch(quiet, created + dt.timedelta(days=1), notes="内部研究院来电")
    scan_run(now=NOW, escalate=False)
    assert _open_ids(AlertKind.INTERNAL_DISCUSSION) == {talk.pk}
    assert _open_ids(AlertKind.SLOW_RESPONSE) == {slow.pk}
    client.force_login(org.r1)
    page = client.get("/opportunities/board/").content.decode()
    assert "Slow customer response" in page or "客户回复变慢" in page or "badge warn" in page
    assert page.count('class="badge warn"') >= 2


def test_scan_module_has_no_per_row_orm_loop():
    """Issue 4 item 9: the rule queries are built per (version, stage); nothing iterates opportunities."""
    import inspect

    source = inspect.getsource(scan.sync_alerts) + inspect.getsource(scan.book_penalties)
    assert "for opp" not in source and ".iterator(" not in source
