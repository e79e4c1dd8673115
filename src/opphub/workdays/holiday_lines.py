"""Read a year's official holidays and make-up working days from lines an administrator pastes or
uploads (the State Council's notice, or a CSV made from it). Nothing is stored here: the result is a
preview, or the error of every bad line (line number and reason, translated).

One entry per line; empty lines and lines starting with ``#`` are skipped, and so is a first line
without any digit (a CSV header such as ``start,end,kind,name``). Accepted forms::

    2027-10-01,2027-10-07,holiday,国庆节         start, end, kind, name (CSV; a tab works too)
    2027-09-26,workday,国庆节调休                  one date (or a range), kind, name
    2027-09-26,,workday,国庆节调休                 the four columns with the end left empty
    10月1日至7日,放假,国庆节                       Chinese dates; the year is the import's
    国庆节：10月1日（星期五）至7日（星期四）放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。

The last form is the notice's own sentence: a clause with 上班 lists make-up working days, a clause
with 放假/休 holidays, text in brackets is ignored, and "共N天" must match the days of the holidays.
Kinds: ``holiday``/``放假``/``休`` and ``workday``/``上班``/``班`` (more synonyms below). Dates:
``2027-10-01``, ``2027/10/01``, ``2027年10月1日``, ``10月1日``; a range joins two dates with 至, 到,
``~``, ``..`` or a dash; the end may be a day alone (``10月1日至7日``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

HOLIDAY, WORKDAY = "holiday", "workday"
KIND_WORDS = {
    **{w: HOLIDAY for w in ("holiday", "holidays", "rest", "off", "day off", "休", "休息", "放假", "假", "假日",
                            "节假日", "休假")},
    **{w: WORKDAY for w in ("workday", "workdays", "work", "working day", "make-up", "makeup", "班", "上班",
                            "补班", "调休上班", "工作日")},
}
_WORKDAY_CLAUSE = re.compile(r"上班|补班|workday|working day", re.IGNORECASE)
_HOLIDAY_CLAUSE = re.compile(r"放假|休|holiday|day off", re.IGNORECASE)
_STATED_DAYS = re.compile(r"共\s*(\d+)\s*天")
_DATE = r"(?:(?P<{p}y>\d{{4}})\s*[-/.年]\s*)?(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})(?!\d)\s*[日号]?"
_SEPARATOR = r"\s*(?:至|到|~|–|—|\.\.|-)\s*"
_RANGE = re.compile(_DATE.format(p="a") + r"(?:" + _SEPARATOR + r"(?:" + _DATE.format(p="b")
                    + r"|(?P<bonly>\d{1,2})(?!\d)\s*[日号]?))?")
_WEEKDAY_NOTE = re.compile(r"(?:(?P<m>\d{1,2})\s*月)?\s*(?P<d>\d{1,2})\s*日\s*\((?P<note>[^)]*)\)")
_WEEKDAY_WORD = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAYS = "一二三四五六日"  # Monday first, as date.weekday(); 天 = 日
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
_NOTICE_NAME = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.]|\d+\s*[、.])?"
                          r"\s*(?P<name>[^:\d]+?)\s*:\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class Span:
    """Consecutive days of one kind from one line (``start`` to ``end``, both included)."""

    line: int
    start: date
    end: date
    kind: str  # holiday | workday
    name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based; 0 for the list as a whole
    text: str
    message: str


@dataclass
class HolidayList:
    """What the lines say for ``year``: the spans in line order and every error."""

    year: int
    spans: list[Span] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def days(self, kind: str) -> list[date]:
        return sorted({d for s in self.spans if s.kind == kind for d in s.dates()})

    def named_days(self) -> list[tuple[date, str, str]]:
        """(date, kind, name) once per date, the first line naming it winning."""
        seen: dict[date, tuple[str, str]] = {}
        for s in self.spans:
            for d in s.dates():
                seen.setdefault(d, (s.kind, s.name))
        return [(d, kind, name) for d, (kind, name) in sorted(seen.items())]


class _Bad(Exception):
    pass


def parse_holiday_lines(text: str, year: int) -> HolidayList:
    """Read ``text`` (one entry per line) as the official schedule of ``year``."""
    result = HolidayList(year)
    kinds: dict[date, tuple[str, int]] = {}
    header_allowed = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = unicodedata.normalize("NFKC", raw).strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if header_allowed and not any(c.isdigit() for c in line):
            header_allowed = False
            continue
        header_allowed = False
        try:
            spans = _parse_line(line, number, year)
            for span in spans:
                _check_span(span, year, kinds)
        except _Bad as bad:
            result.errors.append(LineError(number, raw.strip(), str(bad)))
            continue
        for span in spans:
            for d in span.dates():
                kinds.setdefault(d, (span.kind, number))
        result.spans.extend(spans)
    if not result.errors and not result.days(HOLIDAY):
        result.errors.append(LineError(0, "", _("The list has no holiday in %(year)s: every year has at least "
                                                "New Year's Day.") % {"year": year}))
    return result


def _kind_of(word: str) -> str | None:
    return KIND_WORDS.get(word.strip().lower())


def _fields(line: str) -> list[str]:
    parts = line.split("\t") if "\t" in line else line.split(",")
    parts = [p.strip().strip('"').strip() for p in parts]
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _parse_line(line: str, number: int, year: int) -> list[Span]:
    parts = _fields(line)
    if len(parts) >= 2 and _kind_of(parts[1]):
        start, end = _date_range(parts[0], year)
        return [Span(number, start, end, _kind_of(parts[1]) or "", ", ".join(parts[2:]))]
    if len(parts) >= 3 and _kind_of(parts[2]):
        start, end = _date_range(parts[0], year)
        if parts[1]:  # an empty end column: one day (or the range written in the first column)
            end, _ignored = _date_range(parts[1], year)
            if end < start:
                raise _Bad(_("The range “%(text)s” ends before it starts.")
                           % {"text": f"{parts[0]} – {parts[1]}"})
        return [Span(number, start, end, _kind_of(parts[2]) or "", ", ".join(parts[3:]))]
    if len(parts) >= 2 and _RANGE.fullmatch(parts[0]):
        word = parts[2] if len(parts) >= 3 and _RANGE.fullmatch(parts[1]) else parts[1]
        raise _Bad(_("“%(word)s” is not a kind of day: write holiday or workday (放假 or 上班).") % {"word": word})
    return _parse_notice(line, number, year)


def _date_range(text: str, year: int) -> tuple[date, date]:
    match = _RANGE.fullmatch(text.strip())
    if match is None:
        raise _Bad(_("“%(text)s” is not a date: write 2027-10-01 or 10月1日.") % {"text": text})
    return _range_of(match, year)


def _range_of(match: re.Match[str], year: int) -> tuple[date, date]:
    start = _make_date(match["ay"], match["am"], match["ad"], year, match[0])
    if match["bonly"]:
        end = _make_date(None, str(start.month), match["bonly"], start.year, match[0])
    elif match["bd"]:
        end = _make_date(match["by"], match["bm"], match["bd"], start.year, match[0])
    else:
        end = start
    if end < start:
        raise _Bad(_("The range “%(text)s” ends before it starts.") % {"text": match[0].strip()})
    return start, end


def _make_date(y: str | None, m: str, d: str, default_year: int, text: str) -> date:
    try:
        return date(int(y) if y else default_year, int(m), int(d))
    except ValueError:
        raise _Bad(_("“%(text)s” is not a date of the calendar.") % {"text": text.strip()}) from None


def _parse_notice(line: str, number: int, year: int) -> list[Span]:
    """The notice's sentence: ``name: dates 放假…，共N天。dates 上班。``"""
    _check_weekday_notes(line, year)
    plain = _BRACKETS.sub("", line)
    named = _NOTICE_NAME.match(plain)
    name, rest = (named["name"].strip(), named["rest"]) if named else ("", plain)
    spans: list[Span] = []
    stated: int | None = None
    for clause in re.split(r"[,;。]", rest):
        if (days := _STATED_DAYS.search(clause)) is not None:
            stated = int(days[1])
        matches = list(_RANGE.finditer(clause))
        if not matches:
            continue
        if _WORKDAY_CLAUSE.search(clause):
            kind = WORKDAY
        elif _HOLIDAY_CLAUSE.search(clause):
            kind = HOLIDAY
        else:
            raise _Bad(_("“%(text)s” does not say whether these are holidays or working days: add 放假 or 上班.")
                       % {"text": clause.strip()})
        for match in matches:
            start, end = _range_of(match, year)
            spans.append(Span(number, start, end, kind, name))
    if not spans:
        raise _Bad(_("No date found: write one holiday or make-up working day per line, e.g. "
                     "2027-10-01,2027-10-07,holiday,国庆节."))
    counted = sum(s.days for s in spans if s.kind == HOLIDAY)
    if stated is not None and stated != counted:
        raise _Bad(_("The line says %(stated)s days off, but its holiday dates hold %(counted)s.")
                   % {"stated": stated, "counted": counted})
    return spans


