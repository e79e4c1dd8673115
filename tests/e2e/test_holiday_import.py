"""spec: S2, S4, S5, R3 — an administrator in a real browser: the banner says this year's official holiday
schedule is missing; its link opens the import page; the notice's lines are pasted, previewed (a bad
line first, reported with its number, nothing stored), corrected and imported; the banner is gone.

The missing year is made by removing it from chinesecalendar's data (third-party input) for the test, so
the test does not depend on the package version or today's date. The lines are a plausible schedule,
not the State Council's."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from opphub.workdays.calendar import official_calendar
from opphub.workdays.models import HolidayImport

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def year_missing(monkeypatch):  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    hol = {d: v for d, v in chinese_calendar.holidays.items() if d.year != year}
    hol.setdefault(date(year + 1, 1, 1), "New Year's Day")  # next year covered, whatever the version
    monkeypatch.setattr(chinese_calendar, "holidays", hol)
    monkeypatch.setattr(chinese_calendar, "workdays",
                        {d: v for d, v in chinese_calendar.workdays.items() if d.year != year})
    official_calendar.cache_clear()
    cache.clear()
    yield year
    official_calendar.cache_clear()
    cache.clear()


def test_admin_imports_the_missing_year_from_the_banner(org, live_server, new_page, year_missing):
    year = year_missing
    page = new_page("en")
    login(page, live_server, "admin")
    banner = page.locator("#calendar-banner")
    expect(banner).to_contain_text(f"The official holiday schedule for {year} is not in OppHub yet")
    banner.locator("a").click()
    expect(page.locator("h1")).to_have_text("Official holiday schedule")

    page.fill("#id_year", str(year))
    first, last = ("一二三四五六日"[date(year, 10, d).weekday()] for d in (1, 7))
    good = (f"元旦：1月1日放假，共1天。\n"
            f"国庆节：10月1日（周{first}）至7日（周{last}）放假调休，共7天。\n"
            f"{year}-05-01,{year}-05-03,holiday,劳动节")
    page.fill("#id_lines", good + "\n10月32日,放假,错误")
    page.click("button[value=preview]")
    expect(page.locator("#holiday-errors")).to_contain_text("Line 4")
    expect(page.locator("#holiday-errors")).to_contain_text("is not a date of the calendar")
    expect(page.locator("#holiday-import-confirm")).to_have_count(0)
    assert not HolidayImport.objects.exists()

    page.fill("#id_lines", good)
    page.click("button[value=preview]")
    expect(page.locator("#holiday-preview-table tbody tr")).to_have_count(3)
    expect(page.locator("#holiday-summary")).to_contain_text(f"{year}: 11 holidays")
    screenshot(page, "holiday-import-preview")
    page.click("#holiday-import-confirm")
    expect(page.locator(".messages")).to_contain_text(f"Imported {year}: 11 holidays")
    expect(page.locator(f"#holiday-imports tr[data-year='{year}']")).to_contain_text("管理员")
    expect(page.locator("#calendar-banner")).to_have_count(0)
    assert HolidayImport.objects.get(year=year).imported_by == org.admin
