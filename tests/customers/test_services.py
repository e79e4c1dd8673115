"""spec: S1/S2 — customers and contacts: credit code validated, changes audited, stale edits refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from opphub.audit.services import audit_history
from opphub.common.errors import NotAllowed, StaleEdit
from opphub.customers import credit_code
from opphub.customers.models import Customer
from opphub.customers.services import contact_create, contact_update, customer_create, customer_update
from tests.factories import NOW

pytestmark = pytest.mark.django_db

VALID = "91310000" + "MA1FL0XX" + "1"  # 17 chars; the check char is appended below
VALID += credit_code.check_char(VALID)


def _data(org, **extra):
    return {"name": "上海星辰精密机械有限公司", "industry": "manufacturing", "size": "large",
            "region": org.region, **extra}


@pytest.mark.parametrize(("code", "ok"), [(VALID, True), (VALID.lower(), True), (VALID[:-1] + "0", False),
                                          ("12345", False), ("91310000MA1FL0XXI" + "0", False)])
def test_credit_code_check(code, ok):
    assert credit_code.is_valid(code) is ok


def test_create_normalises_and_audits(org):
    customer = customer_create(actor=org.r1, now=NOW, data=_data(org, credit_code=f" {VALID.lower()} "))
    assert customer.credit_code == VALID
    assert customer.owner == org.r1
    assert {c.field for c in audit_history(customer)} >= {"name", "credit_code", "industry", "owner"}


def test_bad_and_duplicate_credit_code(org, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(ValidationError) as err:
        customer_create(actor=org.r1, now=NOW, data=_data(org, credit_code="913100001234567890"))
    assert "credit_code" in err.value.message_dict
    customer_create(actor=org.r1, now=NOW, data=_data(org, credit_code=VALID))
    with pytest.raises(ValidationError) as err:
        customer_create(actor=org.r2, now=NOW, data=_data(org, name="别名公司", credit_code=VALID))
    assert err.value.message_dict["credit_code"] == [
        "A customer with this unified social credit code already exists."]
    assert Customer.objects.count() == 1


def test_support_roles_cannot_create(org):
    with pytest.raises(NotAllowed):
        customer_create(actor=org.presales, now=NOW, data=_data(org))


def test_stale_customer_edit(org):
    customer = customer_create(actor=org.r1, now=NOW, data=_data(org))
    v = customer.version
    customer_update(actor=org.r1, customer=Customer.objects.get(pk=customer.pk), now=NOW, expected_version=v,
                    data={"address": "浦东新区张江路1号"})
    with pytest.raises(StaleEdit):
        customer_update(actor=org.m1, customer=Customer.objects.get(pk=customer.pk), now=NOW,
                        expected_version=v, data={"address": "旧地址"})
    customer.refresh_from_db()
    assert customer.address == "浦东新区张江路1号"


def test_contacts_audited_and_limited_to_editors(org):
    """spec: S2/H2 — decision-chain roles are recorded on contacts; every change audited."""
    customer = customer_create(actor=org.r1, now=NOW, data=_data(org))
    contact = contact_create(actor=org.r1, customer=customer, now=NOW, data={
        "name": "陈总", "title": "总经理", "decision_role": "decision_maker", "is_director_or_above": True})
    contact_update(actor=org.r1, contact=contact, now=NOW, expected_version=contact.version,
                   data={"decision_role": "influencer"})
    change = audit_history(contact).filter(action="update").get()
    assert (change.field, change.old_value, change.new_value) == ("decision_role", "decision_maker", "influencer")
    with pytest.raises(NotAllowed):
        contact_create(actor=org.r2, customer=customer, now=NOW, data={"name": "路人"})
    with pytest.raises(ValidationError):
        contact_create(actor=org.r1, customer=customer, now=NOW, data={"name": "王", "email": "not-an-email"})
