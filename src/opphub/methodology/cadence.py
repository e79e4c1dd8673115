"""Follow-up cadence, response times, the zombie rule and the daily update (spec C1-C4, M3, P1, P6).

Pure: no Django, no clock. ``now``, the :class:`WorkCalendar` and the playbook are arguments; every
number comes from the playbook. ``now`` must be aware and in the business time zone
(``timezone.localtime()``): its ``tzinfo`` decides what "today" and a "local date" are. Other
datetimes may be in any zone (UTC from the database is fine); they are converted to ``now``'s zone.

Touch cadence, "N touches per D days" (C1 1/7, C2 1/3, C3 2/7, C4 1/2; ``stages.cadence``)
    A touch *covers* the moments up to ``D`` days after it: ``touch + D days`` (same local clock
    time), or, when the cadence counts working days, the end of the D-th working day after the
    touch's local date (business_days' counting rule). The stage entry counts as ``N`` touches, so
    a fresh stage has a full period of grace. The next touch is due at the ``N``-th latest cover:
    up to and including that moment at least ``N`` touches lie in the trailing window; after it,
    fewer. So ``due_at`` is the deadline itself (a touch exactly at ``due_at`` is in time) and the
    touch is overdue when ``now > due_at``. Only touches from the stage entry up to ``now`` count
    (a move to another stage restarts its cadence; a future-dated record counts once it happened);
    inbound touches (the customer reached out) count like outbound ones: a conversation happened.
    Adding a touch never makes the due moment earlier.

Response times (``stages.response``: ``<action>_hours`` / ``_working_days`` / ``_days``)
    Each pending customer request (an event that needs our answer) is due ``hours`` later (elapsed
    time), or at the end of the N-th working day after its local date, or N calendar days later.
    The request kind a rule answers: ``update`` ← ``key_action`` (C1: update the system within
    24 h of a key action), ``review_submit`` ← ``confirmation`` (C2: submit for review within 48 h
    of the customer's confirmation), ``feedback`` ← ``feedback`` (C3), ``objection`` ← ``objection``
    (C4); any other action answers the request kind of its own name. The current stage's rule
    applies; when it has none for that kind, the first open stage's rule that has one (an
    objection raised in S3 is still answered within C4's 24 h). A kind without any rule has no due.

Zombie rule (P6; ``incentives.zombie_days`` / ``zombie_penalty_points`` / ``intervention_days``)
    ``days_without_update`` counts the *complete* days after the last update's local date up to
    yesterday (today is not over, so it never counts). The spec counts calendar days (連續3天 /
    超7天; it writes 工作日 wherever it means working days), so a weekend or the National Day week
    counts; ``incentives.zombie_working_days = true`` counts working days only (the default of a
    playbook without the key, as before 1.3.0: :attr:`Playbook.zombie_working_days`). Penalty when
    ``days_without_update >= zombie_days`` (3 consecutive days: Mon update, Tue, Wed, Thu without →
    due from Friday 00:00); manager intervention when ``days_without_update > intervention_days``
    (more than 7).
    Idempotency: **one penalty per opportunity per streak**. A streak is identified by the local
    date of the last update, so a scan that runs every hour books it once, and a rep who lets the
    same opportunity lapse twice in a month is penalised twice (two lapses, as the spec counts).
    The penalty is booked in the month of the day that completed the streak (the lapse happened
    then, even if the scan sees it on the 1st of the next month). See :func:`zombie_ledger_key`.

Daily update (P1; ``rules.daily_update_time``)
    Before that local time, an opportunity not updated today gets a reminder; from that time on,
    none (the day's chance has passed; the zombie rule takes over). With a calendar given, no
    reminder on a non-working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .business_days import (
    WorkCalendar,
    add_working_days,
    is_working_day,
    relies_on_estimate,
    working_days_between,
)
from .checks import require_aware as _aware
from .playbook import Playbook, Stage

__all__ = [
    "RESPONSE_TRIGGERS",
    "CadenceInput",
    "CadenceState",
    "PendingRequest",
    "ResponseDue",
    "ResponseRule",
    "Touch",
    "TouchDue",
    "ZombieState",
    "cadence_state",
    "daily_update_reminder",
    "due_status",
    "next_touch",
    "response_dues",
    "response_rule_for",
    "response_rules",
    "zombie_ledger_key",
    "zombie_state",
]

DIRECTIONS = ("out", "in")
# The request kind each response action answers (vocabulary, not numbers: the numbers are the playbook's).
RESPONSE_TRIGGERS = {"update": "key_action", "review_submit": "confirmation", "feedback": "feedback",
                     "objection": "objection"}
_UNITS = ("_working_days", "_hours", "_days")  # longest suffix first




def _local(value: datetime, tz: tzinfo) -> datetime:
    return value.astimezone(tz)


def _end_of_day(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.max, tzinfo=tz)


def _after_hours(value: datetime, hours: int, tz: tzinfo) -> datetime:
    """``hours`` of elapsed time later (computed in UTC, so a DST change cannot stretch it)."""
    return (value.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)


@dataclass(frozen=True)
class Touch:
    """One follow-up with the customer: when, its kind (phone, wecom, visit ...) and direction
    (``out``: we reached out, ``in``: the customer did)."""

    occurred_at: datetime
    kind: str = "phone"
    direction: str = "out"

    def __post_init__(self) -> None:
        _aware("occurred_at", self.occurred_at)
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS} (got {self.direction!r})")


@dataclass(frozen=True)
class PendingRequest:
    """A customer event still waiting for our answer: ``key_action``, ``confirmation``, ``feedback``,
    ``objection`` (or a kind a custom playbook names). ``ref`` identifies it for the caller."""

    kind: str
    received_at: datetime
    ref: str = ""

    def __post_init__(self) -> None:
        _aware("received_at", self.received_at)


@dataclass(frozen=True)
class CadenceInput:
    """What the cadence rules need to know about one opportunity."""

    stage: str
    status: str  # "open" | "won" | "lost"
    stage_entered_at: datetime
    touches: tuple[Touch, ...] = ()
    pending: tuple[PendingRequest, ...] = ()
    last_update_at: datetime | None = None  # the last follow-up update; None: never (the stage entry counts)

    def __post_init__(self) -> None:
        _aware("stage_entered_at", self.stage_entered_at)
        _aware("last_update_at", self.last_update_at)


@dataclass(frozen=True)
class TouchDue:
    """The next touch of the stage's cadence. ``rule`` is ``cadence.<stage>``; ``touches_in_window``
    counts the real touches covering ``now`` (the stage entry's grace not included)."""

    rule: str
    due_at: datetime
    overdue: bool
    overdue_by: timedelta
    touches_in_window: int
    touches_needed: int
    per_days: int
    working_days: bool
    preferred: tuple[str, ...]
    estimated: bool = False  # working days counted across a year without official holiday data


@dataclass(frozen=True)
class ResponseRule:
    """One response-time rule of a stage: ``key`` as in the playbook (``objection_hours``)."""

    stage: str
    key: str
    action: str
    trigger: str
    amount: int
    unit: str  # "hours" | "working_days" | "days"

    @property
    def code(self) -> str:
        return f"response.{self.stage}.{self.key}"

    def due(self, received_at: datetime, tz: tzinfo, calendar: WorkCalendar) -> datetime:
        if self.unit == "hours":
            return _after_hours(received_at, self.amount, tz)
        local = _local(received_at, tz)
        if self.unit == "working_days":
            return _end_of_day(add_working_days(calendar, local.date(), self.amount), tz)
        return local + timedelta(days=self.amount)


@dataclass(frozen=True)
class ResponseDue:
    rule: str  # response.<stage>.<key>
    kind: str
    ref: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    overdue_by: timedelta
    unit: str  # "hours" | "working_days" | "days": show a date only for whole days


@dataclass(frozen=True)
class ZombieState:
    """P6 for one opportunity at ``now``. ``streak_since``: local date of the last update;
    ``penalty_day``: the day that completed ``zombie_days`` days without update (its month is the
    ledger month), None while not due."""

    days_without_update: int
    penalty_due: bool
    intervention_due: bool
    streak_since: date
    penalty_day: date | None
    penalty_points: int
    working_days: bool

    @property
    def ledger_month(self) -> str | None:
        return self.penalty_day.strftime("%Y-%m") if self.penalty_day else None


@dataclass(frozen=True)
class CadenceState:
    """Everything of this module for one opportunity: the rep's "my day" and the scans read this."""

    touch: TouchDue | None
    responses: tuple[ResponseDue, ...]
    zombie: ZombieState | None
    daily_update_due: bool

    @property
    def overdue(self) -> bool:
        return bool((self.touch and self.touch.overdue) or any(r.overdue for r in self.responses))


def _check_now(now: datetime) -> tzinfo:
    _aware("now", now)
    assert now.tzinfo is not None
    return now.tzinfo


def _overdue(due_at: datetime, now: datetime) -> tuple[bool, timedelta]:
    late = now > due_at
    return late, (now - due_at) if late else timedelta(0)


def next_touch(playbook: Playbook, inp: CadenceInput, now: datetime, calendar: WorkCalendar) -> TouchDue | None:
    """The next touch due under the stage's cadence (C1-C4), or None for a closed opportunity or a
    stage without cadence. See the module docstring for the exact rule."""
    tz = _check_now(now)
    stage = playbook.stage(inp.stage)
    cad = stage.cadence
    if inp.status != "open" or cad is None:
        return None

    def cover(moment: datetime) -> datetime:
        local = _local(moment, tz)
        if cad.working_days:
            return _end_of_day(add_working_days(calendar, local.date(), cad.per_days), tz)
        return local + timedelta(days=cad.per_days)

    entered = inp.stage_entered_at
    touches = sorted(t.occurred_at for t in inp.touches if entered <= t.occurred_at <= now)
    credits = [entered] * cad.touches + touches
    basis = credits[-cad.touches]
    due_at = cover(basis)
    overdue, by = _overdue(due_at, now)
    estimated = cad.working_days and relies_on_estimate(calendar, _local(basis, tz).date(), due_at.date())
    return TouchDue(
        rule=f"cadence.{stage.key}",
        due_at=due_at,
        overdue=overdue,
        overdue_by=by,
        touches_in_window=sum(1 for t in touches if cover(t) >= now),
        touches_needed=cad.touches,
        per_days=cad.per_days,
        working_days=cad.working_days,
        preferred=cad.preferred,
        estimated=estimated,
    )


def response_rules(stage: Stage) -> tuple[ResponseRule, ...]:
    """The stage's response-time rules. A key must end in ``_hours``, ``_working_days`` or ``_days``
    (ValueError naming the key otherwise)."""
    rules: list[ResponseRule] = []
    for key, amount in stage.response.items():
        for suffix in _UNITS:
            if key.endswith(suffix) and len(key) > len(suffix):
                action = key[: -len(suffix)]
                rules.append(ResponseRule(stage.key, key, action, RESPONSE_TRIGGERS.get(action, action),
                                          int(amount), suffix[1:]))
                break
        else:
            raise ValueError(f"stages.{stage.key}.response.{key}: the key must end in _hours, "
                             f"_working_days or _days")
    return tuple(rules)


def response_rule_for(playbook: Playbook, stage_key: str, kind: str) -> ResponseRule | None:
    """The response-time rule that applies to a ``kind`` request while the opportunity is in ``stage_key``."""
    return _rule_for(playbook, playbook.stage(stage_key), kind)


def _rule_for(playbook: Playbook, stage: Stage, kind: str) -> ResponseRule | None:
    for candidate in (stage, *(s for s in playbook.stages if not s.closed)):
        for rule in response_rules(candidate):
            if rule.trigger == kind:
                return rule
    return None


def response_dues(playbook: Playbook, inp: CadenceInput, now: datetime,
                  calendar: WorkCalendar) -> tuple[ResponseDue, ...]:
    """When each pending request must be answered (C1-C4 response times), earliest due first.
    Empty for a closed opportunity; a request kind without any rule in the playbook is left out."""
    tz = _check_now(now)
    if inp.status != "open":
        return ()
    stage = playbook.stage(inp.stage)
    out: list[ResponseDue] = []
    for req in inp.pending:
        rule = _rule_for(playbook, stage, req.kind)
        if rule is None:
            continue
        due_at = rule.due(req.received_at, tz, calendar)
        overdue, by = _overdue(due_at, now)
        out.append(ResponseDue(rule.code, req.kind, req.ref, _local(req.received_at, tz), due_at, overdue, by,
                               rule.unit))
    return tuple(sorted(out, key=lambda r: (r.due_at, r.ref)))


def zombie_state(playbook: Playbook, last_update_at: datetime, now: datetime, calendar: WorkCalendar,
                 *, working_days: bool | None = None) -> ZombieState:
    """P6 at ``now`` for an opportunity last updated at ``last_update_at`` (pass the creation or
    stage-entry time when it never was). See the module docstring for the boundaries. ``working_days``:
    None reads the playbook's switch."""
    tz = _check_now(now)
    if working_days is None:
        working_days = playbook.zombie_working_days
    _aware("last_update_at", last_update_at)
    zombie_days = int(playbook.number("incentives", "zombie_days"))
    intervention_days = int(playbook.number("incentives", "intervention_days"))
    points = int(playbook.number("incentives", "zombie_penalty_points"))
    since = _local(last_update_at, tz).date()
    yesterday = now.date() - timedelta(days=1)
    if yesterday <= since:
        days = 0
    elif working_days:
        days = working_days_between(calendar, since, yesterday)
    else:
        days = (yesterday - since).days
    penalty = days >= zombie_days
    penalty_day: date | None = None
    if penalty:
        penalty_day = (add_working_days(calendar, since, zombie_days) if working_days
                       else since + timedelta(days=zombie_days))
    return ZombieState(days, penalty, days > intervention_days, since, penalty_day, points, working_days)


def zombie_ledger_key(opportunity_ref: str, state: ZombieState, action: str = "penalty") -> str:
    """The idempotency key of the P6 ``action`` (``penalty`` or ``intervention``) for this streak:
    the same for every scan of one streak, new once the opportunity is updated again."""
    if action not in ("penalty", "intervention"):
        raise ValueError(f"action must be 'penalty' or 'intervention' (got {action!r})")
    return f"p6-zombie-{action}:{opportunity_ref}:{state.streak_since.isoformat()}"


def daily_update_reminder(playbook: Playbook, last_update_at: datetime | None, now_local: datetime,
                          *, calendar: WorkCalendar | None = None) -> bool:
    """P1: True before the playbook's daily update time when the opportunity was not updated today
    (local dates in ``now_local``'s zone); never on a non-working day when a calendar is given."""
    tz = _check_now(now_local)
    _aware("last_update_at", last_update_at)
    today = now_local.date()
    if calendar is not None and not is_working_day(calendar, today):
        return False
    if now_local.time() >= playbook.rules.daily_update_time:
        return False
    return last_update_at is None or _local(last_update_at, tz).date() != today


def due_status(due_at: datetime, now: datetime) -> str:
    """For "my day" (P1): ``overdue`` (past due), ``today`` (due later today, local) or ``upcoming``."""
    tz = _check_now(now)
    if now > due_at:
        return "overdue"
    return "today" if _local(due_at, tz).date() == now.date() else "upcoming"


def cadence_state(playbook: Playbook, inp: CadenceInput, now: datetime, calendar: WorkCalendar, *,
                  zombie_working_days: bool | None = None) -> CadenceState:
    """The touch due, the response dues, the zombie state and the daily reminder of one opportunity.
    A closed opportunity has none of them. Without ``last_update_at`` the stage entry counts as the
    last update."""
    _check_now(now)
    if inp.status != "open":
        return CadenceState(None, (), None, False)
    last = inp.last_update_at or inp.stage_entered_at
    return CadenceState(
        touch=next_touch(playbook, inp, now, calendar),
        responses=response_dues(playbook, inp, now, calendar),
        zombie=zombie_state(playbook, last, now, calendar, working_days=zombie_working_days),
        daily_update_due=daily_update_reminder(playbook, inp.last_update_at, now, calendar=calendar),
    )
