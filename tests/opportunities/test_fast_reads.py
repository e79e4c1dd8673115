"""spec: M1 (the card: the whole picture fast), M4 (board and list filters and live totals), P1-P4 (who
sees what) — the reads rewritten for 100k opportunities (docs/benchmarks.md) still show what the rules
say: the card's decision chain, the owner filter's choices, period totals and the text search."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opphub import access
from opphub.opportunities.filters import OpportunityFilterForm
from opphub.opportunities.playbooks import default_pipeline, playbook_of
from opphub.workflow.services import opportunity_close, opportunity_move_stage
from tests.factories import ContactFactory, CustomerFactory, make_opportunity
from tests.stagework import fulfil

pytestmark = pytest.mark.django_db
LIST = reverse("opportunities:list")
BOARD = reverse("opportunities:board")


def client_for(user):  # type: ignore[no-untyped-def]
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(user)
    return c


def test_contacts_of_a_visible_opportunity_and_none_of_an_invisible_one(org):
    """spec: M1, P1, P4 — a visible opportunity shows its customer's contacts; others show none."""
    opp = make_opportunity(actor=org.r1)
    boss = ContactFactory(customer=opp.customer, name="王总", decision_role="decision_maker")
    ContactFactory(name="别家客户的人")  # another customer's contact
    for who in ("r1", "m1", "director", "admin"):
        assert list(access.contacts_of(getattr(org, who), opp)) == [boss]
    for who in ("r2", "m2", "presales", "legal"):
        assert list(access.contacts_of(getattr(org, who), opp)) == []


def test_card_lists_the_contacts_without_working_out_every_visible_customer(org):
    """spec: M1 — the decision chain on the card comes from this opportunity's customer alone."""
    opp = make_opportunity(actor=org.r3)
    ContactFactory(customer=opp.customer, name="李总监", decision_role="decision_maker")
    with CaptureQueriesContext(connection) as ctx:
        html = client_for(org.m1).get(reverse("opportunities:card", kwargs={"number": opp.number})).content.decode()
    assert "李总监" in html
    contact_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "customers_contact"' in q["sql"]]
    assert contact_sql and all('"customers_customer"' not in sql for sql in contact_sql)


@pytest.mark.parametrize(("who", "included", "excluded"), [
    ("r1", {"r1"}, {"r2", "r3", "m1"}),                         # P1: a rep filters by themselves
    ("m1", {"m1", "r1", "r3"}, {"r2", "m2"}),                   # P4: the manager's teams
    ("director", {"r1", "r2", "r3", "m1", "m2", "director"}, {"presales", "finance"}),
    ("presales", {"r1", "r2", "r3"}, {"presales", "cs"}),       # supporters work across teams
])
def test_owner_filter_choices_come_from_the_org(org, who, included, excluded):
    """spec: M4, P1, P4 — the owner filter offers people from the org, without reading opportunities."""
    make_opportunity(actor=org.r2)
    user = getattr(org, who)
    form = OpportunityFilterForm({}, user=user, playbook=playbook_of(default_pipeline().current_version),
                                 now=timezone.now())
    with CaptureQueriesContext(connection) as ctx:
        names = {u.username for u in form.fields["owner"].queryset}
    assert included <= names and not (excluded & names)
    assert all("opportunities_opportunity" not in q["sql"] for q in ctx.captured_queries)


def test_period_totals_add_open_by_close_date_and_closed_by_closing_date(org):
    """spec: M4 — a period counts open ones expected to close in it and ones won or lost in it."""
    today = timezone.localdate()
    make_opportunity(actor=org.r1, amount=Decimal("100"), expected_close_date=today)          # in
    make_opportunity(actor=org.r1, amount=Decimal("20"), expected_close_date=today + dt.timedelta(days=400))
    lost = make_opportunity(actor=org.r1, amount=Decimal("3"), expected_close_date=today + dt.timedelta(days=400))
    opportunity_close(actor=org.r1, opportunity=lost, outcome="lost", now=timezone.now())     # in
    page = client_for(org.r1).get(LIST, {"period": "90d"}).context["page"]
    assert (page.count, page.total) == (2, Decimal("103"))
    page = client_for(org.r1).get(LIST, {"period": "90d", "status": "open"}).context["page"]
    assert (page.count, page.total) == (1, Decimal("100"))


