"""H4 at the end of every stage, automatically (issue 8 item 1): the write path and the worker's scan."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from opphub.gates import services
from opphub.gates.models import Approval, Document, HealthRecord, RequirementScore, StageRecord
from opphub.notifications.models import Delivery
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.playbooks import playbooks_sync
from opphub.workflow.health import health_scan, verdicts
from opphub.workflow.services import opportunity_move_stage
from tests.factories import NOW, make_opportunity
from tests.stagework import PDF, advance_to, fulfil

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
ITEMS = ["pain_clarity", "scenario_fit", "functional_fit", "technical_fit", "integration", "timeline_fit",
         "implementation", "evaluation", "scale_fit", "service_fit"]
LATER = NOW + dt.timedelta(hours=1)


def _scores(opp, values):  # type: ignore[no-untyped-def]
    for item, value in zip(ITEMS, values, strict=True):
        RequirementScore.objects.filter(opportunity=opp, item=item).update(score=Decimal(value))


def s2_waiting_for_the_sheet(org, *, items, budget=("explicit_amount", "approved", "in_annual_plan")):  # type: ignore[no-untyped-def]
    """An S2 opportunity whose gate to S3 lacks only the customer's confirmation of the 需求确认单; the
    whole decision chain reached (30) and ``budget`` evidenced; the 10 items scored ``items``."""
    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "confirmation", now=NOW)
    fulfil(opp)
    _scores(opp, items)
    StageRecord.objects.filter(pk=opp.pk).update(**{f"budget_{f}": f in budget for f in
                                                    ("explicit_amount", "approved", "in_annual_plan")})
    sheet = Document.objects.get(opportunity=opp, doc_type="confirmation_sheet")
    Document.objects.filter(pk=sheet.pk).update(confirmed_at=None, confirmation="", confirmation_name="")
    sheet.refresh_from_db()
    return Opportunity.objects.get(pk=opp.pk), sheet


def confirm(org, sheet, at=LATER):  # type: ignore[no-untyped-def]
    """The rep attaches the customer's signature to the sheet (the last S2 output)."""
    scan = SimpleUploadedFile("签字.pdf", PDF, content_type="application/pdf")
    services.document_confirm(actor=org.r1, document=sheet, confirmation=scan, now=at)
    return Opportunity.objects.get(pk=sheet.opportunity_id)


def history(opp):  # type: ignore[no-untyped-def]
    return list(StageHistory.objects.filter(opportunity=opp).order_by("entered_at", "id").values_list("stage", "note"))


ABOVE = ["52.5"] + ["50"] * 9  # H1 20.1 → 80.1
AT_80 = ["50"] * 10  # H1 20 → 80
AT_80_01 = ["50.25"] + ["50"] * 9  # H1 20.01 → 20.0 → 80 (shown 80, decided 80)


def test_above_the_band_with_a_complete_gate_advances_by_itself(org, django_capture_on_commit_callbacks):
    """spec: H4 — > 80 with the next gate complete: the system moves it, says so in the stage history, and
    tells the owner in-app."""
    opp, sheet = s2_waiting_for_the_sheet(org, items=ABOVE)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        opp = confirm(org, sheet)
    assert opp.stage == "solution" and opp.stage_entered_at == LATER
    assert history(opp)[-1] == ("solution", "Advanced automatically, health score 80.1.")
    record = HealthRecord.objects.get(opportunity=opp, stage="confirmation")
    assert (record.total, record.decision, record.reason) == (Decimal("80.10"), "advance", "auto")
    told = Delivery.objects.get(recipient=org.r1, kind="advanced", channel="inapp")
    assert "advanced automatically to Solution: health score 80.1" in told.subject


@pytest.mark.parametrize("items", [AT_80, AT_80_01], ids=["80", "80.01"])
def test_80_and_80_01_open_the_managers_approval_once(org, items, django_capture_on_commit_callbacks):
    """spec: H4 — 80 (and 80.01, which is shown and decided as 80) is inside the band: the manager's approval
    is opened automatically, once however often the inputs change; the owner sees it pending."""
    opp, sheet = s2_waiting_for_the_sheet(org, items=items)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        opp = confirm(org, sheet)
        for i in range(3):  # the inputs keep changing
            services.requirement_scores_save(actor=org.r1, opportunity=opp, scores={"service_fit": str(50 - i)},
                                             now=LATER + dt.timedelta(minutes=i))
            services.stage_record_update(actor=org.r1, opportunity=opp, data={"budget_approved": True}, now=LATER,
                                         expected_version=None)
    opp.refresh_from_db()
    assert opp.stage == "confirmation"
    approval = Approval.objects.get(opportunity=opp, key="health_score")
    assert (approval.state, approval.to_stage, approval.requested_by) == ("pending", "solution", org.r1)
    assert approval.health.total == Decimal("80.00")
    assert HealthRecord.objects.filter(opportunity=opp, stage="confirmation").count() == 1
    from opphub.access import approval_requests_by

    assert list(approval_requests_by(org.r1)) == [approval]  # on the owner's My day, pending
    assert Delivery.objects.filter(recipient=org.m1, kind="approval_requested", channel="inapp").count() == 1
    # the manager approves: the approval moves it (the gate is still met)
    services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="同意", now=LATER)
    opp.refresh_from_db()
    assert opp.stage == "solution"


