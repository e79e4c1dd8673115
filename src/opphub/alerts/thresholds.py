"""The cadence, zombie and risk rules of ``methodology`` turned into *thresholds* for SQL predicates.

Pure (no Django, no clock): every rule the scan applies is monotonic in one stored moment, so one
moment computed here per (playbook version, stage) decides it for every row with a plain comparison
``column < threshold`` — no date arithmetic in SQL, the same on SQLite and PostgreSQL.

- Touch cadence (C1-C4, :func:`opphub.methodology.cadence.next_touch`): the due moment is
  ``cover(base)`` where ``base`` is the N-th latest credit (N-th latest touch since the stage entry,
  else the stage entry). ``overdue ⇔ now > cover(base) ⇔ base < touch_threshold(...)``.
  Calendar days: ``cover(b) = b + D days`` (local wall clock; equal to UTC arithmetic in a zone without
  daylight saving such as Asia/Shanghai), so the threshold is ``now − D days``. Working days:
  ``cover(b)`` is the end of the D-th working day after b's local date, non-decreasing in that date,
  so the threshold is the start of the first local date X with ``add_working_days(X, D) ≥ today``.
- Zombie (P6, :func:`opphub.methodology.cadence.zombie_state`): ``days_without_update`` (calendar
  or working days, the playbook's ``incentives.zombie_working_days``) is non-increasing in the last
  update's local date, so ``days ≥ k ⇔ last update < start of the day
  after the latest date that still has k days``.
- Response times (C1-C4, :func:`opphub.methodology.cadence.response_dues`): the due moment is
  non-decreasing in the request's received moment, so ``overdue ⇔ received < response_threshold(...)``.
- Stage duration (M5, :func:`opphub.methodology.risk.duration_flag`): ``now − entered > f × avg ⇔
  entered < now − f × avg`` (to the microsecond).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from opphub.methodology.business_days import WorkCalendar, add_working_days, working_days_between
from opphub.methodology.cadence import ResponseRule
from opphub.methodology.playbook import Playbook
from opphub.methodology.playbook_types import Cadence
from opphub.methodology.risk import StageAverage

ONE_DAY = timedelta(days=1)
_US_PER_DAY = 86_400_000_000


def _start_of(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time.min, tzinfo=now.tzinfo)


def touch_threshold(cadence: Cadence, now: datetime, calendar: WorkCalendar) -> datetime:
    """The touch is overdue at ``now`` exactly when its base moment is earlier than this."""
    if not cadence.working_days:
        return now - timedelta(days=cadence.per_days)
    return _working_days_threshold(cadence.per_days, now, calendar)


def response_threshold(rule: ResponseRule, now: datetime, calendar: WorkCalendar) -> datetime:
    """C1-C4 response times (:meth:`ResponseRule.due`): the answer is overdue at ``now`` exactly when the
    request was received earlier than this. Hours are elapsed time; working days end with the N-th
    working day after the request's local date (the same step as a working-day cadence)."""
    if rule.unit == "hours":
        return now - timedelta(hours=rule.amount)
    if rule.unit == "days":
        return now - timedelta(days=rule.amount)
    return _working_days_threshold(rule.amount, now, calendar)


def _working_days_threshold(n: int, now: datetime, calendar: WorkCalendar) -> datetime:
    """Something due at the end of the n-th working day after its local date is late at ``now`` exactly when
    it happened before the start of the earliest day whose deadline has not passed yet."""
    today = now.date()
    day = today
    while add_working_days(calendar, day - ONE_DAY, n) >= today:
        day -= ONE_DAY
    return _start_of(day, now)


def days_without_update_threshold(days: int, now: datetime, calendar: WorkCalendar, *,
                                  working_days: bool = True) -> datetime:
    """``zombie_state(...).days_without_update >= days`` exactly when the last update is earlier than this."""
    yesterday = now.date() - ONE_DAY
    if days <= 0:
        return _start_of(now.date() + ONE_DAY, now) + timedelta(days=36500)  # everything qualifies
    if not working_days:
        return _start_of(yesterday - timedelta(days=days) + ONE_DAY, now)
    day = yesterday - ONE_DAY
    while working_days_between(calendar, day, yesterday) < days:
        day -= ONE_DAY
    return _start_of(day + ONE_DAY, now)


def penalty_day(playbook: Playbook, since: date, calendar: WorkCalendar, *, working_days: bool | None = None) -> date:
    """The day that completed the streak (its month is the ledger month), as ``zombie_state`` has it
    (``working_days`` None: the playbook's switch)."""
    z = int(playbook.number("incentives", "zombie_days"))
    if working_days is None:
        working_days = playbook.zombie_working_days
    return add_working_days(calendar, since, z) if working_days else since + timedelta(days=z)


def month_boundaries(playbook: Playbook, first: date, last: date, now: datetime, calendar: WorkCalendar, *,
                     working_days: bool | None = None) -> list[tuple[datetime | None, str]]:
    """The ledger month of a streak as a step function of its last update: ``[(upper bound, month), ...]``
    in ascending order — a last update earlier than the bound (and not earlier than the previous bound)
    books into that month; the last entry's bound is None. ``first``/``last``: the range of last-update
    local dates to cover."""
    out: list[tuple[datetime | None, str]] = []
    month_of = penalty_day(playbook, first, calendar, working_days=working_days)
    end = penalty_day(playbook, last, calendar, working_days=working_days)
    current = date(month_of.year, month_of.month, 1)
    while (current.year, current.month) < (end.year, end.month):
        following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        # smallest since-date whose penalty day falls in ``following`` or later
        day = following
        while penalty_day(playbook, day - ONE_DAY, calendar, working_days=working_days) >= following:
            day -= ONE_DAY
        out.append((_start_of(day, now), current.strftime("%Y-%m")))
        current = following
    out.append((None, current.strftime("%Y-%m")))
    return out


def duration_threshold(playbook: Playbook, average: StageAverage, now: datetime) -> datetime:
    """``duration_flag`` fires exactly when the stage was entered earlier than this."""
    limit_days = playbook.rules.risk_duration_factor * average.days
    micros = int(limit_days * _US_PER_DAY)  # floor: days > limit ⇔ µs > floor(limit µs) for integral µs
    return now - timedelta(microseconds=micros)
