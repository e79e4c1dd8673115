"""A refused move shows the way (issue 10 item 2): every unmet gate item links to the place that fixes it,
built in one place (``gates.unmet.unmet_url``) and used by the card, the stage page, the move view and the
board; the places preselect or focus what the link names. Scores read cleanly (item 3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.messages import INFO, get_messages
from django.urls import reverse

from opphub.gates.models import Approval, StageRecord
from opphub.gates.unmet import unmet_link, unmet_url
from opphub.methodology.playbook import load_playbook_file
from opphub.methodology.stages import Unmet
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, client_for, make_opportunity
from tests.stagework import advance_to, fulfil

N = "2026-SH-001"
STAGE = f"/opportunities/{N}/stage/"
EDIT = f"/opportunities/{N}/edit/"
CARD = f"/opportunities/{N}/"


def u(code: str, **params: str) -> Unmet:
    return Unmet(code, tuple(params.items()))


@pytest.mark.parametrize(("unmet", "url"), [
    (u("field_missing", field="pain_points"), f"{EDIT}?field=pain_points#id_pain_points"),
    (u("field_missing", field="budget_range"), f"{EDIT}?field=budget_min#id_budget_min"),
    (u("field_missing", field="interview_why"), f"{STAGE}?field=interview_why#id_interview_why"),
    (u("field_missing", field="service_contact"), f"{STAGE}?field=service_contact#id_service_contact"),
    (u("requirement_match_unknown", min="60"), f"{STAGE}?field=screening_match#id_screening_match"),
    (u("requirement_match_low", min="60", have="40"), f"{STAGE}?field=screening_match#id_screening_match"),
    (u("budget_unknown"), f"{EDIT}?field=budget_max#id_budget_max"),
    (u("budget_below_price_band", budget="1", price_band_min="2"), f"{EDIT}?field=budget_max#id_budget_max"),
    (u("price_band_unknown"), f"{EDIT}?field=products#id_products_0"),
    (u("document_missing", document="confirmation_sheet"), f"{STAGE}?doc_type=confirmation_sheet#upload"),
    (u("document_not_confirmed", document="contract"), f"{STAGE}?doc_type=contract#documents"),
    (u("approval_missing", approval="screening_report"), f"{STAGE}?approval=screening_report#request-approval"),
    (u("participant_missing", role="presales"), f"{STAGE}?role=presales#assign"),
    (u("requirement_items_unscored", count="3"), f"{STAGE}#scores"),
    (u("objections_open", count="1"), f"{STAGE}#objections"),
    (u("activity_missing", kind="interview", count="1", have="0"), f"{CARD}?kind=interview#followups"),
    (u("followups_missing", every_days="7", periods="1", since="2026-01-01"), f"{CARD}#followups"),
    (u("director_not_contacted"), f"{CARD}#followups"),
    (u("skips_stage", stage="solution"), ""),
    (u("closed_opportunity", status="won"), ""),
])
def test_each_unmet_code_links_to_the_place_that_fixes_it(unmet, url):
    """spec: M2 (issue 10 item 2) — one link per code: a field → the form with it focused; a document → the
    upload with its type chosen; an approval → the request button; a participant → the assign control;
    activity → the card's follow-up form; the order of stages → nothing to link."""
    assert unmet_url(N, unmet) == url


def test_the_link_carries_the_checklist_text():
    """spec: M2 — the text is the checklist's message in the user's language."""
    book = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")
    text, url = unmet_link(book, N, u("document_missing", document="confirmation_sheet"))
    assert text == "Upload the Requirement confirmation sheet." and url.endswith("#upload")