def test_an_incomplete_gate_never_moves_automatically(org):
    """spec: H4, M2 — a score of 100 does nothing while the next stage's gate is incomplete."""
    opp, _sheet = s2_waiting_for_the_sheet(org, items=["100"] * 10)
    services.requirement_scores_save(actor=org.r1, opportunity=opp, scores={"pain_clarity": "100"}, now=LATER)
    services.stage_record_update(actor=org.r1, opportunity=opp, data={"budget_approved": True}, now=LATER,
                                 expected_version=None)
    health_scan(now=LATER)
    opp.refresh_from_db()
    assert opp.stage == "confirmation"
    assert not HealthRecord.objects.filter(opportunity=opp, stage="confirmation").exists()
    assert not Approval.objects.filter(opportunity=opp, key="health_score").exists()


def test_below_the_band_goes_back_one_stage_with_the_reason(org, django_capture_on_commit_callbacks):
    """spec: H4 — < 60 with a complete gate: back to the previous stage, the reason in its history, the
    owner told; then it stays (S1 below the band is "not ready", nothing moves back and forth)."""
    opp, sheet = s2_waiting_for_the_sheet(org, items=["40"] * 10, budget=("approved",))  # 16 + 30 + 15 = 61
    RequirementScore.objects.filter(opportunity=opp).update(score=Decimal("30"))  # 12 + 30 + 15 = 57
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        opp = confirm(org, sheet)
    assert opp.stage == "discovery"
    assert history(opp)[-1] == ("discovery", "Health score 57 is below 60.")
    assert Delivery.objects.filter(recipient=org.r1, kind="sent_back", channel="inapp").count() == 1
    services.requirement_scores_save(actor=org.r1, opportunity=opp, scores={"pain_clarity": "31"}, now=LATER)
    health_scan(now=LATER + dt.timedelta(minutes=15))
    opp.refresh_from_db()
    assert opp.stage == "discovery" and len(history(opp)) == 3


def test_s1_below_the_band_stays_not_ready_and_the_card_says_so(org, client):
    """spec: H4, S1 — no earlier stage: the manager approves the screening report, the score is below 60, the
    opportunity stays in S1 marked not ready; the card never advises going back a stage."""
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))  # screening match 90, budget evidenced: 66
    StageRecord.objects.filter(pk=opp.pk).update(budget_approved=False, budget_in_annual_plan=False,
                                                 budget_explicit_amount=False)  # 36
    Approval.objects.filter(opportunity=opp).delete()
    approval = services.approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=NOW)
    services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="", now=LATER)
    opp.refresh_from_db()
    assert opp.stage == "discovery" and not HealthRecord.objects.filter(opportunity=opp).exists()
    client.force_login(org.r1)
    html = client.get(f"/opportunities/{opp.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not ready to leave the first stage" in html and "Goes back a stage" not in html
    with translation.override("en"):
        outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="confirmation", now=LATER)
    assert (outcome.result, opp.stage) == ("not_ready", "discovery") and "not ready" in outcome.message


def test_s1_in_the_band_moves_on_with_the_screening_approval(org):
    """spec: H4, S2 gate — in S1 the manager's approval of the screening report is the band's approval: 66
    moves on by itself once the manager approves."""
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))  # 66
    Approval.objects.filter(opportunity=opp).delete()
    approval = services.approval_request(actor=org.r1, opportunity=opp, key="screening_report", now=NOW)
    with translation.override("en"):
        services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="", now=LATER)
    opp.refresh_from_db()
    assert opp.stage == "confirmation"
    assert history(opp)[-1] == ("confirmation", "Advanced automatically, health score 66.")


@pytest.fixture
def switched_off(tmp_path, settings):  # type: ignore[no-untyped-def]
    """A pipeline whose playbook turns automatic advancing off."""
    shutil.copy(ROOT / "playbooks" / "standard.toml", tmp_path / "standard.toml")
    path = tmp_path / "standard.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("auto_advance = true", "auto_advance = false").replace('version = "1.3.0"',
                                                                                'version = "1.3.0-manual"', 1)
    path.write_text(text, encoding="utf-8")
    settings.OPPHUB_PLAYBOOK_DIR = tmp_path
    playbooks_sync()


