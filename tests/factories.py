"""factory_boy factories and a small org builder shared by the tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from opphub.customers.models import Contact, Customer
from opphub.opportunities.models import Product
from opphub.people.models import Region, Role, Team, User

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "SH"
    name = "上海"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.REP
    password = factory.PostGenerationMethodCall("set_password", "pw-Secret-123")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    price_band_min = Decimal("100000")
    price_band_max = Decimal("500000")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"上海客户{n}科技有限公司")
    industry = "manufacturing"
    size = "medium"
    region = factory.SubFactory(RegionFactory)
    owner = factory.SubFactory(UserFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    title = "IT经理"
    decision_role = "influencer"


def make_opportunity(*, actor, customer=None, owner=None, now=None, **data):  # type: ignore[no-untyped-def]
    """Create an opportunity through the real service (number, history, audit)."""
    from opphub.opportunities.services import opportunity_create

    owner = owner or actor
    customer = customer or CustomerFactory(owner=owner)
    fields = {"name": "MES 升级项目", "amount": Decimal("800000"), "expected_close_date": dt.date(2027, 3, 31),
              "industry": "manufacturing", "company_size": "medium"}
    fields.update(data)
    return opportunity_create(actor=actor, customer=customer, owner=owner, data=fields, now=now or timezone.now())


def client_for(user, lang="en"):  # type: ignore[no-untyped-def]
    """A page client signed in as ``user``, asking for pages in ``lang`` (Accept-Language)."""
    from django.test import Client

    c = Client(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_login(user)
    return c
