"""Fixtures of the working-day calendar tests: trimming chinesecalendar's data (third-party input) so
that a test does not depend on the installed package version or on today's date; a clean cache."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest
from django.core.cache import cache

from opphub.workdays.calendar import official_calendar


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The imported years are cached; each test starts and ends with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def official_until(monkeypatch):
    """Make chinesecalendar's data end with the given year (inclusive); restores it afterwards."""

    def trim(last_year: int) -> None:
        hol = {d: v for d, v in chinese_calendar.holidays.items() if d.year <= last_year}
        work = {d: v for d, v in chinese_calendar.workdays.items() if d.year <= last_year}
        for year in range(2004, last_year + 1):  # pretend the data reaches last_year
            hol.setdefault(date(year, 1, 1), "New Year's Day")
        monkeypatch.setattr(chinese_calendar, "holidays", hol)
        monkeypatch.setattr(chinese_calendar, "workdays", work)
        official_calendar.cache_clear()

    yield trim
    official_calendar.cache_clear()


@pytest.fixture
def official_without(monkeypatch):
    """Remove one year from chinesecalendar's data (every other year stays); restores it afterwards."""

    def drop(year: int) -> None:
        hol = {d: v for d, v in chinese_calendar.holidays.items() if d.year != year}
        work = {d: v for d, v in chinese_calendar.workdays.items() if d.year != year}
        for other in (year - 1, year + 1):  # pretend the neighbours are covered whatever the version
            hol.setdefault(date(other, 1, 1), "New Year's Day")
        monkeypatch.setattr(chinese_calendar, "holidays", hol)
        monkeypatch.setattr(chinese_calendar, "workdays", work)
        official_calendar.cache_clear()

    yield drop
    official_calendar.cache_clear()