def test_the_playbook_switch_turns_automatic_advancing_off(org, switched_off):
    """spec: H4, L2 — with ``[health] auto_advance = false`` nothing moves by itself (write or scan); a manual
    move still runs the same decision."""
    opp, sheet = s2_waiting_for_the_sheet(org, items=ABOVE)
    assert opp.playbook_version.version == "1.3.0-manual"
    opp = confirm(org, sheet)
    health_scan(now=LATER)
    opp.refresh_from_db()
    assert opp.stage == "confirmation" and not HealthRecord.objects.filter(opportunity=opp, stage=opp.stage).exists()
    outcome = opportunity_move_stage(actor=org.r1, opportunity=opp, to_stage="solution", now=LATER)
    assert (outcome.result, opp.stage) == ("moved", "solution")
    assert HealthRecord.objects.get(opportunity=opp, stage="confirmation").total == Decimal("80.10")


@pytest.mark.parametrize(("second", "result", "shown"), [("23.75", "approval", "60"), ("23.5", "back", "59.9")])
def test_rounding_decides_on_the_number_shown(org, second, result, shown):
    """spec: H4 — one rounding rule: 30 + 25 + 4.95 = 59.95 is shown as 60 and goes to approval; 59.94 is
    shown as 59.9 and goes back. Never "60.00" shown and sent back, or 59.995 shown as 60 and sent back."""
    items = ["100", second] + ["0"] * 8
    opp, sheet = s2_waiting_for_the_sheet(org, items=items, budget=("explicit_amount", "approved"))
    with translation.override("en"):
        opp = confirm(org, sheet)
    record = HealthRecord.objects.get(opportunity=opp, stage="confirmation")
    assert record.decision == result and str(record.total) == f"{Decimal(shown):.2f}"
    if result == "back":
        assert history(opp)[-1] == ("discovery", f"Health score {shown} is below 60.")
    else:
        assert opp.stage == "confirmation"
        assert Approval.objects.get(opportunity=opp, key="health_score", state="pending").health == record


def test_the_scan_does_what_the_write_does(org):
    """spec: H4 — an input written without the service (an import, a fix in the database) is caught by the
    worker's scan with the same result as the write path: same stage, note and saved score."""
    by_write, sheet = s2_waiting_for_the_sheet(org, items=ABOVE)
    by_scan, sheet2 = s2_waiting_for_the_sheet(org, items=ABOVE)
    with translation.override("en"):
        confirm(org, sheet)
        Document.objects.filter(pk=sheet2.pk).update(confirmed_at=LATER, confirmation_name="签字.pdf")
        counts = health_scan(now=LATER)
    assert counts["moved"] == 1
    a, b = Opportunity.objects.get(pk=by_write.pk), Opportunity.objects.get(pk=by_scan.pk)
    assert (a.stage, a.stage_entered_at) == (b.stage, b.stage_entered_at) == ("solution", LATER)
    assert history(a)[-1] == history(b)[-1]
    ra, rb = (HealthRecord.objects.get(opportunity=o, stage="confirmation") for o in (a, b))
    assert (ra.total, ra.decision) == (rb.total, rb.decision)
    assert health_scan(now=LATER + dt.timedelta(minutes=15))["moved"] == 0  # idempotent


def test_the_scan_reads_in_a_fixed_number_of_queries(org):
    """spec: H4 (set-based scan) — the verdicts of 2 or 8 opportunities cost the same number of queries."""
    def cost(n):  # type: ignore[no-untyped-def]
        opps = [make_opportunity(actor=org.r1, now=NOW) for _ in range(n)]
        fresh = list(Opportunity.objects.filter(pk__in=[o.pk for o in opps]).select_related("playbook_version"))
        with CaptureQueriesContext(connection) as ctx:
            verdicts(fresh, now=LATER)
        return len(ctx.captured_queries)

    assert cost(2) == cost(8)


def test_the_api_move_says_what_h4_decided_with_the_number_shown(org):
    """spec: H4 — POST /move answers the outcome, the message and the score it was decided on (one decimal):
    80.01 is 80, inside the band, so the move waits for the manager."""
    from tests.api.clients import session_client

    opp, sheet = s2_waiting_for_the_sheet(org, items=AT_80_01)
    Document.objects.filter(pk=sheet.pk).update(confirmed_at=NOW, confirmation_name="签字.pdf")  # no review ran
    r = session_client(org.r1).post(f"/api/opportunities/{opp.number}/move", {"to_stage": "solution"},
                                    content_type="application/json")
    body = r.json()
    assert r.status_code == 200 and (body["outcome"], body["health_total"], body["stage"]) == (
        "approval", "80", "confirmation")
    assert "health score is 80 (60–80)" in body["message"]
