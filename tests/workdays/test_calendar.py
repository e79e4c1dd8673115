"""spec: S2, S4, S5, R3, R4 — the working-day calendar in force: chinesecalendar's data + the admin's overrides.

The "missing year" condition is set by trimming chinesecalendar's data (third-party input), so the
tests do not depend on which package version is installed or on today's date.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from opphub.audit.models import FieldChange
from opphub.methodology.business_days import add_working_days, is_working_day, missing_years
from opphub.workdays.calendar import calendar_warnings, official_calendar, work_calendar
from opphub.workdays.models import CalendarOverride

CHANGELIST = "admin:workdays_calendaroverride_changelist"


@pytest.fixture
def override(org):
    def make(day: date, kind: str, note: str = "") -> CalendarOverride:
        return CalendarOverride.objects.create(date=day, kind=kind, note=note, created_by=org.admin,
                                               created_at=timezone.now())

    return make


def test_official_data_comes_from_chinesecalendar(db):
    """spec: S2, S5 — 2026 National Day is skipped and its make-up Saturday counts, straight from the package."""
    cal = work_calendar()
    assert is_working_day(cal, date(2026, 10, 1)) is False
    assert is_working_day(cal, date(2026, 10, 10)) is True
    assert add_working_days(cal, date(2026, 9, 30), 7) == date(2026, 10, 15)


def test_overrides_from_the_database_apply_and_win(override, official_until):
    """spec: S2, S5 — a holiday override on a make-up Saturday and a workday override in a holiday beat the data."""
    official_until(2026)
    override(date(2026, 10, 10), CalendarOverride.Kind.HOLIDAY, "company trip")
    override(date(2026, 10, 5), CalendarOverride.Kind.WORKDAY)
    override(date(2027, 2, 8), CalendarOverride.Kind.HOLIDAY, "2027 Spring Festival")
    cal = work_calendar()
    assert is_working_day(cal, date(2026, 10, 10)) is False
    assert is_working_day(cal, date(2026, 10, 5)) is True
    assert is_working_day(cal, date(2027, 2, 8)) is False
    assert is_working_day(cal, date(2027, 2, 9)) is True   # 2027 otherwise falls back to Monday-Friday
    # Oct 5, 8, 9, 12, 13, 14, 15
    assert add_working_days(cal, date(2026, 9, 30), 7) == date(2026, 10, 15)
    CalendarOverride.objects.filter(date=date(2026, 10, 5)).delete()
    assert add_working_days(work_calendar(), date(2026, 9, 30), 7) == date(2026, 10, 16)


def test_calendar_warnings_name_the_missing_years(db, official_until):
    """spec: S2 — admins are warned, in their language, when this year (or, from 1 November, next year) has no
    official calendar."""
    official_until(2026)
    assert missing_years(official_calendar(), [2026, 2027]) == [2027]
    with translation.override("en"):
        assert calendar_warnings(date(2025, 6, 1)) == []
        (warning,) = calendar_warnings(date(2026, 11, 28))
        assert "2027" in warning and "missing" in warning
        assert len(calendar_warnings(date(2027, 1, 4))) == 1  # 2027 itself; 2028 only from 1 November 2027
        assert len(calendar_warnings(date(2027, 11, 1))) == 2  # 2027 and 2028


def test_admin_changelist_warns_about_a_missing_year(org, client, override, official_without):
    """spec: S2 — the override list tells the admin that this year's official calendar is missing (the
    banner's rule: this year at any date; next year from 1 November) and links to the import."""
    year = timezone.localdate().year
    official_without(year)
    override(date(year, 1, 1), CalendarOverride.Kind.HOLIDAY, "New Year")
    client.force_login(org.admin)
    page = client.get(reverse(CHANGELIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The official holiday calendar for {year} is missing" in page
    assert "calendar-warnings" in page and reverse("workdays:import") in page
    assert "New Year" in page and "no official data" in page


def test_admin_changelist_is_quiet_when_the_data_covers_both_years(org, client, official_until):
    """spec: S2 — no warning while this and next year have official data."""
    official_until(timezone.localdate().year + 1)
    client.force_login(org.admin)
    page = client.get(reverse(CHANGELIST), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "calendar-warnings" not in page


def test_admin_adds_an_override_recorded_with_its_author(org, client, official_until):
    """spec: S2, S5 — an override entered in the admin is stamped, audited, and used at once."""
    official_until(2026)
    client.force_login(org.admin)
    day = date(2026, 12, 31)  # an ordinary Thursday
    response = client.post(reverse("admin:workdays_calendaroverride_add"),
                           {"date": day.isoformat(), "kind": "holiday", "note": "year-end closing"})
    assert response.status_code == 302
    row = CalendarOverride.objects.get(date=day)
    assert row.created_by == org.admin and row.created_at is not None
    assert FieldChange.objects.filter(object_repr=str(row)).exists()
    assert is_working_day(work_calendar(), day) is False
    assert add_working_days(work_calendar(), day - timedelta(days=1), 1) == date(2027, 1, 1)


def test_a_date_can_have_only_one_override(org, client, override):
    """spec: S2 — one override per date: the admin form refuses a second one."""
    override(date(2026, 12, 31), CalendarOverride.Kind.HOLIDAY)
    client.force_login(org.admin)
    response = client.post(reverse("admin:workdays_calendaroverride_add"),
                           {"date": "2026-12-31", "kind": "workday", "note": ""})
    assert response.status_code == 200
    assert CalendarOverride.objects.count() == 1
