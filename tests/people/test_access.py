"""spec: P1-P4 — one access module decides which opportunities, customers, contacts and follow-ups a
user sees: rep own; presales/CS/finance/legal assigned; manager the team subtree; director/admin all."""

from __future__ import annotations

import pytest
from django.http import Http404

from opphub import access
from opphub.followups.services import followup_log
from opphub.opportunities.services import opportunity_assign
from tests.factories import NOW, ContactFactory, CustomerFactory, make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    """One opportunity per rep; r1's is supported by presales and finance, r2's by cs."""
    opps = {u: make_opportunity(actor=getattr(org, u), now=NOW) for u in ("r1", "r2", "r3")}
    opportunity_assign(actor=org.r1, opportunity=opps["r1"], user=org.presales, now=NOW)
    opportunity_assign(actor=org.r1, opportunity=opps["r1"], user=org.finance, now=NOW)
    opportunity_assign(actor=org.r2, opportunity=opps["r2"], user=org.cs, now=NOW)
    for name, opp in opps.items():
        contact = ContactFactory(customer=opp.customer)
        followup_log(actor=getattr(org, name), opportunity=opp, now=NOW, contacts=[contact],
                     data={"kind": "phone", "notes": "电话沟通需求"})
    lonely = CustomerFactory(owner=org.r1)  # r1's customer without an opportunity yet
    return opps, lonely


EXPECTED = {
    "r1": {"r1"}, "r2": {"r2"}, "r3": {"r3"},
    "presales": {"r1"}, "finance": {"r1"}, "cs": {"r2"}, "legal": set(),
    "m1": {"r1", "r3"}, "m2": {"r2"},
    "director": {"r1", "r2", "r3"}, "admin": {"r1", "r2", "r3"},
}


@pytest.mark.parametrize(("who", "sees"), sorted(EXPECTED.items()))
def test_visibility_matrix(org, world, who, sees):
    opps, lonely = world
    user = getattr(org, who)
    expected_ids = {opps[o].pk for o in sees}
    assert set(access.visible_opportunities(user).values_list("pk", flat=True)) == expected_ids
    assert set(access.visible_followups(user).values_list("opportunity_id", flat=True)) == expected_ids
    expected_customers = {opps[o].customer_id for o in sees}
    if who in {"r1", "m1", "director", "admin"}:
        expected_customers.add(lonely.pk)
    assert set(access.visible_customers(user).values_list("pk", flat=True)) == expected_customers
    assert set(access.visible_contacts(user).values_list("customer_id", flat=True)) == (
        expected_customers - {lonely.pk})
    for name, opp in opps.items():
        if name in sees:
            assert access.get_opportunity(user, number=opp.number) == opp
        else:
            with pytest.raises(Http404):
                access.get_opportunity(user, number=opp.number)


def test_manager_subtree_includes_nested_teams(org):
    assert access.managed_team_ids(org.m1) == {org.east.pk, org.east2.pk}
    assert access.managed_team_ids(org.m2) == {org.west.pk}
    assert access.managed_team_ids(org.r1) == frozenset()


def test_inactive_and_anonymous_users_see_nothing(org, world):
    from django.contrib.auth.models import AnonymousUser

    org.director.is_active = False
    assert not access.visible_opportunities(org.director).exists()
    assert not access.visible_opportunities(AnonymousUser()).exists()
    assert not access.visible_customers(AnonymousUser()).exists()


def test_edit_and_log_rights(org, world):
    opps, _ = world
    r1_opp = opps["r1"]
    assert [u for u in ("r1", "r2", "r3", "m1", "m2", "director", "admin", "presales", "finance")
            if access.can_edit_opportunity(getattr(org, u), r1_opp)] == ["r1", "m1", "director", "admin"]
    assert access.can_log_followup(org.presales, r1_opp)
    assert not access.can_log_followup(org.finance, r1_opp)  # reviewers read, they don't log touches
    assert not access.can_log_followup(org.r2, r1_opp)
    assert access.can_create_records(org.r1) and not access.can_create_records(org.presales)
