"""Writes of the working-day calendar: importing a year's official schedule (spec S2, S4, S5, R3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from opphub import access
from opphub.audit.services import audit_record

from .calendar import forget_imported_years
from .holiday_lines import HOLIDAY, WORKDAY, LineError, parse_holiday_lines
from .models import HolidayImport, ImportedDay


class HolidayListInvalid(Exception):
    """The lines have errors; nothing was written. ``errors`` lists every bad line."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} bad line(s)")
        self.errors = errors


def _days_text(days: list[tuple[date, str, str]]) -> str:
    """``2027-10-01..2027-10-07 holiday 国庆节; 2027-09-26 workday 国庆节调休``: consecutive days of one
    kind and name as one range."""
    runs: list[list[Any]] = []
    for day, kind, name in sorted(days):
        last = runs[-1] if runs else None
        if last and last[2] == kind and last[3] == name and (day - last[1]).days == 1:
            last[1] = day
        else:
            runs.append([day, day, kind, name])
    return "; ".join(f"{a.isoformat()}{'..' + b.isoformat() if b != a else ''} {kind} {name}".rstrip()
                     for a, b, kind, name in runs)


def _audit_values(record: HolidayImport, days: list[tuple[date, str, str]]) -> dict[str, str]:
    return {"year": str(record.year), "imported_by": str(record.imported_by or ""),
            "holiday_count": str(record.holiday_count), "workday_count": str(record.workday_count),
            "days": _days_text(days)}


def holiday_import_year(*, actor: Any, year: int, text: str, now: datetime) -> HolidayImport:
    """Store ``text`` as ``year``'s official holidays and make-up working days, all or nothing.

    Every line must be good (:class:`HolidayListInvalid` with every error otherwise, nothing written).
    A second import of the same year replaces the first one's days. Audited (who, when, what)."""
    if not access.can_manage_calendar(actor):
        raise PermissionDenied
    parsed = parse_holiday_lines(text, year)
    if not parsed.ok:
        raise HolidayListInvalid(parsed.errors)
    named = parsed.named_days()
    with transaction.atomic():
        record = HolidayImport.objects.select_for_update().filter(year=year).first()
        before = None
        if record is None:
            record = HolidayImport(year=year)
        else:
            before = _audit_values(record, list(record.days.values_list("date", "kind", "name")))
            record.days.all().delete()
        record.imported_by = actor
        record.imported_at = now
        record.source = text.strip()
        record.holiday_count = sum(1 for _d, kind, _n in named if kind == HOLIDAY)
        record.workday_count = sum(1 for _d, kind, _n in named if kind == WORKDAY)
        record.save()
        ImportedDay.objects.bulk_create(ImportedDay(holiday_import=record, date=d, kind=kind, name=name[:100])
                                        for d, kind, name in named)
        audit_record(actor=actor, instance=record, before=before, after=_audit_values(record, named), now=now)
        transaction.on_commit(forget_imported_years)
    forget_imported_years()
    return record
