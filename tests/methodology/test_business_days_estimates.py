"""spec: S2, S4, S5, R3 — working days in a year without official data are an estimate (Monday-Friday),
and the calendar says so; an imported year counts as official. Pure: no database, no clock."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opphub.methodology.business_days import (
    WorkCalendar,
    add_working_days,
    add_working_days_marked,
    calendar_from_official,
    is_working_day,
    relies_on_estimate,
    schedule_years_missing,
    with_imported_years,
    with_overrides,
)
from opphub.methodology.cadence import CadenceInput, Touch, next_touch
from opphub.methodology.playbook import Cadence, load_playbook_file

BOOK = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")
SH = ZoneInfo("Asia/Shanghai")

# 2026 as the package has it (National Day 2026-10-01..08, make-up 2026-10-10), trimmed to what the tests use.
OFFICIAL_2026 = calendar_from_official(
    [date(2026, 1, 1), *(date(2026, 10, d) for d in range(1, 9))], [date(2026, 10, 10)])
# A plausible 2027 list (not the State Council's): National Day 10-01..10-07, make-up 09-26 and 10-09.
HOLIDAYS_2027 = [date(2027, 1, 1), *(date(2027, 10, d) for d in range(1, 8)), *(date(2027, 2, d) for d in range(6, 13))]
WORKDAYS_2027 = [date(2027, 9, 26), date(2027, 10, 9), date(2027, 2, 20)]


def test_a_date_counted_in_a_year_without_data_is_an_estimate():
    """spec: S2 — "7 working days" from 2027-09-28 without 2027's schedule: 10-07 counted Mon-Fri, marked."""
    marked = add_working_days_marked(OFFICIAL_2026, date(2027, 9, 28), 7)
    assert marked.day == date(2027, 10, 7)
    assert marked.estimated is True


def test_a_date_inside_covered_years_is_not_an_estimate():
    """spec: S5 — the 2026 National Day is skipped from official data: nothing estimated."""
    marked = add_working_days_marked(OFFICIAL_2026, date(2026, 9, 30), 7)
    assert marked.day == date(2026, 10, 16)
    assert marked.estimated is False


@pytest.mark.parametrize(("start", "end", "estimated"), [
    (date(2026, 12, 30), date(2026, 12, 31), False),  # both in 2026
    (date(2026, 12, 31), date(2027, 1, 4), True),     # counting reaches into 2027
    (date(2026, 12, 31), date(2026, 12, 31), False),  # n = 0: nothing counted
    (date(2027, 1, 4), date(2026, 12, 31), False),    # an empty span
])
def test_relies_on_estimate_looks_at_the_counted_days_only(start, end, estimated):
    """spec: S4 — only the days after the start up to the end are counted, so only their years matter."""
    assert relies_on_estimate(OFFICIAL_2026, start, end) is estimated


def test_an_override_does_not_make_a_year_official():
    """spec: S2 — one override in 2027 does not tell the rest of 2027's holidays: still an estimate."""
    cal = with_overrides(OFFICIAL_2026, holidays=[date(2027, 10, 1)])
    marked = add_working_days_marked(cal, date(2027, 9, 28), 7)
    assert marked.day == date(2027, 10, 8) and marked.estimated is True


def test_an_imported_year_counts_as_official():
    """spec: S2, S5, R3 — after importing 2027, National Day and the make-up days count, nothing is estimated."""
    cal = with_imported_years(OFFICIAL_2026, [2027], holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    assert 2027 in cal.official_years
    assert is_working_day(cal, date(2027, 10, 1)) is False
    assert is_working_day(cal, date(2027, 9, 26)) is True  # a Sunday make-up day
    # 09-29, 09-30, 10-08, 10-09 (Sat, make-up), 10-11, 10-12, 10-13
    marked = add_working_days_marked(cal, date(2027, 9, 28), 7)
    assert marked == type(marked)(date(2027, 10, 13), False)
    # Spring Festival 02-06..02-12: from Friday 02-05, three working days end on Wednesday 02-17
    assert add_working_days(cal, date(2027, 2, 5), 3) == date(2027, 2, 17)


def test_an_imported_year_replaces_the_package_data_of_that_year_and_keeps_overrides():
    """spec: S2 — the import is the year's data; the admin's overrides still win over it."""
    cal = with_overrides(OFFICIAL_2026, workdays=[date(2026, 10, 2)])
    cal = with_imported_years(cal, [2026], holidays=[date(2026, 1, 1), date(2026, 10, 1)], workdays=[])
    assert is_working_day(cal, date(2026, 10, 5)) is True   # no longer a holiday: the import replaced 2026
    assert is_working_day(cal, date(2026, 10, 10)) is False  # a Saturday again
    assert is_working_day(cal, date(2026, 10, 2)) is True   # the override
    assert with_imported_years(cal, []) is cal


@pytest.mark.parametrize(("today", "missing"), [
    (date(2026, 10, 31), []),             # next year not expected yet
    (date(2026, 11, 1), [2027]),          # from 1 November it is
    (date(2026, 12, 31), [2027]),
    (date(2027, 1, 4), [2027]),           # the year itself is missing
    (date(2027, 11, 1), [2027, 2028]),
])
def test_which_schedules_an_admin_should_import(today, missing):
    """spec: S2 — this year when uncovered, next year from 1 November (the day is an argument)."""
    assert schedule_years_missing({2026}, today, next_year_from=(11, 1)) == missing
    assert schedule_years_missing({2026, 2027, 2028}, today, next_year_from=(11, 1)) == []


def test_an_empty_calendar_is_all_estimate():
    """spec: S2 — without any data every count is Monday-Friday and marked."""
    assert add_working_days_marked(WorkCalendar(), date(2026, 10, 1), 1).estimated is True


def test_a_working_day_touch_due_in_a_year_without_data_is_marked():
    """spec: C1-C4 — a cadence counted in working days: a touch due counted into 2027 without its schedule
    says it is an estimate (My day marks it); the same cadence inside 2026 does not, nor one in calendar days."""
    def due(working: bool, touch: datetime):  # type: ignore[no-untyped-def]
        cadence = Cadence(touches=1, per_days=3, working_days=working, preferred=())
        book = dataclasses.replace(BOOK, stages=tuple(dataclasses.replace(s, cadence=cadence)
                                                      if s.key == "closing" else s for s in BOOK.stages))
        inp = CadenceInput(stage="closing", status="open", stage_entered_at=touch.replace(day=1),
                           touches=(Touch(touch),))
        return next_touch(book, inp, touch, OFFICIAL_2026)

    assert due(True, datetime(2026, 12, 30, 10, tzinfo=SH)).estimated is True   # counts 2027-01-04
    assert due(True, datetime(2026, 12, 1, 10, tzinfo=SH)).estimated is False
    assert due(False, datetime(2026, 12, 30, 10, tzinfo=SH)).estimated is False