def test_search_by_customer_name_and_by_number(org):
    """spec: M4 — the search box finds a Chinese customer name and an opportunity number."""
    mine = make_opportunity(actor=org.r1, customer=CustomerFactory(owner=org.r1, name="海天味业"))
    other = make_opportunity(actor=org.r1)
    c = client_for(org.r1)
    assert [o.number for o in c.get(LIST, {"q": "海天"}).context["page"].rows] == [mine.number]
    found = [o.number for o in c.get(LIST, {"q": other.number.lower()}).context["page"].rows]
    assert found == [other.number]


def test_board_cards_link_to_the_card_and_show_the_outcome(org):
    """spec: M4, S5 — cards link to the card page (no JavaScript needed); archived ones say won/lost."""
    opp = make_opportunity(actor=org.r1)
    won = make_opportunity(actor=org.r1, name="赢单")
    for stage in ("confirmation", "solution", "closing"):
        won = opportunity_move_stage(actor=org.r1, opportunity=fulfil(won), to_stage=stage,
                                     now=timezone.now()).opportunity
    won = opportunity_close(actor=org.r1, opportunity=fulfil(won), outcome="won", now=timezone.now())
    html = client_for(org.r1).get(BOARD).content.decode()
    assert f'href="{reverse("opportunities:card", kwargs={"number": opp.number})}"' in html
    assert f'data-number="{won.number}" data-version="{won.version}"' in html
    assert '<span class="badge won">Won</span>' in html
    assert "0 days in stage" in html


def test_board_cards_escape_what_people_typed(org):
    """spec: M4 — a card shows the customer's and the opportunity's names as typed, never as markup."""
    make_opportunity(actor=org.r1, name="<b>大单</b>", customer=CustomerFactory(owner=org.r1, name="A&B <i>公司</i>"))
    html = client_for(org.r1).get(BOARD).content.decode()
    assert "&lt;b&gt;大单&lt;/b&gt;" in html and "A&amp;B &lt;i&gt;公司&lt;/i&gt;" in html
    assert "<b>大单" not in html and "<i>公司" not in html


def test_board_columns_keep_their_own_cards_newest_first(org, settings):
    """spec: M4, S1-S5 — each column shows its own stage's most recently changed cards (also when the
    columns' cards are read in one statement), the archive the last closed first."""
    settings.OPPHUB_BOARD_CARDS_PER_COLUMN = 2
    now = timezone.now()
    found = [make_opportunity(actor=org.r1, name=f"d{i}", now=now - dt.timedelta(hours=9 - i)) for i in range(3)]
    confirmed = [opportunity_move_stage(actor=org.r1, opportunity=fulfil(make_opportunity(actor=org.r1, name=f"c{i}")),
                                        to_stage="confirmation", now=now - dt.timedelta(hours=5 - i)).opportunity
                 for i in range(3)]
    closed = [opportunity_close(actor=org.r1, opportunity=make_opportunity(actor=org.r1, name=f"x{i}"),
                                outcome="lost", now=now - dt.timedelta(hours=3 - i)) for i in range(3)]
    cols = {c.key: c for c in client_for(org.r1).get(BOARD).context["columns"]}
    assert [o.number for o in cols["discovery"].cards] == [found[2].number, found[1].number]
    assert [o.number for o in cols["confirmation"].cards] == [confirmed[2].number, confirmed[1].number]
    assert [o.number for o in cols["archive"].cards] == [closed[2].number, closed[1].number]
    assert (cols["discovery"].more, cols["confirmation"].more, cols["archive"].more) == (1, 1, 1)
    assert cols["solution"].cards == [] and cols["closing"].cards == []


def test_stored_playbook_is_read_when_this_process_has_not_parsed_it(org):
    """spec: S1-S5 — the stages come from the stored playbook version, also when the board loaded the
    version without its text and this process meets that version for the first time."""
    from opphub.opportunities import playbooks

    version = playbooks.with_current_version().get(is_default=True).current_version
    playbooks._PARSED.clear()  # as in a freshly started process
    with CaptureQueriesContext(connection) as first:
        book = playbook_of(version)
    assert [s.key for s in book.stages] == ["discovery", "confirmation", "solution", "closing", "archive"]
    assert len(first) == 1  # the deferred text
    with CaptureQueriesContext(connection) as again:
        assert playbook_of(version) is book
    assert len(again) == 0