@pytest.mark.django_db
def test_card_and_stage_page_link_each_item(org):
    """spec: M2 — the card's and the stage page's checklists link each missing item to its place."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    n = opp.number
    stage_url = reverse("gates:stage", kwargs={"number": n})
    for page in (reverse("opportunities:card", kwargs={"number": n}), stage_url):
        html = client_for(org.r1).get(page).content.decode()
        gate = html[html.index('id="gate"'):html.index("</section>", html.index('id="gate"'))]
        assert f'<a href="{stage_url}?doc_type=screening_report#upload">Upload the Screening report.</a>' in gate
        assert f'<a href="{stage_url}?approval=screening_report#request-approval">' in gate
        assert f'<a href="/opportunities/{n}/edit/?field=pain_points#id_pain_points">' in gate


@pytest.mark.django_db
def test_links_only_where_the_viewer_can_act(org):
    """spec: P2, M2 — an assigned presales engineer gets the stage page's links but not the edit form's; an
    assigned finance reviewer reads the checklist as plain text."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    for user in (org.presales, org.finance):
        opportunity_assign(actor=org.r1, opportunity=opp, user=user, now=NOW)
    stage_url = reverse("gates:stage", kwargs={"number": opp.number})
    html = client_for(org.presales).get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    gate = html[html.index('id="gate"'):html.index("</section>", html.index('id="gate"'))]
    assert f'<a href="{stage_url}?doc_type=screening_report#upload">' in gate
    assert "/edit/" not in gate and "<li>Fill in “core pain points”.</li>" in gate.replace("&#x27;", "'")
    for page in (reverse("opportunities:card", kwargs={"number": opp.number}), stage_url):
        html = client_for(org.finance).get(page).content.decode()
        gate = html[html.index('id="gate"'):html.index("</section>", html.index('id="gate"'))]
        assert "<a " not in gate and "<li>Upload the Screening report.</li>" in gate