def _check_weekday_notes(line: str, year: int) -> None:
    """The notice writes the weekday after each date, 10月1日（星期五）: it must be that date's weekday in
    the import's year, which catches a notice pasted into the wrong year."""
    month: int | None = None
    for match in _WEEKDAY_NOTE.finditer(line):
        month = int(match["m"]) if match["m"] else month
        said = _WEEKDAY_WORD.search(match["note"])
        if month is None or said is None:
            continue
        day = _make_date(None, str(month), match["d"], year, match[0])
        expected = _WEEKDAYS.index("日" if said[1] == "天" else said[1])
        if day.weekday() != expected:
            raise _Bad(_("%(date)s is a %(weekday)s, but the line says %(said)s: is this the notice of another "
                         "year?") % {"date": day.isoformat(), "weekday": date_format(day, "l"), "said": said[0]})


def _check_span(span: Span, year: int, kinds: dict[date, tuple[str, int]]) -> None:
    for d in (span.start, span.end):
        if d.year != year:
            raise _Bad(_("%(date)s is not in %(year)s: this import is for %(year)s only (enter a date of "
                         "another year in that year's import or as an override).")
                       % {"date": d.isoformat(), "year": year})
    for d in span.dates():
        if span.kind == WORKDAY and d.weekday() < 5:
            raise _Bad(_("%(date)s is a %(weekday)s: a make-up working day falls on a Saturday or Sunday.")
                       % {"date": d.isoformat(), "weekday": date_format(d, "l")})
        known = kinds.get(d)
        if known is not None and known[0] != span.kind:
            message = (_("%(date)s is already a holiday on line %(line)s.") if known[0] == HOLIDAY
                       else _("%(date)s is already a make-up working day on line %(line)s."))
            raise _Bad(message % {"date": d.isoformat(), "line": known[1]})
