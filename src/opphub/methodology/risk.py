"""Risk warnings (spec M5, X3) with their recommended interventions (X4).

Pure: no Django, no clock, no database. Facts come in as plain values and frozen dataclasses, flags go
out as frozen :class:`RiskFlag`; every number comes from the playbook (``[rules]``, the stages'
``default_days``, ``[[interventions]]``). The caller (a scan over opportunities) picks the windows:
which closed stage-history rows feed the average, which touches and which notes are looked at.

Three signals of a cycle that is getting longer (X3):

``stage_overdue`` (M5)
    Time in the current stage is *strictly greater* than ``rules.risk_duration_factor`` × the stage's
    average duration. The average is learned from history (:func:`stage_average_days`: the mean of
    the closed stage-history rows the caller passes: the moves out of the stage in the last
    ``rules.stage_average_window_days``, of the same pipeline and playbook version); while there are
    fewer than ``rules.stage_average_min_samples`` rows the playbook's ``default_days`` of the stage is
    used instead. Exactly factor × the average is *not* high risk. Elapsed time (calendar days) is
    compared. The spec's example (7 days average → "> 10 days") disagrees with its own 1.5× formula;
    the formula is kept (7 days → high risk after 10.5 days; docs/decisions.md).

``slow_response`` (X3: "response time grows from 24 h to > 3 days")
    A *response* is the time from the first of our outbound touches that is still unanswered to the
    customer's next inbound touch (several chasers before one answer make one response, measured from
    the first chaser; further inbound touches without an outbound in between are not responses).
    With ``now`` given, an outbound still unanswered at ``now`` whose wait already exceeds the risk
    limit counts as the latest response (the customer has gone quiet).
    With responses r1 … rn in time order (n ≥ 2):

    - *recent* = rn, the latest response;
    - *earlier* = the first half of r1 … r(n-1) (``ceil((n-1)/2)`` values, at least one), and the
      *baseline* is their median;
    - flagged when recent > ``rules.response_time_risk_days`` days (strictly) **and** baseline ≤
      ``rules.response_time_normal_hours`` (the customer used to answer within the normal time: "from
      24 h to > 3 days", both numbers the playbook's, no factor of our own).

    A customer who was always slow is not flagged: the signal is the change.

``internal_discussion`` (X3: "the customer is discussing internally" keeps appearing)
    A note matches when it contains any of ``rules.internal_discussion_phrases``; flagged when at
    least ``rules.internal_discussion_repeats`` notes match. Text is NFKC-normalised and case-folded;
    the phrases are segmented with jieba: a phrase that is one jieba token must appear as a whole token
    of the note (so "研究" does not match "研究院"), a phrase of several tokens matches as a substring
    of the note with white space removed (jieba may cut the phrase differently inside a sentence, e.g.
    "還在討論" vs "还/在/讨论"). Simplified and Traditional are matched as the playbook lists them: it
    must list both scripts (no opencc at run time).

Each flag carries the playbook's interventions whose ``when`` names its code, in playbook order (X4).

jieba is imported and its dictionary loaded lazily on the first text check, once per process:
about 0.2 s to import and 0.5-1 s to build the prefix dictionary (cached in the temp folder
afterwards); the dictionary ships inside the package, nothing is downloaded.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import NamedTuple

from .checks import require_aware as _aware
from .playbook_types import Intervention, Playbook

__all__ = [
    "CODES",
    "INBOUND",
    "INTERNAL_DISCUSSION",
    "OUTBOUND",
    "SLOW_RESPONSE",
    "STAGE_OVERDUE",
    "Evidence",
    "RiskFlag",
    "StageAverage",
    "Touch",
    "assess",
    "duration_flag",
    "internal_discussion_flag",
    "interventions_for",
    "matching_phrases",
    "response_time_flag",
    "response_times",
    "stage_average_days",
]

STAGE_OVERDUE = "stage_overdue"
SLOW_RESPONSE = "slow_response"
INTERNAL_DISCUSSION = "internal_discussion"
CODES = (STAGE_OVERDUE, SLOW_RESPONSE, INTERNAL_DISCUSSION)

OUTBOUND = "out"  # the values of opphub.followups.models.Direction
INBOUND = "in"

_DAY = Decimal(86_400_000_000)  # microseconds
_HOUR = Decimal(3_600_000_000)

Evidence = str | int | bool | Decimal | datetime | tuple[int, ...] | tuple[str, ...]


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _days(delta: timedelta) -> Decimal:
    return Decimal(_us(delta)) / _DAY


def _hours(delta: timedelta) -> Decimal:
    return Decimal(_us(delta)) / _HOUR


def _median_us(values: Sequence[timedelta]) -> Decimal:
    """The median in microseconds, exact (the mean of the two middle values for an even count)."""
    ordered = sorted(_us(v) for v in values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[mid])
    return Decimal(ordered[mid - 1] + ordered[mid]) / 2




@dataclass(frozen=True)
class RiskFlag:
    """One risk warning: ``code`` (one of :data:`CODES`), ``evidence`` (named values to show and to
    format the message with) and the recommended ``interventions`` of the playbook (X4)."""

    code: str
    evidence: Mapping[str, Evidence] = field(default_factory=lambda: MappingProxyType({}))
    interventions: tuple[Intervention, ...] = ()

    @property
    def intervention_keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.interventions)


def _flag(playbook: Playbook, code: str, evidence: Mapping[str, Evidence]) -> RiskFlag:
    chosen = tuple(i for i in playbook.interventions if code in i.when)
    return RiskFlag(code=code, evidence=MappingProxyType(dict(evidence)), interventions=chosen)


def interventions_for(playbook: Playbook, flags: Iterable[RiskFlag]) -> tuple[Intervention, ...]:
    """Every intervention recommended by any of ``flags``, each once, in playbook order."""
    codes = {f.code for f in flags}
    return tuple(i for i in playbook.interventions if codes.intersection(i.when))


# ---------------------------------------------------------------- M5: time in stage


@dataclass(frozen=True)
class StageAverage:
    """A stage's average duration in days; ``from_history`` is False when the playbook's default was
    used because fewer than ``min_samples`` rows were given (``samples`` = rows given)."""

    days: Decimal
    from_history: bool
    samples: int


def stage_average_days(durations: Sequence[timedelta], default_days: int, min_samples: int) -> StageAverage:
    """The mean duration of the closed stage-history rows ``durations`` (the caller's rolling window),
    or ``default_days`` (the stage's playbook default) while there are fewer than ``min_samples``
    (the playbook's ``rules.stage_average_min_samples``)."""
    if min_samples < 1:
        raise ValueError(f"min_samples must be at least 1 (got {min_samples})")
    if default_days < 1:
        raise ValueError(f"default_days must be at least 1 (got {default_days})")
    for d in durations:
        if d < timedelta(0):
            raise ValueError(f"a stage duration cannot be negative (got {d})")
    n = len(durations)
    if n < min_samples:
        return StageAverage(days=Decimal(default_days), from_history=False, samples=n)
    total = sum(_us(d) for d in durations)
    return StageAverage(days=Decimal(total) / (_DAY * n), from_history=True, samples=n)


def duration_flag(playbook: Playbook, stage: str, time_in_stage: timedelta,
                  average: StageAverage) -> RiskFlag | None:
    """``stage_overdue`` when ``time_in_stage`` > ``risk_duration_factor`` × ``average.days``
    (strictly). The closed (archive) stage is never flagged: it has its own deadline (S5).
    Raises KeyError for a stage the playbook does not have."""
    if playbook.stage(stage).closed:
        return None
    if time_in_stage < timedelta(0):
        raise ValueError(f"time in stage cannot be negative (got {time_in_stage})")
    factor = playbook.rules.risk_duration_factor
    threshold = factor * average.days
    days = _days(time_in_stage)
    if days <= threshold:
        return None
    return _flag(playbook, STAGE_OVERDUE, {
        "stage": stage,
        "days_in_stage": days,
        "average_days": average.days,
        "threshold_days": threshold,
        "factor": factor,
        "from_history": average.from_history,
        "samples": average.samples,
    })


# ---------------------------------------------------------------- X3: customer response time


class Touch(NamedTuple):
    """One follow-up as the response-time rule sees it: when, and :data:`OUTBOUND` or :data:`INBOUND`."""

    at: datetime
    direction: str


class _Response(NamedTuple):
    asked_at: datetime
    took: timedelta
    pending: bool


def _responses(touches: Sequence[tuple[datetime, str]], now: datetime | None,
               risk_limit: timedelta) -> list[_Response]:
    found: list[_Response] = []
    waiting_since: datetime | None = None
    previous: datetime | None = None
    for i, (at, direction) in enumerate(touches):
        _aware(f"touches[{i}].at", at)
        if previous is not None and at < previous:
            raise ValueError(f"touches must be sorted by time (touches[{i}] is earlier than the one before)")
        previous = at
        if direction == OUTBOUND:
            if waiting_since is None:
                waiting_since = at
        elif direction == INBOUND:
            if waiting_since is not None:
                found.append(_Response(waiting_since, at - waiting_since, pending=False))
                waiting_since = None
        else:
            raise ValueError(f"touches[{i}].direction must be {OUTBOUND!r} or {INBOUND!r} (got {direction!r})")
    if waiting_since is not None and now is not None:
        _aware("now", now)
        if previous is not None and now < previous:
            raise ValueError("now is earlier than the last touch")
        wait = now - waiting_since
        if wait > risk_limit:
            found.append(_Response(waiting_since, wait, pending=True))
    return found


def response_times(touches: Sequence[tuple[datetime, str]]) -> list[timedelta]:
    """The customer's response times, in time order (see the module's doc for the rule)."""
    return [r.took for r in _responses(touches, None, timedelta(0))]


def response_time_flag(playbook: Playbook, touches: Sequence[tuple[datetime, str]], *,
                       now: datetime | None = None) -> RiskFlag | None:
    """``slow_response`` when the latest response took more than ``response_time_risk_days`` while
    the earlier ones (median of the first half) were within ``response_time_normal_hours``.
    ``touches``: ``(at, direction)`` pairs (e.g. :class:`Touch`)
    sorted by time, aware datetimes. ``now``: also count a still-unanswered outbound touch."""
    rules = playbook.rules
    risk_limit = timedelta(days=rules.response_time_risk_days)
    found = _responses(touches, now, risk_limit)
    if len(found) < 2:
        return None
    latest = found[-1]
    earlier = [r.took for r in found[:-1]]
    first_half = earlier[:math.ceil(len(earlier) / 2)]
    baseline = _median_us(first_half) / _HOUR
    normal_limit = Decimal(rules.response_time_normal_hours)
    if latest.took <= risk_limit or baseline > normal_limit:
        return None
    return _flag(playbook, SLOW_RESPONSE, {
        "latest_hours": _hours(latest.took),
        "latest_days": _days(latest.took),
        "asked_at": latest.asked_at,
        "pending": latest.pending,
        "baseline_hours": baseline,
        "normal_hours": rules.response_time_normal_hours,
        "risk_days": rules.response_time_risk_days,
        "responses": len(found),
    })


# ---------------------------------------------------------------- X3: "discussing internally" in notes


@cache
def _segmenter() -> Callable[[str], list[str]]:
    """jieba's default tokenizer, imported and initialised once, on first use."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict ..." chatter on stderr
    jieba.initialize()
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _tokens(text: str) -> list[str]:
    return [t for t in _segmenter()(text) if t.strip()]


@cache
def _prepared(phrases: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """Each phrase as given, normalised (white space removed), and whether jieba cuts it into one
    token (True) or several. Empty phrases are dropped."""
    out: list[tuple[str, str, bool]] = []
    for raw in phrases:
        text = _normalise(raw)
        phrase = "".join(text.split())
        if phrase:
            out.append((raw, phrase, len(_tokens(text)) == 1))
    return tuple(out)


def matching_phrases(phrases: Sequence[str], note: str) -> tuple[str, ...]:
    """The phrases (as given, in the given order) that ``note`` contains (see the module's doc)."""
    text = _normalise(note)
    compact = "".join(text.split())
    if not compact:
        return ()
    tokens: set[str] | None = None
    found: list[str] = []
    for raw, phrase, single in _prepared(tuple(phrases)):
        if phrase not in compact:
            continue  # cheap pre-check: a whole token is a substring too
        if single:
            if tokens is None:
                tokens = set(_tokens(text))
            if phrase not in tokens:
                continue
        found.append(raw)
    return tuple(found)


def internal_discussion_flag(playbook: Playbook, notes: Sequence[str]) -> RiskFlag | None:
    """``internal_discussion`` when at least ``internal_discussion_repeats`` of ``notes`` (the
    follow-up notes the caller chose, e.g. of the current stage) contain one of the playbook's
    ``internal_discussion_phrases``. A note counts once however many phrases it holds."""
    rules = playbook.rules
    phrases = rules.internal_discussion_phrases
    matched: list[int] = []
    seen: list[str] = []
    for i, note in enumerate(notes):
        hits = matching_phrases(phrases, note)
        if hits:
            matched.append(i)
            seen.extend(h for h in hits if h not in seen)
    if len(matched) < rules.internal_discussion_repeats:
        return None
    ordered = tuple(p for p in phrases if p in seen)
    return _flag(playbook, INTERNAL_DISCUSSION, {
        "matching_notes": len(matched),
        "repeats": rules.internal_discussion_repeats,
        "note_indexes": tuple(matched),
        "phrases": ordered,
    })


# ---------------------------------------------------------------- all three


def assess(playbook: Playbook, *, stage: str, time_in_stage: timedelta, average: StageAverage,
           touches: Sequence[tuple[datetime, str]] = (), notes: Sequence[str] = (),
           now: datetime | None = None) -> tuple[RiskFlag, ...]:
    """Every risk flag of one opportunity, in the order of :data:`CODES` (empty: no risk seen)."""
    flags = (
        duration_flag(playbook, stage, time_in_stage, average),
        response_time_flag(playbook, touches, now=now),
        internal_discussion_flag(playbook, notes),
    )
    return tuple(f for f in flags if f is not None)
