"""The Django side of the working-day calendar: official data from ``chinesecalendar`` + DB overrides.

Callers pass the result to the pure functions in :mod:`opphub.methodology.business_days`::

    cal = work_calendar()
    due = add_working_days(cal, closed_at.astimezone(tz).date(), playbook_value)
"""

from __future__ import annotations

import functools
from datetime import date

import chinese_calendar
from django.utils.translation import gettext

from opphub.methodology.business_days import (
    WorkCalendar,
    calendar_from_official,
    missing_years,
    with_overrides,
)

from .models import CalendarOverride


@functools.cache
def official_calendar() -> WorkCalendar:
    """chinesecalendar's holidays and make-up working days, read once per process (no overrides)."""
    return calendar_from_official(chinese_calendar.holidays, chinese_calendar.workdays)


def work_calendar() -> WorkCalendar:
    """The calendar in force: the official data with the overrides from the database (one query).

    Overrides win over the official data; years without official data fall back to Monday-Friday.
    """
    holidays: list[date] = []
    workdays: list[date] = []
    for day, kind in CalendarOverride.objects.values_list("date", "kind"):
        (workdays if kind == CalendarOverride.Kind.WORKDAY else holidays).append(day)
    return with_overrides(official_calendar(), holidays=holidays, workdays=workdays)


def calendar_warnings(today: date) -> list[str]:
    """Translated warnings for administrators: this year or next year has no official calendar."""
    return [
        gettext(
            "The official holiday calendar for %(year)s is missing: working days in %(year)s are counted "
            "Monday to Friday plus the calendar overrides. Enter %(year)s's public holidays and make-up "
            "working days as overrides, or update the chinesecalendar package."
        ) % {"year": year}
        for year in missing_years(official_calendar(), [today.year, today.year + 1])
    ]
