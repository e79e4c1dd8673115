"""The Django side of the working-day calendar: official data from ``chinesecalendar``, the years an
administrator imported from the State Council's notice, and the DB overrides.

Callers pass the result to the pure functions in :mod:`opphub.methodology.business_days`::

    cal = work_calendar()
    due = add_working_days(cal, closed_at.astimezone(tz).date(), playbook_value)
    marked = add_working_days_marked(cal, day, n)   # .day, .estimated ("estimated (Mon–Fri)")
"""

from __future__ import annotations

import functools
from datetime import date

import chinese_calendar
from django.core.cache import cache
from django.db.models import IntegerField, Value
from django.utils.translation import gettext

from opphub.methodology.business_days import (
    WorkCalendar,
    calendar_from_official,
    schedule_years_missing,
    with_imported_years,
    with_overrides,
)

from .models import CalendarOverride, HolidayImport, ImportedDay

# From this day of the year (month, day) on, next year's official schedule is expected: the State
# Council publishes it in October or November. Not a methodology rule: when the admins are warned.
NEXT_YEAR_WARNING_FROM = (11, 1)
IMPORTED_YEARS_CACHE_KEY = "opphub:workdays:imported-years"
# Other processes see a new import within this time (the importing process at once).
IMPORTED_YEARS_CACHE_SECONDS = 300

_OVERRIDE, _IMPORTED = 0, 1


@functools.cache
def official_calendar() -> WorkCalendar:
    """chinesecalendar's holidays and make-up working days, read once per process (no overrides)."""
    return calendar_from_official(chinese_calendar.holidays, chinese_calendar.workdays)


def work_calendar() -> WorkCalendar:
    """The calendar in force (one query): the package's data, each imported year in place of the
    package's data for that year, and the overrides, which win. Years with neither the package's data
    nor an import fall back to Monday-Friday (plus overrides): dates counted there are estimates."""
    overrides = (CalendarOverride.objects.order_by()
                 .annotate(source=Value(_OVERRIDE, output_field=IntegerField()))
                 .values_list("date", "kind", "source"))
    imported = (ImportedDay.objects.order_by()
                .annotate(source=Value(_IMPORTED, output_field=IntegerField()))
                .values_list("date", "kind", "source"))
    lists: dict[tuple[int, str], list[date]] = {}
    for day, kind, source in overrides.union(imported, all=True):
        lists.setdefault((source, kind), []).append(day)
    holiday, workday = CalendarOverride.Kind.HOLIDAY, CalendarOverride.Kind.WORKDAY
    imported_holidays = lists.get((_IMPORTED, holiday), [])
    # An import always holds at least one holiday of its year (the import refuses a list without).
    calendar = with_imported_years(official_calendar(), {d.year for d in imported_holidays},
                                   holidays=imported_holidays, workdays=lists.get((_IMPORTED, workday), []))
    return with_overrides(calendar, holidays=lists.get((_OVERRIDE, holiday), []),
                          workdays=lists.get((_OVERRIDE, workday), []))


def imported_years() -> frozenset[int]:
    """The years with an imported official schedule (cached; an import clears the cache)."""
    years = cache.get(IMPORTED_YEARS_CACHE_KEY)
    if years is None:
        years = sorted(HolidayImport.objects.values_list("year", flat=True))
        cache.set(IMPORTED_YEARS_CACHE_KEY, years, IMPORTED_YEARS_CACHE_SECONDS)
    return frozenset(years)


def forget_imported_years() -> None:
    cache.delete(IMPORTED_YEARS_CACHE_KEY)


def missing_schedule_years(today: date) -> list[int]:
    """The years an administrator should import now (this year when uncovered, next year from
    :data:`NEXT_YEAR_WARNING_FROM`). No query while the package covers them; else one cached query."""
    package = official_calendar().official_years
    missing = schedule_years_missing(package, today, next_year_from=NEXT_YEAR_WARNING_FROM)
    if not missing:
        return []
    return schedule_years_missing(package | imported_years(), today, next_year_from=NEXT_YEAR_WARNING_FROM)


def calendar_warnings(today: date) -> list[str]:
    """Translated warnings for administrators: a year whose official holiday calendar is missing."""
    return [
        gettext(
            "The official holiday calendar for %(year)s is missing: working days in %(year)s are counted "
            "Monday to Friday plus the calendar overrides. Import the State Council's %(year)s holidays and "
            "make-up working days on the holiday import page, or update the chinesecalendar package."
        ) % {"year": year}
        for year in missing_schedule_years(today)
    ]
