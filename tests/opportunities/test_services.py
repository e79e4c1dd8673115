"""spec: S1 numbering, S1-S5 stage moves with history, audit of every field change, optimistic locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from opphub.audit.models import FieldChange
from opphub.audit.services import audit_history
from opphub.common.errors import MoveRefused, NotAllowed, StaleEdit
from opphub.opportunities.models import NumberSequence, Opportunity, StageHistory
from opphub.opportunities.services import opportunity_assign, opportunity_create, opportunity_update
from opphub.people.models import Region
from opphub.workflow.services import opportunity_close, opportunity_move_stage
from tests.factories import NOW, CustomerFactory, ProductFactory, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db


def test_numbers_per_region_and_year(org):
    """spec: S1 — one sequence per region per year, from the customer's region and the local year."""
    bj = Region.objects.create(code="BJ", name="北京")
    sh_customer = CustomerFactory(owner=org.r1, region=org.region)
    bj_customer = CustomerFactory(owner=org.r1, region=bj)
    assert make_opportunity(actor=org.r1, customer=sh_customer, now=NOW).number == "2026-SH-001"
    assert make_opportunity(actor=org.r1, customer=bj_customer, now=NOW).number == "2026-BJ-001"
    assert make_opportunity(actor=org.r1, customer=sh_customer, now=NOW).number == "2026-SH-002"
    # 2026-12-31 17:00 UTC is already 2027-01-01 in Shanghai: the local year counts.
    new_year = dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert make_opportunity(actor=org.r1, customer=sh_customer, now=new_year).number == "2027-SH-001"


def test_failed_creation_gives_its_number_back(org):
    """spec: S1 — numbers stay gap-free: a creation that fails leaves no hole."""
    customer = CustomerFactory(owner=org.r1)
    make_opportunity(actor=org.r1, customer=customer, now=NOW)
    with pytest.raises(ValidationError):
        make_opportunity(actor=org.r1, customer=customer, now=NOW, amount=Decimal("-5"))
    assert make_opportunity(actor=org.r1, customer=customer, now=NOW).number == "2026-SH-002"
    assert NumberSequence.objects.get(region_code="SH", year=2026).last == 2


def test_sequence_grows_past_999(org):
    NumberSequence.objects.create(region_code="SH", year=2026, last=999)
    assert make_opportunity(actor=org.r1, now=NOW).number == "2026-SH-1000"


def test_create_records_team_region_version_and_audit(org):
    """spec: S1 — the opportunity runs under its pipeline's playbook version; creation is audited."""
    product = ProductFactory()
    customer = CustomerFactory(owner=org.r3)
    opp = opportunity_create(actor=org.r3, customer=customer, products=[product], now=NOW, data={
        "name": "WMS 项目", "amount": Decimal("650000"), "expected_close_date": dt.date(2027, 1, 31),
        "industry": "retail", "company_size": "large", "budget_min": Decimal("500000"),
        "budget_max": Decimal("700000"), "requirement_1": "仓储可视化"})
    assert (opp.team, opp.region.code, opp.stage, opp.status) == (org.east2, "SH", "discovery", "open")
    assert opp.playbook_version.key == "standard"
    changes = {c.field: c.new_value for c in audit_history(opp)}
    assert changes["amount"] == "650000"
    assert changes["products"] == product.name
    assert changes["requirement_1"] == "仓储可视化"
    assert {c.action for c in audit_history(opp)} == {"create"}


def test_budget_range_must_be_ordered(org):
    with pytest.raises(ValidationError) as err:
        make_opportunity(actor=org.r1, now=NOW, budget_min=Decimal("9"), budget_max=Decimal("1"))
    assert "budget_max" in err.value.message_dict


def test_rep_cannot_create_for_someone_elses_customer_or_owner(org):
    other_customer = CustomerFactory(owner=org.r2)
    with pytest.raises(NotAllowed):
        make_opportunity(actor=org.r1, customer=other_customer, owner=org.r1, now=NOW)
    with pytest.raises(NotAllowed):
        make_opportunity(actor=org.r1, owner=org.r2, customer=CustomerFactory(owner=org.r1), now=NOW)
    with pytest.raises(NotAllowed):
        make_opportunity(actor=org.presales, owner=org.r1, customer=CustomerFactory(owner=org.r1), now=NOW)


def test_update_audits_each_changed_field(org):
    """Audit of every field change: who, when, old, new."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    later = NOW + dt.timedelta(hours=1)
    opportunity_update(actor=org.m1, opportunity=opp, now=later, expected_version=opp.version,
                       data={"amount": Decimal("900000"), "name": opp.name, "timeline": "明年一季度上线"})
    rows = FieldChange.objects.filter(action="update", object_id=str(opp.pk)).order_by("field")
    assert [(r.field, r.old_value, r.new_value, r.actor, r.at) for r in rows] == [
        ("amount", "800000", "900000", org.m1, later),
        ("timeline", "", "明年一季度上线", org.m1, later),
    ]


def test_stale_edit_is_refused_and_nothing_overwritten(org):
    """Two people edit the same opportunity: the second save names an old version and is refused."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    read_version = opp.version
    first = Opportunity.objects.get(pk=opp.pk)
    second = Opportunity.objects.get(pk=opp.pk)
    opportunity_update(actor=org.r1, opportunity=first, now=NOW, expected_version=read_version,
                       data={"amount": Decimal("1000000")})
    with pytest.raises(StaleEdit):
        opportunity_update(actor=org.m1, opportunity=second, now=NOW, expected_version=read_version,
                           data={"amount": Decimal("1")})
    opp.refresh_from_db()
    assert opp.amount == Decimal("1000000")
    assert opp.version == read_version + 1
    assert not FieldChange.objects.filter(object_id=str(opp.pk), new_value="1").exists()


