"""Who approves (M2, H4; issue 9 item 6): the playbook names the role, the access module finds the people in
one set-based query, and nobody approves their own opportunity."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from opphub import access
from opphub.common.errors import NotAllowed
from opphub.gates import services
from opphub.opportunities.playbooks import playbooks_sync
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, make_opportunity

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_approvers_are_found_in_one_query_and_never_include_the_owner(org):
    """spec: M2, P4 — the screening report goes to the managers above the owner's team and the directors;
    the finance review to the assigned finance reviewer; one query over users (after the team table)."""
    opp = make_opportunity(actor=org.r3, now=NOW)  # East-2, below East (m1)
    with CaptureQueriesContext(connection) as ctx:
        found = set(access.approvers_of(opp, "screening_report"))
    assert found == {org.m1, org.director} and len(ctx.captured_queries) == 2
    assert set(access.approvers_of(opp, "contract_finance")) == set()
    opportunity_assign(actor=org.r3, opportunity=opp, user=org.finance, now=NOW)
    assert set(access.approvers_of(opp, "contract_finance")) == {org.finance}


def test_nobody_approves_their_own_opportunity(org):
    """spec: M2, H4 — a manager who owns an opportunity cannot decide its approvals (the rule lives in the
    access module: the page, the to-do list and the service all ask it)."""
    own = make_opportunity(actor=org.m1, now=NOW)
    approval = services.approval_request(actor=org.m1, opportunity=own, key="screening_report", now=NOW)
    assert not access.can_decide_approval(org.m1, own, "screening_report")
    assert org.m1 not in set(access.approvers_of(own, "screening_report"))
    assert approval not in access.approvals_waiting_for(org.m1)
    with translation.override("en"), pytest.raises(NotAllowed, match="your own"):
        services.approval_decide(actor=org.m1, approval=approval, approve=True, comment="", now=NOW)
    assert access.can_decide_approval(org.director, own, "screening_report")


def test_the_playbook_names_the_approver_role(org, tmp_path, settings):
    """spec: M2, R4 — ``[approvers]`` in the playbook: giving the finance review to the manager moves it from
    the finance reviewer's list to the manager's."""
    shutil.copy(ROOT / "playbooks" / "standard.toml", tmp_path / "standard.toml")
    path = tmp_path / "standard.toml"
    text = path.read_text(encoding="utf-8").replace('contract_finance = "finance"', 'contract_finance = "manager"')
    path.write_text(text.replace('version = "1.3.0"', 'version = "1.3.0-pilot"', 1), encoding="utf-8")
    settings.OPPHUB_PLAYBOOK_DIR = tmp_path
    playbooks_sync()
    opp = make_opportunity(actor=org.r1, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opp, user=org.finance, now=NOW)
    assert set(access.approvers_of(opp, "contract_finance")) == {org.m1, org.director}
    approval = services.approval_request(actor=org.r1, opportunity=opp, key="contract_finance", now=NOW)
    assert approval in access.approvals_waiting_for(org.m1)
    assert approval not in access.approvals_waiting_for(org.finance)
    assert not access.can_decide_approval(org.finance, opp, "contract_finance")
