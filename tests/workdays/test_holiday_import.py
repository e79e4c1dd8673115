"""spec: S2, S4, S5, R3 — importing the State Council's schedule for a year chinesecalendar does not cover:
preview, all-or-nothing write with every bad line reported, re-import replacing the year, audit; the
working days then count the imported holidays and make-up days.

The 2027 file is a plausible sample made for these tests (the real 2027 schedule was not published
when they were written): Spring Festival 2027-02-06..02-12, National Day 2027-10-01..10-07."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from opphub.audit.models import FieldChange
from opphub.methodology.business_days import add_working_days, add_working_days_marked, is_working_day
from opphub.workdays.calendar import work_calendar
from opphub.workdays.models import HolidayImport, ImportedDay
from opphub.workdays.services import HolidayListInvalid, holiday_import_year

SAMPLE = (Path(__file__).parent / "data" / "holidays-2027-sample.csv").read_text(encoding="utf-8")
URL = "workdays:import"
BAD = "\n".join(["2027-10-01,2027-10-07,holiday,国庆节", "2027-10-32,holiday,x", "2027-09-27,workday,x",
                 "2027-10-03,workday,x"])


def _client(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def _post(client, **data):  # type: ignore[no-untyped-def]
    return client.post(reverse(URL), data, HTTP_ACCEPT_LANGUAGE="en")


def test_the_admin_previews_an_upload_then_imports_it(org, client, official_until):
    """spec: S2, S5, R3 — the upload is shown as it would be stored (nothing stored yet); "Import" stores it,
    and 2027-10-01 (National Day) and the Spring Festival then count as holidays, make-up days as work."""
    official_until(2026)
    c = _client(client, org.admin)
    before = add_working_days_marked(work_calendar(), date(2027, 9, 28), 7)
    assert before.day == date(2027, 10, 7) and before.estimated  # Mon-Fri: National Day counted as work

    page = _post(c, year="2027", action="preview", lines="",
                 file=SimpleUploadedFile("2027.csv", SAMPLE.encode("utf-8"), content_type="text/csv"))
    html = page.content.decode()
    assert page.status_code == 200 and "holiday-preview-table" in html
    assert "2027-10-01" in html and "国庆节" in html and "春节" in html
    assert "2027: 27 holidays and 5 make-up working days" in html
    assert 'id="holiday-import-confirm"' in html
    assert not HolidayImport.objects.exists() and not ImportedDay.objects.exists()

    done = _post(c, year="2027", action="import", lines=SAMPLE)
    assert done.status_code == 302
    record = HolidayImport.objects.get(year=2027)
    assert (record.imported_by, record.holiday_count, record.workday_count) == (org.admin, 27, 5)

    cal = work_calendar()
    assert is_working_day(cal, date(2027, 10, 1)) is False
    assert all(not is_working_day(cal, date(2027, 2, d)) for d in range(6, 13))  # Spring Festival
    assert is_working_day(cal, date(2027, 2, 20)) is True and is_working_day(cal, date(2027, 9, 26)) is True
    after = add_working_days_marked(cal, date(2027, 9, 28), 7)
    assert after.day == date(2027, 10, 13) and after.estimated is False
    assert add_working_days(cal, date(2027, 2, 5), 3) == date(2027, 2, 17)
    listing = c.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-year="2027"' in listing and str(org.admin) in listing


def test_a_bad_list_reports_every_bad_line_and_writes_nothing(org, client, official_until):
    """spec: S2 — preview and import both list lines 2, 3 and 4 with their reasons; nothing is stored,
    and an earlier import of the year stays as it was."""
    official_until(2026)
    holiday_import_year(actor=org.admin, year=2027, text=SAMPLE, now=timezone.now())
    c = _client(client, org.admin)
    for action in ("preview", "import"):
        html = _post(c, year="2027", action=action, lines=BAD).content.decode()
        assert "3 lines have errors. Nothing is stored until every line is right." in html
        assert 'data-line="2"' in html and "“2027-10-32” is not a date of the calendar." in html
        assert 'data-line="3"' in html and "2027-09-27 is a Monday" in html
        assert 'data-line="4"' in html and "2027-10-03 is already a holiday on line 1." in html
        assert 'id="holiday-import-confirm"' not in html
    assert HolidayImport.objects.get(year=2027).holiday_count == 27
    assert ImportedDay.objects.count() == 27 + 5
    with pytest.raises(HolidayListInvalid) as bad:
        holiday_import_year(actor=org.admin, year=2027, text=BAD, now=timezone.now())
    assert [e.line for e in bad.value.errors] == [2, 3, 4]


def test_importing_a_year_again_replaces_it_and_is_audited(org, official_until):
    """spec: S2 — a second import of 2027 replaces the first one's days; the audit trail says who and what."""
    official_until(2026)
    holiday_import_year(actor=org.admin, year=2027, text=SAMPLE, now=timezone.now())
    holiday_import_year(actor=org.admin, year=2027, text="2027-01-01,holiday,元旦\n2027-10-01,2027-10-08,holiday,国庆",
                        now=timezone.now())
    assert HolidayImport.objects.count() == 1
    assert sorted(ImportedDay.objects.values_list("date", flat=True)) == [
        date(2027, 1, 1), *(date(2027, 10, d) for d in range(1, 9))]
    cal = work_calendar()
    assert is_working_day(cal, date(2027, 2, 8)) is True  # the first import's Spring Festival is gone
    assert is_working_day(cal, date(2027, 10, 8)) is False
    record = HolidayImport.objects.get(year=2027)
    changes = FieldChange.objects.filter(object_id=str(record.pk), field="days").order_by("at", "id")
    assert changes.count() == 2 and all(ch.actor == org.admin for ch in changes)
    assert "2027-02-06..2027-02-12 holiday 春节" in changes.last().old_value
    assert changes.last().new_value == "2027-01-01 holiday 元旦; 2027-10-01..2027-10-08 holiday 国庆"


@pytest.mark.parametrize("who", ["r1", "m1", "director", "presales", "finance"])
def test_only_admins_import(org, client, who, official_until):
    """spec: S2 — anyone else gets 404 for the page and the post, and the service refuses them."""
    official_until(2026)
    c = _client(client, getattr(org, who))
    assert c.get(reverse(URL)).status_code == 404
    assert _post(c, year="2027", action="import", lines=SAMPLE).status_code == 404
    with pytest.raises(PermissionDenied):
        holiday_import_year(actor=getattr(org, who), year=2027, text=SAMPLE, now=timezone.now())
    assert not HolidayImport.objects.exists()


def test_an_empty_form_asks_for_lines(org, client):
    """spec: S2 — neither text nor file: the form says what is missing."""
    html = _post(_client(client, org.admin), year="2027", action="preview", lines=" ").content.decode()
    assert "Paste the lines or choose a file." in html


def test_a_gb18030_csv_from_excel_is_read(org, client, official_until):
    """spec: S2 — Excel in China saves CSV as GB18030: the names come through."""
    official_until(2026)
    c = _client(client, org.admin)
    html = _post(c, year="2027", action="preview", lines="",
                 file=SimpleUploadedFile("2027.csv", SAMPLE.encode("gb18030"))).content.decode()
    assert "国庆节" in html and "holiday-errors" not in html