@pytest.mark.django_db
def test_the_places_preselect_what_the_link_names(org):
    """spec: M2 — the upload form has the document type chosen, the request form the approval, the assign
    control a supporter of the role, the stage record its field focused (its group open), the edit form
    its field focused, the card's follow-up form the kind."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    c = client_for(org.r1)
    stage = reverse("gates:stage", kwargs={"number": opp.number})
    html = c.get(f"{stage}?doc_type=confirmation_sheet").content.decode()
    upload = html[html.index('id="upload"'):]
    assert re.search(r'<option value="confirmation_sheet" selected>', upload)
    html = c.get(f"{stage}?approval=screening_report").content.decode()
    ask = html[html.index('id="request-approval"'):]
    assert '<option value="screening_report" selected>' in ask
    html = c.get(f"{stage}?role=presales").content.decode()
    assert f'<option value="{org.presales.pk}" selected>' in html[html.index('id="assign"'):]
    html = c.get(f"{stage}?field=interview_why").content.decode()
    assert re.search(r'<textarea name="interview_why"[^>]*autofocus[^>]*id="id_interview_why"', html)
    group = html[:html.index('id="id_interview_why"')]
    assert group.rindex("<details") == group.rindex('<details class="record-group" open>')
    edit = c.get(reverse("opportunities:edit", kwargs={"number": opp.number}) + "?field=pain_points")
    assert re.search(r'<textarea name="pain_points"[^>]*autofocus', edit.content.decode())
    card = c.get(reverse("opportunities:card", kwargs={"number": opp.number}) + "?kind=interview").content.decode()
    assert '<option value="interview" selected>' in card and '<details class="followup-log" open>' in card


@pytest.mark.django_db
def test_a_refused_move_names_the_opportunity_and_carries_the_links(org):
    """spec: M2 (issue 10 item 2) — the board's JSON refusal names the opportunity (number and name) and
    carries one link per unmet item; a form post shows the same as one linked error message."""
    opp = make_opportunity(actor=org.r1, now=NOW, name="MES 升级项目")
    move = reverse("opportunities:move", kwargs={"number": opp.number})
    stage = reverse("gates:stage", kwargs={"number": opp.number})
    r = client_for(org.r1).post(move, {"to_stage": "confirmation"}, HTTP_ACCEPT="application/json")
    body = r.json()
    assert r.status_code == 409 and body["ok"] is False
    assert body["title"] == f"{opp.number} “MES 升级项目” was not moved. What is missing:"
    assert {"text": "Upload the Screening report.", "url": f"{stage}?doc_type=screening_report#upload"} in body["links"]
    assert {"text": "Get the Screening report approval.",
            "url": f"{stage}?approval=screening_report#request-approval"} in body["links"]
    assert body["errors"] == [link["text"] for link in body["links"]]
    # the card button (a plain form post): one error message, the items linked
    r = client_for(org.r1).post(move, {"to_stage": "confirmation"}, follow=True)
    html = r.content.decode()
    assert "msg-error" in html and f"{opp.number} “MES 升级项目” was not moved." in html
    assert f'<li><a href="{stage}?doc_type=screening_report#upload">Upload the Screening report.</a></li>' in html
    # a skipped stage has nothing to link: the plain error
    r = client_for(org.r1).post(move, {"to_stage": "solution"}, HTTP_ACCEPT="application/json")
    assert r.status_code == 409 and "links" not in r.json() and "Stages cannot be skipped" in r.json()["errors"][0]


@pytest.mark.django_db
def test_sent_for_approval_is_information_and_the_board_card_shows_it(org):
    """spec: H4 — "sent to the manager for approval" is information (info level, not an error), and the
    board card shows the pending approval."""
    from opphub.customers.models import Contact

    opp = advance_to(make_opportunity(actor=org.r1, now=NOW), "confirmation", now=NOW)
    fulfil(opp)
    Contact.objects.filter(customer=opp.customer, decision_role="user").update(decision_role="other")
    StageRecord.objects.filter(pk=opp.pk).update(budget_in_annual_plan=False)
    opp.requirement_scores.update(score=50)  # 20 + 24 + 25 = 69: the manager decides
    move = reverse("opportunities:move", kwargs={"number": opp.number})
    c = client_for(org.r1)
    r = c.post(move, {"to_stage": "solution", "next": reverse("opportunities:board")})
    stored = list(get_messages(r.wsgi_request))
    assert [m.level for m in stored] == [INFO] and "approval" in stored[0].message
    assert Approval.objects.filter(opportunity=opp, key="health_score", state="pending").exists()
    board = c.get(reverse("opportunities:board")).content.decode()
    assert "msg-info" in board and "msg-error" not in board
    item = board[board.index(f'data-number="{opp.number}"'):]
    assert 'class="badge pending">Approval pending</span>' in item[:item.index("</li>")]
    # the JSON answer (board.js) says the same level
    Approval.objects.filter(opportunity=opp).delete()
    opp.refresh_from_db()
    body = c.post(move, {"to_stage": "solution"}, HTTP_ACCEPT="application/json").json()
    assert body["outcome"] == "approval" and body["level"] == "info"


@pytest.mark.django_db
def test_dimension_points_read_like_the_total(org):
    """spec: H1-H4, D31 (issue 10 item 3) — no "0.00 / 40": each dimension at most one decimal, like the total;
    the S1 card never advises going back a stage."""
    opp = make_opportunity(actor=org.r1, now=NOW)
    for page in (reverse("opportunities:card", kwargs={"number": opp.number}),
                 reverse("gates:stage", kwargs={"number": opp.number})):
        html = client_for(org.r1).get(page).content.decode()
        health = html[html.index('class="health-state"'):html.index("</dl>", html.index('class="health-state"'))]
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", health))
        assert "Requirement match 0 / 40" in text and ".00" not in text
        assert "Goes back a stage" not in text and "Not ready" in text


@pytest.mark.django_db
def test_the_api_gate_writes_points_with_one_decimal_at_most(org):
    """spec: H1-H4, D31 (issue 10 item 3) — the API's dimensions and raises are rounded like the total."""
    from tests.api.clients import token_client

    opp = make_opportunity(actor=org.r1, now=NOW)
    health = token_client(org.r1).get(f"/api/opportunities/{opp.number}/gate").json()["health"]
    numbers = [str(d[k]) for d in health["dimensions"].values() for k in ("points", "max")]
    numbers += [str(r["points"]) for r in health["raises"]]
    assert numbers and all(re.fullmatch(r"\d+(\.\d)?", n) for n in numbers), numbers
