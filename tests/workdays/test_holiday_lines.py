"""spec: S2, S4, S5, R3 — reading the State Council's holiday list as an administrator pastes or uploads it:
the accepted forms, and a translated error for every bad line (line number and reason)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from opphub.workdays.holiday_lines import HOLIDAY, WORKDAY, parse_holiday_lines

SAMPLE = Path(__file__).parent / "data" / "holidays-2027-sample.csv"  # plausible, not official


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _days(text: str, year: int = 2027) -> tuple[list[date], list[date]]:
    parsed = parse_holiday_lines(text, year)
    assert parsed.errors == [], parsed.errors
    return parsed.days(HOLIDAY), parsed.days(WORKDAY)


def test_the_sample_csv_file_reads_whole():
    """spec: S2 — the test file: 7 holidays spans (29 days off) and 5 make-up working days, header skipped."""
    parsed = parse_holiday_lines(SAMPLE.read_text(encoding="utf-8"), 2027)
    assert parsed.ok
    assert len(parsed.days(HOLIDAY)) == 3 + 7 + 3 + 5 + 1 + 1 + 7
    assert parsed.days(WORKDAY) == [date(2027, 2, 20), date(2027, 4, 25), date(2027, 5, 8), date(2027, 9, 26),
                                    date(2027, 10, 9)]
    national = [s for s in parsed.spans if s.name == "国庆节"]
    assert [(s.start, s.end, s.kind, s.line) for s in national] == [
        (date(2027, 10, 1), date(2027, 10, 7), HOLIDAY, 14)]


@pytest.mark.parametrize("line", [
    "2027-10-01,2027-10-07,holiday,国庆节",
    "2027-10-01..2027-10-07,holiday,国庆节",
    "2027/10/01 - 2027/10/07\tholiday\t国庆节",
    "10月1日至7日,放假,国庆节",
    "2027年10月1日至2027年10月7日,休,国庆节",
    "10月1日至10月7日，放假，国庆节",
    "国庆节：10月1日（星期五）至7日（星期四）放假调休，共7天。",
    "七、国庆节：10月1日(周五)至7日(周四)放假调休,共7天",
])
def test_a_range_in_each_accepted_form(line):
    """spec: S2 — ISO dates, Chinese dates with the import's year, tabs, full-width punctuation, the notice."""
    holidays, workdays = _days(line)
    assert holidays == [date(2027, 10, d) for d in range(1, 8)]
    assert workdays == []


def test_the_notice_sentence_with_make_up_days():
    """spec: S2 — the State Council's own sentence: holidays, the stated day count, the 上班 days."""
    text = ("二、春节：2月6日（农历除夕、周六）至12日（农历正月初六、周五）放假调休，共7天。"
            "2月20日（周六）上班。\n"
            "国庆节：10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。")
    parsed = parse_holiday_lines(text, 2027)
    assert parsed.ok, parsed.errors
    assert parsed.days(WORKDAY) == [date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)]
    assert [(s.name, s.kind, s.days) for s in parsed.spans] == [
        ("春节", HOLIDAY, 7), ("春节", WORKDAY, 1), ("国庆节", HOLIDAY, 7), ("国庆节", WORKDAY, 1),
        ("国庆节", WORKDAY, 1)]


def test_every_bad_line_is_reported_with_its_number_and_reason():
    """spec: S2 — one error per bad line, numbered as the admin sees the text; good lines still parse."""
    text = "\n".join([
        "2027-10-01,2027-10-07,holiday,国庆节",   # 1 good
        "2027-13-01,holiday,x",                   # 2 no such month
        "2027-10-08,wrk,x",                       # 3 unknown kind
        "2027-09-27,workday,x",                   # 4 a Monday as make-up day
        "2026-12-31,holiday,x",                   # 5 another year
        "2027-10-03,workday,x",                   # 6 already a holiday (line 1)
        "劳动节：5月1日至5日放假调休，共4天。",      # 7 stated 4 days, the range holds 5
        "2027-10-09,2027-10-08,holiday,x",        # 8 ends before it starts
        "国庆节 10月1日",                          # 9 neither 放假 nor 上班
        "",
        "# a comment",
        "just words",                              # 12 no date
    ])
    parsed = parse_holiday_lines(text, 2027)
    by_line = {e.line: e.message for e in parsed.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 7, 8, 9, 12]
    assert by_line[2] == "“2027-13-01” is not a date of the calendar."
    assert "“wrk” is not a kind of day" in by_line[3]
    assert by_line[4] == "2027-09-27 is a Monday: a make-up working day falls on a Saturday or Sunday."
    assert "2026-12-31 is not in 2027" in by_line[5]
    assert by_line[6] == "2027-10-03 is already a holiday on line 1."
    assert "says 4 days off, but its holiday dates hold 5" in by_line[7]
    assert "ends before it starts" in by_line[8]
    assert "add 放假 or 上班" in by_line[9]
    assert "No date found" in by_line[12]
    assert parsed.errors[0].text == "2027-13-01,holiday,x"


def test_the_weekdays_in_the_notice_must_fit_the_year():
    """spec: S2 — 2026's notice (10月1日 is a Thursday) pasted as 2027 (a Friday) is caught."""
    line = "国庆节：10月1日（星期四）至8日（星期四）放假调休，共8天。"
    assert parse_holiday_lines(line, 2026).ok
    [error] = parse_holiday_lines(line, 2027).errors
    assert error.message == ("2027-10-01 is a Friday, but the line says 星期四: is this the notice of another "
                             "year?")
    assert parse_holiday_lines("春节：2月6日（农历除夕、周六）至12日（周五）放假，共7天。", 2027).ok


def test_a_list_without_any_holiday_is_refused():
    """spec: S2 — make-up days alone cannot be a year's schedule (every year has New Year's Day)."""
    parsed = parse_holiday_lines("2027-09-26,workday,国庆节调休", 2027)
    assert [(e.line, "no holiday" in e.message) for e in parsed.errors] == [(0, True)]

