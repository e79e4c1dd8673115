"""spec: S2, S4, S5, R3, R4, C3 — "N working days" on the Chinese business-day calendar (pure, no database).

The calendar is built from chinesecalendar's own data (its ``holidays`` / ``workdays`` dicts) through the
pure builder; years without official data fall back to Monday-Friday and are reported as missing.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opphub.methodology.business_days import (
    WorkCalendar,
    add_working_days,
    calendar_from_official,
    is_overdue,
    is_working_day,
    missing_years,
    next_working_day,
    with_overrides,
    working_days_between,
)

D = date
# chinesecalendar's data up to 2026 (1.11.0 has nothing later). Later package versions add 2027;
# trimming keeps "2027 has no official data" true here whatever version is installed.
HOLIDAYS = {d: name for d, name in chinese_calendar.holidays.items() if d.year <= 2026}
WORKDAYS = {d: name for d, name in chinese_calendar.workdays.items() if d.year <= 2026}
CAL = calendar_from_official(HOLIDAYS, WORKDAYS)

# The rules across 2026's National Day per chinesecalendar: Oct 1-7 off (Thu-Wed), make-up working
# Sunday Sep 20 and Saturday Oct 10; Mid-Autumn Sep 25-27 off.
# Spring Festival 2026: Feb 15-23 off, make-up working Saturdays Feb 14 and Feb 28.


def test_the_data_is_what_the_cases_assume():
    """spec: S2 — the cases below rest on chinesecalendar's published 2026 calendar."""
    assert all(D(2026, 10, d) in chinese_calendar.holidays for d in range(1, 8))
    assert D(2026, 10, 8) not in chinese_calendar.holidays
    assert {D(2026, 9, 20), D(2026, 10, 10), D(2026, 2, 14), D(2026, 2, 28)} <= set(chinese_calendar.workdays)
    assert all(D(2026, 2, d) in chinese_calendar.holidays for d in range(15, 24))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 9, 30), True),    # Wednesday before National Day
        (D(2026, 10, 1), False),   # National Day
        (D(2026, 10, 5), False),   # a Monday inside the holiday
        (D(2026, 10, 7), False),   # last holiday, a Wednesday
        (D(2026, 10, 8), True),    # back to work, Thursday
        (D(2026, 10, 10), True),   # make-up working Saturday 调休
        (D(2026, 10, 11), False),  # an ordinary Sunday
        (D(2026, 9, 20), True),    # make-up working Sunday
        (D(2026, 2, 14), True),    # Spring Festival make-up Saturday
        (D(2026, 2, 16), False),   # Spring Festival eve
        (D(2026, 2, 23), False),   # Spring Festival, a Monday
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),    # make-up Saturday after Spring Festival
        (D(2026, 3, 2), True),     # an ordinary Monday
        (D(2026, 3, 7), False),    # an ordinary Saturday
        (D(2027, 1, 1), True),     # no official data for 2027: Friday falls back to a working day
        (D(2027, 1, 2), False),    # 2027 Saturday
        (D(1900, 1, 1), True),     # before any data: Monday
    ],
)
def test_is_working_day(day, working):
    """spec: S2, S5 — official holidays skipped, make-up days worked, Monday-Friday otherwise."""
    assert is_working_day(CAL, day) is working


@pytest.mark.parametrize(
    ("event", "n", "deadline"),
    [
        # National Day: 7 working days after Wed Sep 30 = Oct 8, 9, 10 (make-up Sat), 12, 13, 14, 15.
        (D(2026, 9, 30), 7, D(2026, 10, 15)),
        # across Mid-Autumn, counting the make-up Sunday: Sep 20, 21, 22, 23, 24, 28, 29.
        (D(2026, 9, 18), 7, D(2026, 9, 29)),
        # Spring Festival: Feb 13, 14 (make-up Sat), 24, 25, 26, 27, 28 (make-up Sat).
        (D(2026, 2, 12), 7, D(2026, 2, 28)),
        # an event on a holiday: the clock starts on the next working day.
        (D(2026, 10, 3), 1, D(2026, 10, 8)),
        (D(2026, 10, 3), 3, D(2026, 10, 10)),
        # ordinary weeks
        (D(2026, 3, 2), 7, D(2026, 3, 11)),
        (D(2026, 3, 6), 1, D(2026, 3, 9)),     # Friday + 1 = Monday
        (D(2026, 3, 7), 1, D(2026, 3, 9)),     # Saturday + 1 = Monday
        (D(2026, 3, 2), 0, D(2026, 3, 2)),     # n = 0: the event day itself
        (D(2026, 3, 7), 0, D(2026, 3, 7)),
        # 2027 without data: plain Monday-Friday (Jan 1 2027 is a Friday and counts).
        (D(2026, 12, 31), 1, D(2027, 1, 1)),
        (D(2026, 12, 31), 7, D(2027, 1, 11)),
    ],
)
def test_add_working_days(event, n, deadline):
    """spec: S2 "within 7 working days", S4 "within 3 working days", S5 — the event day never counts."""
    assert add_working_days(CAL, event, n) == deadline
    assert working_days_between(CAL, event, deadline) == n


def test_national_day_make_up_saturday_counts_and_the_holiday_is_skipped():
    """spec: S2, S5 — without the 调休 Saturday the deadline would be a day later; plain Mon-Fri two weeks."""
    plain = WorkCalendar()
    assert add_working_days(plain, D(2026, 9, 30), 7) == D(2026, 10, 9)
    without_make_up = with_overrides(CAL, holidays=[D(2026, 10, 10)])
    assert add_working_days(without_make_up, D(2026, 9, 30), 7) == D(2026, 10, 16)
    assert add_working_days(CAL, D(2026, 9, 30), 7) == D(2026, 10, 15)


