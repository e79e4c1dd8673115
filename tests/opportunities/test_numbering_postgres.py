"""spec: S1 — 50 concurrent creations in one region get 50 distinct, consecutive numbers (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from opphub.opportunities.models import Opportunity
from tests.factories import NOW, CustomerFactory, make_opportunity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_concurrent_creations_get_consecutive_numbers(org):
    assert connection.vendor == "postgresql"
    customer = CustomerFactory(owner=org.r1)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            start.wait(timeout=30)
            make_opportunity(actor=org.r1, customer=customer, now=NOW, name=f"并发商机 {i}",
                             amount=Decimal(1000 + i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Opportunity.objects.values_list("number", flat=True))
    assert numbers == [f"2026-SH-{i:03d}" for i in range(1, 51)]
