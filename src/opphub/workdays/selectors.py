"""Reads of the working-day calendar for the holiday import page (spec S2, S4, S5, R3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from opphub.methodology.business_days import WorkCalendar, with_imported_years, working_days_between

from .calendar import official_calendar, work_calendar
from .holiday_lines import HOLIDAY, WORKDAY, HolidayList, parse_holiday_lines
from .models import HolidayImport


@dataclass
class HolidayPreview:
    """What an import of ``parsed`` would store, and what it means for the year."""

    parsed: HolidayList
    holidays: int = 0
    workdays: int = 0
    working_days: int = 0  # the year's working days with this list (overrides included)
    weekdays: int = 0  # Monday to Friday alone, for comparison
    replaces: HolidayImport | None = None
    package_has_year: bool = False

    @property
    def ok(self) -> bool:
        return self.parsed.ok


def holiday_preview(text: str, year: int) -> HolidayPreview:
    parsed = parse_holiday_lines(text, year)
    preview = HolidayPreview(parsed=parsed)
    preview.replaces = HolidayImport.objects.select_related("imported_by").filter(year=year).first()
    preview.package_has_year = year in official_calendar().official_years
    if parsed.ok:
        holidays, workdays = parsed.days(HOLIDAY), parsed.days(WORKDAY)
        preview.holidays, preview.workdays = len(holidays), len(workdays)
        calendar = with_imported_years(work_calendar(), [year], holidays=holidays, workdays=workdays)
        preview.working_days = _year_count(calendar, year)
        preview.weekdays = _year_count(WorkCalendar(), year)
    return preview


def _year_count(calendar: WorkCalendar, year: int) -> int:
    return working_days_between(calendar, date(year, 1, 1) - timedelta(days=1), date(year, 12, 31))


def holiday_imports() -> QuerySet[HolidayImport]:
    return HolidayImport.objects.select_related("imported_by").order_by("-year")


def package_years() -> tuple[int, int] | None:
    """The first and last year of the installed package's data."""
    years = official_calendar().official_years
    return (min(years), max(years)) if years else None
