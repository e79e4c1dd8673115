"""spec: S1-S5 (stages in order, won/lost into the archive), M2 (a move is refused with the reasons),
P1/P4 (who may move what; invisible records answer 404), optimistic locking (stale edit → 409)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opphub.opportunities.models import Opportunity, StageHistory
from tests.factories import client_for, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def move_url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:move", kwargs={"number": opp.number})


def close_url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:close", kwargs={"number": opp.number})


def test_move_to_next_stage_writes_history(org):
    """spec: S2 — discovery → confirmation is allowed; the stage history records who and when."""
    opp = fulfil(make_opportunity(actor=org.r1))
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "confirmation", "version": opp.version,
                                                "note": "初篩已批"}, **JSON)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["stage"] == "confirmation"
    assert body["stage_name"] == "Requirement confirmation"
    assert body["version"] == opp.version + 1
    history = list(StageHistory.objects.filter(opportunity=opp).order_by("entered_at", "id"))
    assert [h.stage for h in history] == ["discovery", "confirmation"]
    assert history[0].left_at is not None
    assert history[1].moved_by == org.r1 and history[1].note == "初篩已批"


def test_manager_moves_a_team_members_opportunity(org):
    """spec: P4 — the manager of the team (and the teams below) may move its opportunities."""
    opp = fulfil(make_opportunity(actor=org.r3))
    r = client_for(org.m1).post(move_url(opp), {"to_stage": "confirmation"}, **JSON)
    assert r.status_code == 200
    assert Opportunity.objects.get(pk=opp.pk).stage == "confirmation"


def test_skipping_a_stage_is_refused_with_the_reason_json(org):
    """spec: S1-S4, M2 — stages cannot be skipped; the refusal names the stage to go to first."""
    opp = fulfil(make_opportunity(actor=org.r1))
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "solution", "version": opp.version}, **JSON)
    assert r.status_code == 409
    assert r.json() == {"ok": False,
                        "errors": ["Stages cannot be skipped: move it to Requirement confirmation first."]}
    assert Opportunity.objects.get(pk=opp.pk).stage == "discovery"
    assert StageHistory.objects.filter(opportunity=opp).count() == 1


def test_skipping_a_stage_by_form_post_shows_the_message(org):
    """spec: M2 — without JavaScript the refusal is shown as a message on the page we came from."""
    opp = fulfil(make_opportunity(actor=org.r1))
    board = reverse("opportunities:board")
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "solution", "next": board}, follow=True)
    assert r.redirect_chain == [(board, 302)]
    assert "Stages cannot be skipped: move it to Requirement confirmation first." in r.content.decode()


def test_form_post_success_redirects_with_a_message(org):
    opp = fulfil(make_opportunity(actor=org.r1))
    board = reverse("opportunities:board")
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "confirmation", "next": board}, follow=True)
    assert r.status_code == 200
    assert f"{opp.number} moved to Requirement confirmation." in r.content.decode()


def test_unsafe_next_falls_back_to_the_card(org):
    """A plain post returns to the card page unless ``next`` is a local URL (no open redirect)."""
    opp = fulfil(make_opportunity(actor=org.r1))
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "confirmation", "next": "https://evil.example/x"})
    assert r.status_code == 302
    assert r["Location"] == reverse("opportunities:card", kwargs={"number": opp.number})


def test_stale_version_is_refused(org):
    """Optimistic locking: a board rendered before someone else's change cannot overwrite it."""
    opp = fulfil(make_opportunity(actor=org.r1))
    stale = opp.version
    c = client_for(org.r1)
    assert c.post(move_url(opp), {"to_stage": "confirmation", "version": stale}, **JSON).status_code == 200
    r = c.post(move_url(opp), {"to_stage": "solution", "version": stale}, **JSON)
    assert r.status_code == 409
    assert "Someone else saved this record" in r.json()["errors"][0]
    assert Opportunity.objects.get(pk=opp.pk).stage == "confirmation"


