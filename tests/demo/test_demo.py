"""spec: S1 numbering (YEAR-REGION-SEQ), S1-S5 stages and outcomes with stage history, P1-P4 roles —
the demo company (``opphub demo``) is complete, consistent with what the services write, and repeatable."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opphub import access
from opphub.customers import credit_code
from opphub.customers.models import Customer
from opphub.demo.generate import DemoRefused, demo_generate
from opphub.demo.org import DEMO_PASSWORD
from opphub.followups.models import FollowUp
from opphub.methodology.numbering import NUMBER_RE, parse_number
from opphub.opportunities.models import NumberSequence, Opportunity, StageHistory
from opphub.opportunities.services import opportunity_create
from opphub.people.models import Role, Team, User

pytestmark = pytest.mark.django_db

ANCHOR = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
SCALE = 0.05
OPEN_STAGES = ("discovery", "confirmation", "solution", "closing")


def _demo(seed: int = 3, **kwargs):  # type: ignore[no-untyped-def]
    return demo_generate(seed=seed, scale=SCALE, now=ANCHOR, **kwargs)


def _digest() -> str:
    h = hashlib.sha256()
    for row in Opportunity.objects.order_by("number").values_list("number", "name", "amount", "customer__name",
                                                                  "stage", "status", "owner__username"):
        h.update(repr(row).encode())
    for row in FollowUp.objects.order_by("opportunity__number", "occurred_at", "notes").values_list(
            "opportunity__number", "occurred_at", "kind", "notes"):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_every_role_has_a_login():
    """spec: P1-P4 — every role has a demo user with the shared password; the admin is staff and
    superuser; three sales teams (east with a sub-team), each with a manager."""
    _demo()
    for role in Role.values:
        users = User.objects.filter(role=role)
        assert users.exists(), role
        assert all(u.check_password(DEMO_PASSWORD) for u in users)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    top = Team.objects.filter(parent=None)
    assert {t.name for t in top} == {"华东大区", "华北大区", "华南大区"}
    assert Team.objects.filter(parent__name="华东大区").exists()
    assert all(t.manager_id for t in Team.objects.all())


def test_every_stage_and_outcome_occurs():
    """spec: S1-S5 — open opportunities in each of the four open stages, won and lost ones in the archive."""
    _demo()
    seen = set(Opportunity.objects.values_list("stage", "status").distinct())
    assert {(s, "open") for s in OPEN_STAGES} | {("archive", "won"), ("archive", "lost")} == seen
    amounts = list(Opportunity.objects.values_list("amount", flat=True))
    assert min(amounts) >= Decimal(50_000) and max(amounts) <= Decimal(5_000_000)
    assert Opportunity.objects.count() == round(1500 * SCALE)


def test_numbers_are_unique_formatted_and_sequential_per_region_and_year():
    """spec: S1 — YEAR-REGION-SEQ, one gap-free sequence per region and local year in creation order,
    and the stored sequence ends at the last number handed out."""
    _demo()
    seqs: dict[tuple[int, str], list[int]] = {}
    for number, created, code in Opportunity.objects.order_by("created_at", "id").values_list(
            "number", "created_at", "region__code"):
        assert NUMBER_RE.match(number), number
        year, region, seq = parse_number(number)
        assert region == code
        assert year == created.astimezone(dt.timezone(dt.timedelta(hours=8))).year
        seqs.setdefault((year, region), []).append(seq)
    for (year, region), numbers in seqs.items():
        assert numbers == list(range(1, len(numbers) + 1))
        assert NumberSequence.objects.get(region_code=region, year=year).last == len(numbers)


def test_a_new_opportunity_continues_the_demo_sequence():
    """spec: S1 — an opportunity created afterwards through the service takes the next number."""
    _demo()
    customer = Customer.objects.filter(owner__role=Role.REP).order_by("id").first()
    rep = customer.owner
    code = customer.region.code
    last = NumberSequence.objects.get(region_code=code, year=2026).last
    opp = opportunity_create(actor=rep, customer=customer, now=ANCHOR + dt.timedelta(hours=1), data={
        "name": "演示后新建商机", "amount": Decimal("300000"), "expected_close_date": dt.date(2027, 3, 1),
        "industry": customer.industry, "company_size": customer.size})
    assert opp.number == f"2026-{code}-{last + 1:03d}"
    assert StageHistory.objects.filter(opportunity=opp).count() == 1


def test_same_seed_same_data_other_seed_other_data():
    """spec: S1 — the demo is deterministic for one seed and anchor time (a reset reproduces it)."""
    _demo(seed=11)
    first = _digest()
    _demo(seed=11, force=True)
    assert _digest() == first
    _demo(seed=12, force=True)
    assert _digest() != first


def test_stage_histories_match_what_the_services_write():
    """spec: S1-S5, M5 — a history row per stage entered; each row is left when the next is entered; the
    last row is open and is the current stage (the archive stage at ``closed_at`` for closed ones);
    moves go forward one stage at a time or back; the version counts the moves."""
    _demo()
    order = (*OPEN_STAGES, "archive")
    history: dict[int, list[StageHistory]] = {}
    for row in StageHistory.objects.order_by("entered_at", "id"):
        history.setdefault(row.opportunity_id, []).append(row)
    for opp in Opportunity.objects.all():
        rows = history[opp.pk]
        assert rows[0].stage == "discovery" and rows[0].entered_at == opp.created_at
        for prev, nxt in itertools.pairwise(rows):
            assert prev.left_at == nxt.entered_at
            step = order.index(nxt.stage) - order.index(prev.stage)
            assert step == 1 or (step < 0 and nxt.stage != "archive") or nxt.stage == "archive"
        assert rows[-1].left_at is None
        assert rows[-1].stage == opp.stage and rows[-1].entered_at == opp.stage_entered_at
        assert opp.version == len(rows)
        if opp.status == "open":
            assert opp.closed_at is None and opp.stage != "archive"
        else:
            assert opp.stage == "archive" and opp.closed_at == opp.stage_entered_at
            if opp.status == "won":
                assert rows[-2].stage == "closing"
        assert opp.stage_entered_at <= ANCHOR


def test_followups_are_plausible():
    """spec: C1-C4, S3, X3, L5 — follow-ups lie within the opportunity's life, name the customer's own
    contacts, set last_followup_at, and their notes carry the signals the insights look for."""
    _demo()
    assert FollowUp.objects.count() > 5 * Opportunity.objects.count()
    for opp in Opportunity.objects.prefetch_related("followups__contacts"):
        fus = list(opp.followups.all())
        assert fus
        assert opp.last_followup_at == max(f.occurred_at for f in fus)
        for f in fus:
            assert opp.created_at <= f.occurred_at <= (opp.closed_at or ANCHOR)
            assert f.created_at <= ANCHOR
            assert all(c.customer_id == opp.customer_id for c in f.contacts.all())
    notes = " ".join(FollowUp.objects.values_list("notes", flat=True))
    assert "内部讨论" in notes or "内部评估" in notes


def test_customers_have_valid_unique_credit_codes_and_contacts():
    """spec: S2, H2 — Chinese company names and credit codes are unique and valid; 2-6 contacts with titles
    and decision-chain roles."""
    _demo()
    customers = list(Customer.objects.prefetch_related("contacts"))
    assert len({c.name for c in customers}) == len(customers)
    assert len({c.credit_code for c in customers}) == len(customers)
    for c in customers:
        assert credit_code.is_valid(c.credit_code)
        assert c.name.endswith("有限公司")
        assert 2 <= len(c.contacts.all()) <= 6
        assert all(p.title for p in c.contacts.all())


def test_supporters_see_the_opportunities_they_are_assigned_to():
    """spec: P2, P3 — presales joins from S2, customer success at S4; access follows the assignments."""
    _demo()
    presales = User.objects.filter(role=Role.PRESALES)
    seen = [access.visible_opportunities(u) for u in presales]
    assert any(qs.exists() for qs in seen)
    for qs in seen:
        assert not qs.exclude(stage_history__stage="confirmation").exists()
    cs = User.objects.get(role=Role.CUSTOMER_SUCCESS)
    assert not access.visible_opportunities(cs).exclude(stage_history__stage="closing").exists()


def test_refuses_a_database_with_opportunities():
    """spec: S1 — the demo never mixes into existing data unless --force is given."""
    _demo()
    with pytest.raises(DemoRefused):
        _demo()
    with pytest.raises(CommandError, match="--force"):
        call_command("demo", "--scale", "0.02", stdout=StringIO())


def test_command_prints_the_logins_and_keeps_existing_passwords(org):
    """spec: P1-P4 — the command ends with a table of logins; an existing user's password is not reset."""
    out = StringIO()
    call_command("demo", "--scale", "0.02", "--seed", "5", stdout=out, verbosity=0)
    text = out.getvalue()
    assert "manager.east" in text and "zhang.wei" in text and DEMO_PASSWORD in text
    assert "(unchanged)" in text  # the org fixture's "admin" and "director" keep their own password
    assert User.objects.get(username="admin").check_password("pw-Secret-123")
