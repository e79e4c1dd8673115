"""spec: S1 (待確認商機 until the screening report is approved), S3 (方案確認中 once the proposal is out):
the playbook's stage marks on the card, the board and the list, read for a whole page at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opphub.opportunities.playbooks import default_pipeline, playbook_of
from tests.factories import client_for, make_opportunity
from tests.stagework import _approve, _doc, advance_to

pytestmark = pytest.mark.django_db
BOARD = reverse("opportunities:board")
LIST = reverse("opportunities:list")


def card_url(opp):  # type: ignore[no-untyped-def]
    return reverse("opportunities:card", kwargs={"number": opp.number})


def board_card(html: str, number: str) -> str:
    start = html.index(f'data-number="{number}"')
    return html[start:html.index("</li>", start)]


def list_row(html: str, number: str) -> str:
    start = html.index(f">{number}</a>")
    return html[start:html.index("</tr>", start)]


def labels(stage: str, lang: str) -> str:
    label = playbook_of(default_pipeline().current_version).stage(stage).status_label
    assert label is not None
    return label.get(lang)


@pytest.mark.parametrize("lang", ["en", "zh-hans", "zh-hant"])
def test_s1_is_marked_to_be_confirmed_until_the_report_is_approved(org, lang):
    """spec: S1 — a new opportunity shows 待確認商機 on its card, its board card and its list row; an
    uploaded report does not lift it, the sales manager's approval does."""
    opp = make_opportunity(actor=org.r1)
    mark = labels("discovery", lang)
    c = client_for(org.r1, lang)
    assert mark in c.get(card_url(opp)).content.decode()
    assert mark in board_card(c.get(BOARD).content.decode(), opp.number)
    assert mark in list_row(c.get(LIST).content.decode(), opp.number)
    _doc(opp, "screening_report", timezone.now())
    assert mark in board_card(c.get(BOARD).content.decode(), opp.number)
    _approve(opp, "screening_report", timezone.now())
    assert mark not in c.get(card_url(opp)).content.decode()
    assert mark not in board_card(c.get(BOARD).content.decode(), opp.number)
    assert mark not in list_row(c.get(LIST).content.decode(), opp.number)


def test_s3_is_marked_on_the_board_and_list_once_the_proposal_is_out(org):
    """spec: S3 — 方案確認中 shows on the board and the list too, once the proposal is uploaded."""
    opp = advance_to(make_opportunity(actor=org.r1), "solution")
    mark = labels("solution", "zh-hans")
    c = client_for(org.r1, "zh-hans")
    assert mark not in board_card(c.get(BOARD).content.decode(), opp.number)
    _doc(opp, "proposal", timezone.now())
    assert mark in board_card(c.get(BOARD).content.decode(), opp.number)
    assert mark in list_row(c.get(LIST).content.decode(), opp.number)
    assert mark in c.get(card_url(opp)).content.decode()


def test_the_marks_cost_the_same_queries_for_a_few_or_many_rows(org):
    """spec: S1, S3, P4 — the marks of a whole board or list page are read in a fixed number of queries."""
    c = client_for(org.r1)
    for _ in range(2):
        make_opportunity(actor=org.r1)
    c.get(BOARD)
    c.get(LIST)
    with CaptureQueriesContext(connection) as board_few:
        c.get(BOARD)
    with CaptureQueriesContext(connection) as list_few:
        c.get(LIST)
    for i in range(12):
        opp = make_opportunity(actor=org.r1)
        if i % 3 == 0:
            _approve(opp, "screening_report", timezone.now())
        if i % 4 == 0:
            _doc(opp, "screening_report", timezone.now())
    with CaptureQueriesContext(connection) as board_many:
        c.get(BOARD)
    with CaptureQueriesContext(connection) as list_many:
        c.get(LIST)
    assert len(board_many) == len(board_few)
    assert len(list_many) == len(list_few)


def test_marks_read_the_approval_state_the_gates_write():
    """spec: S1 — the board's marks read granted approvals through the reverse relation (no import of gates
    into opportunities): the state they look for is the one the approval service writes."""
    from opphub.gates.models import ApprovalState
    from opphub.opportunities.status_marks import APPROVED

    assert ApprovalState.APPROVED.value == APPROVED