def test_bad_input_is_a_400(org):
    opp = fulfil(make_opportunity(actor=org.r1))
    c = client_for(org.r1)
    r = c.post(move_url(opp), {"to_stage": "confirmation", "version": "abc"}, **JSON)
    assert r.status_code == 400 and r.json()["ok"] is False
    r = c.post(move_url(opp), {}, **JSON)
    assert r.status_code == 400 and r.json()["errors"] == ["Choose the stage to move it to."]


@pytest.mark.parametrize("url_of", [move_url, close_url])
def test_another_rep_gets_404(org, url_of):
    """spec: P1 — r2 (west) cannot see r1's opportunity: 404 for JSON and for a form post, nothing changes."""
    opp = fulfil(make_opportunity(actor=org.r1))
    c = client_for(org.r2)
    data = {"to_stage": "confirmation", "outcome": "lost"}
    assert c.post(url_of(opp), data, **JSON).status_code == 404
    assert c.post(url_of(opp), data).status_code == 404
    assert c.post(reverse("opportunities:move", kwargs={"number": "2099-XX-999"}), data, **JSON).status_code == 404
    fresh = Opportunity.objects.get(pk=opp.pk)
    assert (fresh.stage, fresh.status) == ("discovery", "open")


def test_supporter_who_sees_it_may_not_move_it(org):
    """spec: P2 — presales supports an opportunity but does not move it: 403 with the reason."""
    from django.utils import timezone

    from opphub.opportunities.services import opportunity_assign

    opp = fulfil(make_opportunity(actor=org.r1))
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=timezone.now())
    r = client_for(org.presales).post(move_url(opp), {"to_stage": "confirmation"}, **JSON)
    assert r.status_code == 403
    assert r.json()["errors"] == ["You cannot move this opportunity."]


def test_close_lost_from_any_stage_and_won_only_from_closing(org):
    """spec: S4, S5 — lost from any open stage; won only from Closing; both end in the archive."""
    c = client_for(org.r1)
    early = fulfil(make_opportunity(actor=org.r1))
    r = c.post(close_url(early), {"outcome": "won", "version": early.version}, **JSON)
    assert r.status_code == 409
    assert r.json()["errors"] == ["An opportunity is won in Closing: move it there first."]
    r = c.post(close_url(early), {"outcome": "lost", "version": early.version, "note": "价格"}, **JSON)
    assert r.status_code == 200
    assert r.json()["stage"] == "archive" and r.json()["status"] == "lost"
    again = c.post(close_url(early), {"outcome": "won"}, **JSON)
    assert again.status_code == 409


def test_close_bad_outcome(org):
    opp = fulfil(make_opportunity(actor=org.r1))
    r = client_for(org.r1).post(close_url(opp), {"outcome": "maybe"}, **JSON)
    assert r.status_code == 409
    assert r.json()["errors"] == ["The outcome must be won or lost."]


def test_htmx_header_gets_json_too(org):
    opp = fulfil(make_opportunity(actor=org.r1))
    r = client_for(org.r1).post(move_url(opp), {"to_stage": "confirmation"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.json()["ok"] is True


def test_get_and_anonymous_are_refused(org):
    opp = fulfil(make_opportunity(actor=org.r1))
    assert client_for(org.r1).get(move_url(opp)).status_code == 405
    r = Client().post(move_url(opp), {"to_stage": "confirmation"})
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_csrf_is_required(org):
    """The board's script sends the token from <meta name="csrf-token">; without it the post is refused."""
    opp = fulfil(make_opportunity(actor=org.r1))
    c = Client(enforce_csrf_checks=True)
    c.force_login(org.r1)
    assert c.post(move_url(opp), {"to_stage": "confirmation"}, **JSON).status_code == 403
    page = c.get(reverse("opportunities:board")).content.decode()
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    r = c.post(move_url(opp), {"to_stage": "confirmation"}, HTTP_X_CSRFTOKEN=token, **JSON)
    assert r.status_code == 200