def test_only_owner_managers_and_directors_edit(org):
    opp = make_opportunity(actor=org.r3, now=NOW)  # team east2, under m1
    for actor in (org.r1, org.r2, org.m2, org.presales, org.finance):
        with pytest.raises(NotAllowed):
            opportunity_update(actor=actor, opportunity=opp, now=NOW, expected_version=None,
                               data={"name": "x"})
    for actor in (org.r3, org.m1, org.director, org.admin):
        opportunity_update(actor=actor, opportunity=opp, now=NOW, expected_version=None,
                           data={"name": f"by {actor.username}"})


def test_move_records_stage_history_with_durations(org):
    """spec: S1→S2→S3 moves write stage history (entered, left, duration); skipping is refused."""
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))
    t1, t2 = NOW + dt.timedelta(days=5), NOW + dt.timedelta(days=12)
    opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="confirmation", now=t1,
                           expected_version=opp.version)
    opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="solution", now=t2)
    history = list(StageHistory.objects.filter(opportunity=opp))
    assert [(h.stage, h.entered_at, h.left_at) for h in history] == [
        ("discovery", NOW, t1), ("confirmation", t1, t2), ("solution", t2, None)]
    assert history[0].duration == dt.timedelta(days=5)
    opp.refresh_from_db()
    assert (opp.stage, opp.stage_entered_at) == ("solution", t2)
    assert audit_history(opp).filter(field="stage").first().new_value == "solution"


def test_move_refusal_changes_nothing(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    with pytest.raises(MoveRefused) as err:
        opportunity_move_stage(actor=org.r1, opportunity=fulfil(opp), to_stage="closing", now=NOW)
    assert err.value.details  # the checklist of what is unmet
    opp.refresh_from_db()
    assert opp.stage == "discovery"
    assert StageHistory.objects.filter(opportunity=opp).count() == 1


def test_stale_move_is_refused(org):
    """Two people moving one opportunity at once: the second is told, nothing is half-saved."""
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))
    version = opp.version
    opportunity_move_stage(actor=org.r1, opportunity=Opportunity.objects.get(pk=opp.pk),
                           to_stage="confirmation", now=NOW, expected_version=version)
    with pytest.raises(StaleEdit):
        opportunity_move_stage(actor=org.m1, opportunity=Opportunity.objects.get(pk=opp.pk),
                               to_stage="discovery", now=NOW, expected_version=version)
    assert StageHistory.objects.filter(opportunity=opp).count() == 2


def test_close_won_and_lost(org):
    """spec: S4 won from Closing, S5 archive; lost from any open stage."""
    won = make_opportunity(actor=org.r1, now=NOW)
    for stage in ("confirmation", "solution", "closing"):
        opportunity_move_stage(actor=org.r1, opportunity=fulfil(won), to_stage=stage, now=NOW)
    later = NOW + dt.timedelta(days=1)
    opportunity_close(actor=org.r1, opportunity=fulfil(won), outcome="won", now=later)
    won.refresh_from_db()
    assert (won.status, won.stage, won.closed_at) == ("won", "archive", later)
    lost = make_opportunity(actor=org.r1, now=NOW)
    opportunity_close(actor=org.r1, opportunity=lost, outcome="lost", now=later, note="价格")
    assert StageHistory.objects.filter(opportunity=lost).last().note == "价格"
    with pytest.raises(MoveRefused):
        opportunity_close(actor=org.r1, opportunity=lost, outcome="won", now=later)
    early = make_opportunity(actor=org.r1, now=NOW)
    with pytest.raises(MoveRefused):
        opportunity_close(actor=org.r1, opportunity=early, outcome="won", now=later)


def test_assign_supporters(org):
    opp = make_opportunity(actor=org.r1, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=NOW)  # idempotent
    assert opp.assignments.count() == 1
    with pytest.raises(ValidationError):
        opportunity_assign(actor=org.r1, opportunity=opp, user=org.r2, now=NOW)


def test_decision_on_a_stale_copy_is_refused_without_a_version(org):
    """A move decided on a copy read before someone closed the opportunity is refused even when the
    caller sends no version: a lost opportunity never lands back in an open stage."""
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))
    first = Opportunity.objects.get(pk=opp.pk)
    second = Opportunity.objects.get(pk=opp.pk)
    opportunity_close(actor=org.r1, opportunity=first, outcome="lost", now=NOW)
    with pytest.raises(StaleEdit):
        opportunity_move_stage(actor=org.m1, opportunity=second, to_stage="confirmation", now=NOW)
    opp.refresh_from_db()
    assert (opp.status, opp.stage) == ("lost", "archive")
    assert StageHistory.objects.filter(opportunity=opp, left_at__isnull=True).get().stage == "archive"
