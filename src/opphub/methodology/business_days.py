"""Business-day arithmetic on a Chinese working calendar (spec S2, S4, S5, R3, R4, C3: "N working days").

Pure: no Django, no clock. The calendar is an argument: a frozen :class:`WorkCalendar` holding the
official holidays and make-up working days (调休), the years that have official data, and the
administrator's overrides. The Django side builds it from the ``chinesecalendar`` package and the
database (``opphub.workdays.calendar.work_calendar``).

A day is a working day when, in this order:

1. an override says so (a workday override makes it one, a holiday override makes it none);
2. the official data says so (a make-up working day is one, an official holiday is none);
3. otherwise it is Monday to Friday. This is also the fallback for a year without official data
   (:func:`missing_years` reports such years so that an administrator can be warned).

Official data comes from the package and, for the years it does not cover, from the State Council's
list that an administrator imports (:func:`with_imported_years`: an imported year replaces whatever
the package had for that year and counts as official). A date computed across a day of a year without
official data is an *estimate* (Monday-Friday): :func:`add_working_days_marked` and
:func:`relies_on_estimate` say so, so that the places showing a deadline can mark it.

Counting rule (one rule for every deadline): the event day itself never counts. "Within N working
days of an event" ends at the end of the N-th working day *after* the event day:
``add_working_days(calendar, event_day, n)``. With ``n = 0`` the deadline is the event day itself.
``working_days_between(calendar, start, end)`` counts the working days in ``(start, end]``, so that
``working_days_between(c, d, add_working_days(c, d, n)) == n``.

No function raises for a date: any ``datetime.date`` works (a year outside the official data falls
back), except that arithmetic past ``date.max`` raises ``OverflowError`` like ``date`` itself.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = [
    "MarkedDate",
    "WorkCalendar",
    "add_working_days",
    "add_working_days_marked",
    "calendar_from_official",
    "is_overdue",
    "is_working_day",
    "missing_years",
    "next_working_day",
    "relies_on_estimate",
    "schedule_years_missing",
    "with_imported_years",
    "with_overrides",
    "working_days_between",
]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Everything that decides whether a date is a working day. Build it with
    :func:`calendar_from_official` (and :func:`with_overrides`); an empty one is plain Monday-Friday.

    ``holidays``: official rest days (may include weekend days inside a holiday span: harmless).
    ``workdays``: official make-up working days, usually a Saturday or Sunday (调休上班).
    ``official_years``: the years for which the official data is complete.
    ``override_holidays`` / ``override_workdays``: the administrator's corrections; they win.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    official_years: frozenset[int] = frozenset()
    override_holidays: frozenset[date] = frozenset()
    override_workdays: frozenset[date] = frozenset()
    # Every date whose answer may differ from plain Monday-Friday, sorted: lets counting skip
    # day-by-day loops (derived, not part of equality).
    _special: tuple[date, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        both = self.override_holidays & self.override_workdays
        if both:
            first = min(both).isoformat()
            raise ValueError(f"a date cannot be both a holiday and a workday override: {first}")
        clash = self.holidays & self.workdays
        if clash:
            raise ValueError(f"a date cannot be both an official holiday and workday: {min(clash).isoformat()}")
        special = self.holidays | self.workdays | self.override_holidays | self.override_workdays
        object.__setattr__(self, "_special", tuple(sorted(special)))


def calendar_from_official(
    holidays: Mapping[date, object] | Iterable[date],
    workdays: Mapping[date, object] | Iterable[date],
    *,
    override_holidays: Iterable[date] = (),
    override_workdays: Iterable[date] = (),
) -> WorkCalendar:
    """A calendar from official data shaped like ``chinese_calendar.holidays`` / ``.workdays``
    (dicts keyed by date; any iterable of dates works). The official years are the years that have
    at least one official holiday (every real year has New Year's Day)."""
    hol = frozenset(holidays)
    work = frozenset(workdays)
    return WorkCalendar(
        holidays=hol,
        workdays=work,
        official_years=frozenset(d.year for d in hol),
        override_holidays=frozenset(override_holidays),
        override_workdays=frozenset(override_workdays),
    )


def with_overrides(calendar: WorkCalendar, *, holidays: Iterable[date] = (),
                   workdays: Iterable[date] = ()) -> WorkCalendar:
    """The same official data with these overrides (replacing any the calendar had)."""
    return WorkCalendar(
        holidays=calendar.holidays,
        workdays=calendar.workdays,
        official_years=calendar.official_years,
        override_holidays=frozenset(holidays),
        override_workdays=frozenset(workdays),
    )


def with_imported_years(calendar: WorkCalendar, years: Iterable[int], *, holidays: Iterable[date] = (),
                        workdays: Iterable[date] = ()) -> WorkCalendar:
    """The calendar with the official data of ``years`` replaced by an imported list: the given
    holidays and make-up working days (dates outside ``years`` are ignored). The years then count as
    official (covered); overrides are kept."""
    covered = frozenset(years)
    if not covered:
        return calendar
    hol = frozenset(d for d in holidays if d.year in covered)
    work = frozenset(d for d in workdays if d.year in covered)
    return WorkCalendar(
        holidays=frozenset(d for d in calendar.holidays if d.year not in covered) | hol,
        workdays=frozenset(d for d in calendar.workdays if d.year not in covered) | work,
        official_years=calendar.official_years | covered,
        override_holidays=calendar.override_holidays,
        override_workdays=calendar.override_workdays,
    )


def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    """True when people work on ``day`` (overrides, then official data, then Monday-Friday)."""
    if day in calendar.override_workdays:
        return True
    if day in calendar.override_holidays:
        return False
    if day in calendar.workdays:
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() < 5


def next_working_day(calendar: WorkCalendar, day: date) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(calendar, day, 1)


def add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """The N-th working day after ``start`` (``start`` itself never counts; ``n = 0`` gives ``start``).

    "Within 7 working days of the event" = by the end of ``add_working_days(cal, event_day, 7)``.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more (got {n})")
    day = start
    remaining = n
    # Whole weeks in a stretch without special dates hold exactly 5 working days: jump them.
    while remaining > 5:
        jump = day + timedelta(days=7)
        if not _has_special(calendar, day, jump):
            day = jump
            remaining -= 5
            continue
        day += _ONE_DAY
        if is_working_day(calendar, day):
            remaining -= 1
    while remaining > 0:
        day += _ONE_DAY
        if is_working_day(calendar, day):
            remaining -= 1
    return day


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """The number of working days in ``(start, end]``; negative when ``end`` is before ``start``.

    ``working_days_between(cal, event_day, today)`` = working days elapsed since the event.
    """
    if end < start:
        return -working_days_between(calendar, end, start)
    count = _weekdays_after(start, end)
    for day in _specials_in(calendar, start, end):
        count += int(is_working_day(calendar, day)) - int(day.weekday() < 5)
    return count


def is_overdue(calendar: WorkCalendar, event_day: date, n: int, today: date) -> bool:
    """True once the deadline "within ``n`` working days of ``event_day``" has passed on ``today``."""
    return today > add_working_days(calendar, event_day, n)


@dataclass(frozen=True)
class MarkedDate:
    """A computed date and whether it relied on an estimate: some day counted on the way fell in a
    year without official data, where Monday-Friday stood in for the unknown holidays."""

    day: date
    estimated: bool


def relies_on_estimate(calendar: WorkCalendar, start: date, end: date) -> bool:
    """True when a day in ``(start, end]`` (the days a count from ``start`` to ``end`` looks at) falls
    in a year without official data. Overrides do not make a year official: its other holidays are
    still unknown."""
    if end <= start:
        return False
    first = (start + _ONE_DAY).year
    return any(year not in calendar.official_years for year in range(first, end.year + 1))


def add_working_days_marked(calendar: WorkCalendar, start: date, n: int) -> MarkedDate:
    """:func:`add_working_days` together with whether the result relied on an estimate."""
    day = add_working_days(calendar, start, n)
    return MarkedDate(day, relies_on_estimate(calendar, start, day))


def missing_years(calendar: WorkCalendar, years: Iterable[int]) -> list[int]:
    """The given years without official data (sorted, each once): they fall back to Monday-Friday."""
    return sorted({y for y in years if y not in calendar.official_years})


def schedule_years_missing(covered_years: Iterable[int], today: date, *,
                           next_year_from: tuple[int, int]) -> list[int]:
    """The years whose official schedule an administrator should import now: this year when it is not
    covered, and next year once ``today`` reaches ``next_year_from`` (month, day) without it (the State
    Council publishes next year's schedule in the autumn)."""
    covered = frozenset(covered_years)
    wanted = [today.year]
    if (today.month, today.day) >= next_year_from:
        wanted.append(today.year + 1)
    return [year for year in wanted if year not in covered]


def _weekdays_after(start: date, end: date) -> int:
    """Mondays to Fridays in ``(start, end]`` (``end >= start``)."""
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    wd = start.weekday()
    for i in range(1, rest + 1):
        if (wd + i) % 7 < 5:
            count += 1
    return count


def _specials_in(calendar: WorkCalendar, start: date, end: date) -> tuple[date, ...]:
    """Special dates in ``(start, end]``."""
    special = calendar._special
    return special[bisect_right(special, start):bisect_right(special, end)]


def _has_special(calendar: WorkCalendar, start: date, end: date) -> bool:
    return bool(_specials_in(calendar, start, end))