@pytest.mark.parametrize(
    ("event", "today", "overdue"),
    [
        (D(2026, 9, 30), D(2026, 10, 15), False),  # last day of "7 working days"
        (D(2026, 9, 30), D(2026, 10, 16), True),
        (D(2026, 9, 30), D(2026, 10, 7), False),
    ],
)
def test_is_overdue(event, today, overdue):
    """spec: S5 — the archive is due by the end of the 7th working day after closing."""
    assert is_overdue(CAL, event, 7, today) is overdue


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2026, 9, 30), D(2026, 10, 8), 1),
        (D(2026, 9, 30), D(2026, 10, 11), 3),
        (D(2026, 10, 1), D(2026, 10, 7), 0),
        (D(2026, 3, 2), D(2026, 3, 2), 0),
        (D(2026, 10, 15), D(2026, 9, 30), -7),  # backwards: negative
        (D(2025, 12, 31), D(2027, 1, 1), None),  # checked against day-by-day counting below
    ],
)
def test_working_days_between(start, end, count):
    """spec: M5, P6 — working days elapsed since an event, (start, end]."""
    expected = count if count is not None else _brute_count(CAL, start, end)
    assert working_days_between(CAL, start, end) == expected


def test_a_year_without_official_data_falls_back_and_is_reported():
    """spec: S2, S5 — chinesecalendar has no 2027: Monday-Friday, and 2027 is reported missing."""
    assert missing_years(CAL, [2026, 2027]) == [2027]
    assert missing_years(CAL, range(2004, 2027)) == []
    assert missing_years(CAL, [2030, 2027, 2027, 1999]) == [1999, 2027, 2030]
    week = [D(2027, 1, 4) + timedelta(days=i) for i in range(7)]
    assert [is_working_day(CAL, d) for d in week] == [True] * 5 + [False] * 2


def test_overrides_beat_official_data():
    """spec: S2, S5 — an admin's holiday/workday overrides win over chinesecalendar and the fallback."""
    cal = calendar_from_official(
        HOLIDAYS, WORKDAYS,
        override_workdays=[D(2026, 10, 5), D(2027, 1, 2)],
        override_holidays=[D(2026, 10, 10), D(2027, 1, 1), D(2026, 3, 3)],
    )
    assert is_working_day(cal, D(2026, 10, 5)) is True     # official holiday made a working day
    assert is_working_day(cal, D(2026, 10, 10)) is False   # make-up Saturday cancelled
    assert is_working_day(cal, D(2027, 1, 1)) is False     # 2027 New Year entered by hand
    assert is_working_day(cal, D(2027, 1, 2)) is True      # a 2027 make-up Saturday entered by hand
    assert is_working_day(cal, D(2026, 3, 3)) is False     # a company holiday on an ordinary Tuesday
    # Oct 5, 8, 9, 12, 13, 14, 15
    assert add_working_days(cal, D(2026, 9, 30), 7) == D(2026, 10, 15)
    assert working_days_between(cal, D(2026, 9, 30), D(2026, 10, 9)) == 3
    assert next_working_day(cal, D(2026, 12, 31)) == D(2027, 1, 2)
    assert missing_years(cal, [2027]) == [2027]  # overrides do not make a year official


def test_a_date_cannot_be_both_override_kinds():
    """spec: S2 — contradictory overrides are refused, not silently resolved."""
    with pytest.raises(ValueError, match="2026-10-05"):
        WorkCalendar(override_holidays=frozenset({D(2026, 10, 5)}), override_workdays=frozenset({D(2026, 10, 5)}))


def test_negative_n_is_refused():
    """spec: S2 — "N working days" means N >= 0."""
    with pytest.raises(ValueError, match="n must be 0 or more"):
        add_working_days(CAL, D(2026, 1, 5), -1)


def _brute_count(cal: WorkCalendar, start: date, end: date) -> int:
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(cal, day)
    return count


def _brute_add(cal: WorkCalendar, start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= is_working_day(cal, day)
    return day


DATES = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))
NEAR = st.dates(min_value=D(2003, 6, 1), max_value=D(2028, 6, 30))  # around the official data
OVERRIDES = st.frozensets(NEAR, max_size=20)


@settings(max_examples=300, deadline=None)
@given(day=DATES, n=st.integers(min_value=1, max_value=400))
def test_property_add_lands_on_a_working_day_and_round_trips(day, n):
    """spec: S2, S5 — add_working_days(d, n) is a working day for n >= 1 and exactly n working days later."""
    end = add_working_days(CAL, day, n)
    assert end > day
    assert is_working_day(CAL, end)
    assert working_days_between(CAL, day, end) == n


@settings(max_examples=200, deadline=None)
@given(day=NEAR, n=st.integers(min_value=0, max_value=120), hol=OVERRIDES, work=OVERRIDES)
def test_property_matches_day_by_day_counting_with_overrides(day, n, hol, work):
    """spec: S2, S5 — the fast paths agree with counting one day at a time, overrides included."""
    cal = with_overrides(CAL, holidays=hol - work, workdays=work)
    assert add_working_days(cal, day, n) == _brute_add(cal, day, n)
    other = day + timedelta(days=n)
    assert working_days_between(cal, day, other) == _brute_count(cal, day, other)


@settings(max_examples=300, deadline=None)
@given(a=DATES, b=DATES, n=st.integers(min_value=0, max_value=60))
def test_property_never_crashes_on_any_date(a, b, n):
    """spec: S2 — no date in 1900-2200 makes the calendar fail; counting is antisymmetric."""
    assert isinstance(is_working_day(CAL, a), bool)
    assert add_working_days(CAL, a, n) >= a
    assert working_days_between(CAL, a, b) == -working_days_between(CAL, b, a)
    assert missing_years(CAL, [a.year]) in ([], [a.year])
