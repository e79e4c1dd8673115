"""Gap-free opportunity numbers per region and year (spec S1), safe under concurrent creation.

Called inside the transaction that creates the opportunity: the sequence row is locked
(SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers), so two
creations never get one number, and a creation that rolls back gives its number back.
"""

from __future__ import annotations

from django.db import transaction

from opphub.methodology.numbering import format_number

from .models import NumberSequence


def number_allocate(*, region_code: str, year: int) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside the creating transaction")
    NumberSequence.objects.bulk_create([NumberSequence(region_code=region_code, year=year, last=0)],
                                       ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(region_code=region_code, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return format_number(year, region_code, seq.last)
