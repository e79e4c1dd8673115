"""spec: P1-P4 — the role × page matrix: every page and form post of the app, for every role, answers
exactly what the one access module allows (200/302 when allowed, 404 when the record is invisible,
403 when it is visible but the action is not the user's). The API has its own matrix
(tests/api/test_access_matrix.py)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, ContactFactory, make_opportunity
from tests.pages import pages
from tests.stagework import PDF, fulfil

pytestmark = pytest.mark.django_db

ROLES = ("r1", "r2", "r3", "m1", "m2", "director", "admin", "presales", "cs", "finance", "legal")
SEES = {"r1", "m1", "director", "admin", "presales", "finance"}  # r1's opportunity, supported by presales+finance
EDITS = {"r1", "m1", "director", "admin"}
LOGS = SEES - {"finance"}
# r1's customer: visible with the opportunity; editable by its owner's side (owner r1, manager m1, all-seeing)
CUSTOMER_EDITS = {"r1", "m1", "director", "admin"}


@pytest.fixture
def record(org):
    opp = fulfil(make_opportunity(actor=org.r1, now=NOW))
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.presales, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=NOW)
    contact = ContactFactory(customer=opp.customer)
    return opp, contact


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def _expect_post(allowed: bool, visible: bool) -> int:
    return 302 if allowed else (403 if visible else 404)


def _expect(allowed: bool, visible: bool) -> int:
    return 200 if allowed else (403 if visible else 404)


@pytest.mark.parametrize("who", ROLES)
def test_pages(org, record, who):
    opp, contact = record
    c = _client(getattr(org, who))
    visible = who in SEES
    n = {"number": opp.number}
    checks = {
        reverse("opportunities:board"): 200,
        reverse("opportunities:list"): 200,
        reverse("customers:list"): 200,
        reverse("opportunities:card", kwargs=n): 200 if visible else 404,
        reverse("gates:stage", kwargs=n): 200 if visible else 404,
        reverse("customers:detail", kwargs={"pk": opp.customer_id}): 200 if visible else 404,
        # the official holiday schedule import (S2, S4, S5, R3): administrators only
        reverse("workdays:import"): 200 if who == "admin" else 404,
    }
    for url, expected in checks.items():
        assert c.get(url).status_code == expected, (who, url)
    edit = c.get(reverse("opportunities:edit", kwargs=n)).status_code
    assert edit == _expect(who in EDITS, visible), (who, "edit")
    customer_edit = c.get(reverse("customers:edit", kwargs={"pk": opp.customer_id})).status_code
    assert customer_edit == _expect(who in CUSTOMER_EDITS, visible), (who, "customer edit")
    contact_edit = c.get(reverse("customers:contact_edit", kwargs={"pk": contact.pk})).status_code
    assert contact_edit == _expect(who in CUSTOMER_EDITS, visible), (who, "contact edit")
    # lists show the record exactly when it is visible
    assert (opp.number in c.get(reverse("opportunities:list")).content.decode()) is visible, who
    assert (opp.number in c.get(reverse("opportunities:board")).content.decode()) is visible, who


@pytest.mark.parametrize("who", ROLES)
def test_every_listed_page(org, record, who):
    """spec: P1-P4 — the shared page list (tests/pages.py, also walked by the every-page browser test):
    each page opens (200) for exactly the roles listed; for the others it is refused (403/404)."""
    c = _client(getattr(org, who))
    for page in pages(*record):
        status = c.get(page.url).status_code
        if who in page.roles:
            assert status == 200, (who, page.name, status)
        else:
            assert status in (403, 404), (who, page.name, status)


@pytest.mark.parametrize("who", ROLES)
def test_posts(org, record, who):
    opp, _ = record
    c = _client(getattr(org, who))
    visible = who in SEES
    n = {"number": opp.number}
    followup = c.post(reverse("opportunities:followup_create", kwargs=n),
                      {"kind": "phone", "direction": "out", "notes": "电话确认需求"})
    assert (followup.status_code in (200, 302)) is (who in LOGS), (who, followup.status_code)
    if who not in LOGS:
        assert followup.status_code == (403 if visible else 404), who
    move = c.post(reverse("opportunities:move", kwargs=n), {"to_stage": "confirmation"},
                  HTTP_ACCEPT="application/json")
    assert move.status_code == _expect(who in EDITS, visible), (who, "move")
    if who in EDITS:  # move it back so the next role starts from the same place
        c.post(reverse("opportunities:move", kwargs=n), {"to_stage": "discovery"}, HTTP_ACCEPT="application/json")
    # stage work: an upload by whoever works on the stage (editors and the assigned presales engineer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = c.post(reverse("gates:upload", kwargs=n), {"doc_type": "proposal",
                                                        "file": SimpleUploadedFile("p.pdf", PDF)})
    assert upload.status_code == _expect_post(who in EDITS | {"presales"}, visible), (who, "upload")
    preview = c.post(reverse("workdays:import"), {"year": "2027", "action": "preview",
                                                  "lines": "2027-10-01,2027-10-07,holiday,国庆节"})
    assert preview.status_code == (200 if who == "admin" else 404), (who, "holiday import preview")
    create = c.get(reverse("opportunities:create"))
    assert create.status_code in ((200,) if who in {"r1", "r2", "r3", "m1", "m2", "director", "admin"}
                                  else (403,)), (who, "create form")
