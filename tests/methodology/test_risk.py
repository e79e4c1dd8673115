"""spec: M5, X3, X4 — risk warnings from the pure core (no database), with a fixed ``now``.

Time in stage > 1.5 × the stage's average (learned from history, the playbook's default while history
is thin); the customer's response time growing from about 24 h to over 3 days; "the customer is
discussing internally" recurring in follow-up notes (Simplified and Traditional). Each flag carries the
playbook's recommended interventions.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opphub.methodology.playbook import Playbook, parse_playbook
from opphub.methodology.risk import (
    INBOUND,
    INTERNAL_DISCUSSION,
    OUTBOUND,
    SLOW_RESPONSE,
    STAGE_OVERDUE,
    StageAverage,
    Touch,
    assess,
    duration_flag,
    internal_discussion_flag,
    interventions_for,
    matching_phrases,
    response_time_flag,
    response_times,
    stage_average_days,
)

ROOT = Path(__file__).resolve().parents[2]
BOOK = parse_playbook((ROOT / "playbooks" / "standard.toml").read_text(encoding="utf-8"), source="standard.toml")
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
D = Decimal
H = timedelta(hours=1)
DAY = timedelta(days=1)


def with_rules(book: Playbook = BOOK, **changes: object) -> Playbook:
    return dataclasses.replace(book, rules=dataclasses.replace(book.rules, **changes))


def keys(flag):
    return flag.intervention_keys if flag else None


# ---------------------------------------------------------------- M5: the stage's average


@pytest.mark.parametrize(
    ("durations", "min_samples", "expected"),
    [
        ([], 10, StageAverage(D(7), False, 0)),                      # no history: the playbook default
        ([4 * DAY] * 9, 10, StageAverage(D(7), False, 9)),           # thin history: still the default
        ([4 * DAY] * 10, 10, StageAverage(D(4), True, 10)),          # enough: the mean
        ([2 * DAY] * 5 + [6 * DAY] * 5, 10, StageAverage(D(4), True, 10)),
        ([DAY, 2 * DAY], 2, StageAverage(D("1.5"), True, 2)),        # the caller may lower the minimum
        ([12 * H, 12 * H, 36 * H], 3, StageAverage(D(20) / D(24), True, 3)),
    ],
)
def test_stage_average_from_history_or_the_playbook_default(durations, min_samples, expected):
    """spec: M5 — the average is learned from history; the playbook's default while history is thin."""
    default = BOOK.stage("confirmation").default_days
    assert stage_average_days(durations, default, min_samples) == expected


def test_the_standard_minimum_of_samples_is_ten():
    """spec: M5 — nine closed rows are thin history, ten are enough (the playbook's minimum)."""
    n = BOOK.rules.stage_average_min_samples
    assert (n, BOOK.rules.stage_average_window_days) == (10, 180)
    assert not stage_average_days([DAY] * 9, 7, n).from_history
    assert stage_average_days([DAY] * 10, 7, n) == StageAverage(D(1), True, 10)


@pytest.mark.parametrize(
    ("durations", "default", "min_samples"),
    [([-DAY], 7, 1), ([DAY], 0, 1), ([DAY], 7, 0)],
)
def test_stage_average_refuses_nonsense(durations, default, min_samples):
    """spec: M5 — a negative duration, a zero default or a zero minimum is a caller's bug."""
    with pytest.raises(ValueError, match=r"must be at least 1|cannot be negative"):
        stage_average_days(durations, default, min_samples)


# ---------------------------------------------------------------- M5: time in stage > 1.5 × average

CONFIRMATION_DEFAULT = StageAverage(D(7), False, 3)  # confirmation averages 7 days (spec M5's example)


@pytest.mark.parametrize(
    ("stage", "entered_at", "average", "flagged"),
    [
        ("confirmation", NOW - 10 * DAY, CONFIRMATION_DEFAULT, False),
        ("confirmation", NOW - timedelta(days=10, hours=12), CONFIRMATION_DEFAULT, False),  # exactly 1.5 × 7
        ("confirmation", NOW - timedelta(days=10, hours=12, seconds=1), CONFIRMATION_DEFAULT, True),
        ("confirmation", NOW - 11 * DAY, CONFIRMATION_DEFAULT, True),
        ("confirmation", NOW, CONFIRMATION_DEFAULT, False),
        ("solution", NOW - 31 * DAY, StageAverage(D(21), False, 0), False),   # 1.5 × 21 = 31.5
        ("solution", NOW - 32 * DAY, StageAverage(D(21), False, 0), True),
        ("solution", NOW - 7 * DAY, StageAverage(D(4), True, 12), True),      # history: 4 days → > 6
        ("solution", NOW - 6 * DAY, StageAverage(D(4), True, 12), False),
        ("archive", NOW - 90 * DAY, StageAverage(D(7), False, 0), False),     # closed: its own deadline (S5)
    ],
)
def test_time_in_stage_over_factor_times_average_is_high_risk(stage, entered_at, average, flagged):
    """spec: M5, X3 — strictly more than 1.5 × the average is high risk; exactly 1.5 × is not."""
    flag = duration_flag(BOOK, stage, NOW - entered_at, average)
    assert (flag is not None) == flagged
    if flag:
        assert flag.code == STAGE_OVERDUE
        assert flag.evidence["stage"] == stage
        assert flag.evidence["threshold_days"] == D("1.5") * average.days
        assert flag.evidence["from_history"] is average.from_history


def test_the_overdue_flag_shows_its_evidence_and_interventions():
    """spec: M5, X4 — "high risk" with the numbers behind it and the recommended strategies
    (e.g. "add an executive visit"), in playbook order."""
    flag = duration_flag(BOOK, "confirmation", 11 * DAY, CONFIRMATION_DEFAULT)
    assert flag is not None
    assert dict(flag.evidence) == {
        "stage": "confirmation", "days_in_stage": D(11), "average_days": D(7), "threshold_days": D("10.5"),
        "factor": D("1.5"), "from_history": False, "samples": 3,
    }
    assert flag.intervention_keys == ("key_person_touches", "workshop", "executive_visit")
    assert flag.interventions[-1].text.get("zh-hans") == "增加一次高层拜访"
    assert flag.interventions[-1].text.get("en") == "Add an executive visit"


def test_the_factor_comes_from_the_playbook():
    """spec: M5 — the 1.5 is a playbook value: a playbook with factor 2 flags only past 14 days."""
    book = with_rules(risk_duration_factor=D(2))
    assert duration_flag(book, "confirmation", 14 * DAY, CONFIRMATION_DEFAULT) is None
    assert duration_flag(book, "confirmation", 14 * DAY + H, CONFIRMATION_DEFAULT) is not None


def test_thin_history_falls_back_to_the_default_end_to_end():
    """spec: M5 — with 3 fast closed rows the default (7 days) decides; with 10 the history does."""
    fast = [2 * DAY] * 3
    avg = stage_average_days(fast, BOOK.stage("confirmation").default_days, BOOK.rules.stage_average_min_samples)
    assert duration_flag(BOOK, "confirmation", 9 * DAY, avg) is None
    avg = stage_average_days([2 * DAY] * 10, BOOK.stage("confirmation").default_days,
                             BOOK.rules.stage_average_min_samples)
    assert duration_flag(BOOK, "confirmation", 9 * DAY, avg) is not None


def test_an_unknown_stage_is_a_key_error():
    """spec: M5 — the stage must be one of the playbook's."""
    with pytest.raises(KeyError):
        duration_flag(BOOK, "negotiation", DAY, CONFIRMATION_DEFAULT)


@given(
    average_hours=st.integers(min_value=1, max_value=24 * 200),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
)
def test_overdue_exactly_when_strictly_over_the_threshold(average_hours, minutes):
    """spec: M5 — flagged iff time in stage > 1.5 × average, for any average and time."""
    average = StageAverage(D(average_hours) / 24, True, 10)
    flag = duration_flag(BOOK, "discovery", timedelta(minutes=minutes), average)
    assert (flag is not None) == (minutes * 2 > 3 * average_hours * 60)


# ---------------------------------------------------------------- X3: customer response time


def touches(*steps: tuple[str, timedelta]) -> list[Touch]:
    """Touches at offsets from a start 30 days before NOW: ("out"|"in", offset)."""
    start = NOW - 30 * DAY
    return [Touch(start + offset, direction) for direction, offset in steps]


def exchange(*responses: timedelta, gap: timedelta = 2 * DAY) -> list[Touch]:
    """An outbound touch answered after each response time, the next one ``gap`` later."""
    steps: list[tuple[str, timedelta]] = []
    t = timedelta(0)
    for took in responses:
        steps += [(OUTBOUND, t), (INBOUND, t + took)]
        t += took + gap
    return touches(*steps)


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([], []),
        ([(OUTBOUND, 0 * H), (INBOUND, 24 * H)], [24 * H]),
        ([(OUTBOUND, 0 * H), (OUTBOUND, 30 * H), (INBOUND, 50 * H)], [50 * H]),    # chasers: from the first
        ([(INBOUND, 0 * H), (OUTBOUND, 5 * H), (INBOUND, 9 * H), (INBOUND, 20 * H)], [4 * H]),  # unasked: no
        ([(OUTBOUND, 0 * H), (INBOUND, 2 * H), (OUTBOUND, 10 * H), (INBOUND, 100 * H)], [2 * H, 90 * H]),
        ([(OUTBOUND, 0 * H), (INBOUND, 2 * H), (OUTBOUND, 10 * H)], [2 * H]),     # still waiting: not yet
        ([(OUTBOUND, 0 * H), (INBOUND, 0 * H)], [0 * H]),
    ],
)
def test_response_times_are_outbound_to_next_inbound(steps, expected):
    """spec: X3 — response time = from our (first unanswered) outbound touch to the customer's next inbound."""
    assert response_times(touches(*steps)) == expected


@pytest.mark.parametrize(
    ("responses", "flagged"),
    [
        ([24 * H, 24 * H, 4 * DAY], True),              # the spec's case: about a day, then over 3 days
        ([20 * H, 3 * DAY], False),                     # exactly 3 days is not "more than 3 days"
        ([20 * H, 3 * DAY + timedelta(minutes=1)], True),
        ([4 * DAY, 4 * DAY, 4 * DAY], False),           # always slow: no change, no signal
        ([20 * H, 47 * H, 4 * DAY], True),              # baseline = first half of the earlier ones = 20 h
        ([24 * H, 4 * DAY], True),                      # "from 24 h": a baseline within 24 h
        ([24 * H + timedelta(seconds=1), 4 * DAY], False),  # a second over 24 h: not the spec's change
        ([48 * H, 4 * DAY], False),                     # no hidden factor of 2 (1.2.0 passed 48 h as 24 h)
        ([24 * H, 4 * DAY, 20 * H], False),             # the latest answer is quick again
        ([4 * DAY], False),                             # nothing to compare with
        ([10 * H, 12 * H, 4 * DAY, 4 * DAY, 5 * DAY], True),  # earlier half (10 h, 12 h) normal
        ([4 * DAY, 4 * DAY, 10 * H, 12 * H, 5 * DAY], False),  # earlier half slow
    ],
)
def test_slow_response_when_it_grows_from_about_a_day_to_over_three_days(responses, flagged):
    """spec: X3 — the customer's response time grows from 24 h to > 3 days."""
    flag = response_time_flag(BOOK, exchange(*responses), now=NOW)
    assert (flag is not None) == flagged
    if flag:
        assert flag.code == SLOW_RESPONSE
        assert flag.evidence["pending"] is False
        assert flag.evidence["responses"] == len(responses)


def test_slow_response_evidence_and_interventions():
    """spec: X3, X4 — the flag says how slow and since when, and recommends the workshop and the
    approval-path help (customer-side process blocks)."""
    t = exchange(24 * H, 26 * H, 100 * H)
    flag = response_time_flag(BOOK, t)
    assert flag is not None
    assert flag.evidence["latest_hours"] == D(100)
    assert flag.evidence["baseline_hours"] == D(24)
    assert flag.evidence["asked_at"] == t[-2].at
    assert (flag.evidence["normal_hours"], flag.evidence["risk_days"]) == (24, 3)
    assert flag.intervention_keys == ("workshop", "approval_path")


@pytest.mark.parametrize(
    ("waiting", "flagged"),
    [(2 * DAY, False), (3 * DAY, False), (3 * DAY + H, True), (9 * DAY, True)],
)
def test_a_customer_gone_quiet_counts_once_the_wait_passes_the_limit(waiting, flagged):
    """spec: X3 — with ``now``, an outbound touch unanswered for more than 3 days is the latest response."""
    asked = NOW - waiting
    t = [Touch(asked - 5 * DAY, OUTBOUND), Touch(asked - 4 * DAY, INBOUND), Touch(asked, OUTBOUND),
         Touch(asked + H, OUTBOUND)]
    flag = response_time_flag(BOOK, t, now=NOW)
    assert (flag is not None) == flagged
    if flag:
        assert flag.evidence["pending"] is True
        assert flag.evidence["asked_at"] == asked
    assert response_time_flag(BOOK, t) is None  # without now: no open wait is measured


def test_the_response_limits_come_from_the_playbook():
    """spec: X3 — 24 h and 3 days are playbook values, read as they are written."""
    t = exchange(24 * H, 4 * DAY)
    assert response_time_flag(with_rules(response_time_risk_days=5), t) is None
    assert response_time_flag(with_rules(response_time_normal_hours=23), t) is None  # 24 h > 23 h
    slower = exchange(30 * H, 4 * DAY)
    assert response_time_flag(BOOK, slower) is None
    assert response_time_flag(with_rules(response_time_normal_hours=30), slower) is not None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([Touch(datetime(2026, 11, 1, 9, 0), OUTBOUND)], "aware"),  # naive: the point of the test
        ([Touch(NOW, OUTBOUND), Touch(NOW - H, INBOUND)], "sorted"),
        ([Touch(NOW, "sideways")], "direction"),
    ],
)
def test_bad_touches_are_refused(bad, message):
    """spec: X3 — aware datetimes only, in time order, with a known direction."""
    with pytest.raises(ValueError, match=message):
        response_time_flag(BOOK, bad)


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from([OUTBOUND, INBOUND]))))
def test_response_times_are_never_negative_nor_more_than_the_answers(raw):
    """spec: X3 — every response pairs one outbound with a later inbound: at most one per inbound touch."""
    raw.sort()
    t = [Touch(NOW + timedelta(minutes=m), d) for m, d in raw]
    found = response_times(t)
    assert all(r >= timedelta(0) for r in found)
    assert len(found) <= sum(1 for _, d in raw if d == INBOUND)
    assert len(found) <= sum(1 for _, d in raw if d == OUTBOUND)


# ---------------------------------------------------------------- X3: "discussing internally" in notes

VISIT = "今天拜访了客户，确认了需求"


@pytest.mark.parametrize(
    ("notes", "matching"),
    [
        (["客户还在内部讨论预算", "客戶還在內部討論"], 2),              # Simplified and Traditional
        (["客户还在内部讨论预算"], 1),                                  # once is not "keeps appearing"
        (["客户还在内部讨论预算", VISIT], 1),
        (["对方内部评估中", "對方內部評估中，下週回覆", VISIT], 2),
        (["他们还在讨论价格", "他們還在討論價格"], 2),
        (["客户说内部 讨论一下", "客户內部商量后再定"], 2),             # white space, mixed script
        (["客户还在内部讨论，内部评估中"], 1),                          # a note counts once
        ([VISIT, "报价已发送", ""], 0),
        (["內部研究中", "内部研究中", "內部研究中"], 3),
        ([], 0),
    ],
)
def test_internal_discussion_recurring_in_notes(notes, matching):
    """spec: X3 — flagged when at least `internal_discussion_repeats` (2) notes say the customer is
    discussing internally, in either script."""
    flag = internal_discussion_flag(BOOK, notes)
    assert (flag is not None) == (matching >= BOOK.rules.internal_discussion_repeats)
    if flag:
        assert flag.code == INTERNAL_DISCUSSION
        assert flag.evidence["matching_notes"] == matching
        assert flag.intervention_keys == ("key_person_touches",)
        assert flag.interventions[0].text.get("zh-hant") == "關鍵人接觸頻率由每週1次提升至2次，詢問內部分歧點"


def test_internal_discussion_evidence_names_the_notes_and_phrases():
    """spec: X3 — the flag tells which notes matched and which phrases, in playbook order."""
    flag = internal_discussion_flag(BOOK, [VISIT, "客戶還在內部討論", "客户内部讨论后答复", "对方内部评估中"])
    assert flag is not None
    assert flag.evidence["note_indexes"] == (1, 2, 3)
    assert flag.evidence["phrases"] == ("内部讨论", "內部討論", "内部评估")


def test_the_number_of_repeats_comes_from_the_playbook():
    """spec: X3 — "keeps appearing" = the playbook's internal_discussion_repeats."""
    notes = ["客户还在内部讨论预算", "客戶還在內部討論"]
    assert internal_discussion_flag(with_rules(internal_discussion_repeats=3), notes) is None
    assert internal_discussion_flag(with_rules(internal_discussion_repeats=1), notes[:1]) is not None


@pytest.mark.parametrize(
    ("phrases", "note", "expected"),
    [
        (("研究",), "我们研究了方案", ("研究",)),              # one jieba token: matched as a whole token
        (("研究",), "研究院来电", ()),                         # ... not inside a longer word
        (("内部讨论",), "内部讨论一下", ("内部讨论",)),          # several tokens: matched as a substring
        (("internal discussion",), "Still in Internal  Discussion.", ("internal discussion",)),
        (("budget",), "BUDGET approved", ("budget",)),
        (("内部讨论", "   "), "内部讨论", ("内部讨论",)),        # a blank phrase never matches
        (("内部讨论",), "   ", ()),
    ],
)
def test_phrase_matching_on_tokens_and_substrings(phrases, note, expected):
    """spec: X3 — jieba tokens for one-word phrases, raw substrings for multi-word ones; case and
    white space do not matter."""
    assert matching_phrases(phrases, note) == expected


def test_the_playbook_lists_every_phrase_in_both_scripts():
    """spec: X3 — matching relies on the playbook listing Simplified and Traditional (no opencc at run
    time); opencc (a dev dependency) checks that the standard playbook does."""
    opencc = pytest.importorskip("opencc")
    phrases = set(BOOK.rules.internal_discussion_phrases)
    s2t, t2s = opencc.OpenCC("s2t"), opencc.OpenCC("t2s")
    for p in phrases:
        assert s2t.convert(p) in phrases
        assert t2s.convert(p) in phrases


MATCHING = ["客户还在内部讨论预算", "客戶還在內部討論", "对方内部评估中", "他們還在討論價格"]
OTHER = [VISIT, "报价已发送", "客户要求三期付款", "對方要求一年免費維護"]


@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=3)), max_size=8))
def test_flag_iff_enough_matching_notes(picks):
    """spec: X3 — any mix of notes: flagged exactly when the matching ones reach the playbook's repeats."""
    notes = [(MATCHING if hit else OTHER)[i] for hit, i in picks]
    hits = sum(1 for hit, _ in picks if hit)
    assert (internal_discussion_flag(BOOK, notes) is not None) == (hits >= BOOK.rules.internal_discussion_repeats)


# ---------------------------------------------------------------- all three, and the interventions (X4)


@pytest.mark.parametrize(
    ("days_in_stage", "responses", "notes", "codes"),
    [
        (3, [24 * H, 24 * H], [VISIT], ()),
        (11, [24 * H, 24 * H], [VISIT], (STAGE_OVERDUE,)),
        (3, [24 * H, 4 * DAY], ["客户还在内部讨论预算", "客戶還在內部討論"], (SLOW_RESPONSE, INTERNAL_DISCUSSION)),
        (11, [24 * H, 4 * DAY], ["客户还在内部讨论预算", "客戶還在內部討論"],
         (STAGE_OVERDUE, SLOW_RESPONSE, INTERNAL_DISCUSSION)),
    ],
)
def test_assess_combines_the_three_signals(days_in_stage, responses, notes, codes):
    """spec: M5, X3, X4 — every flag of one opportunity, in a fixed order, each with its interventions."""
    flags = assess(BOOK, stage="confirmation", time_in_stage=days_in_stage * DAY, average=CONFIRMATION_DEFAULT,
                   touches=exchange(*responses), notes=notes, now=NOW)
    assert tuple(f.code for f in flags) == codes
    for f in flags:
        assert f.interventions == tuple(i for i in BOOK.interventions if f.code in i.when)


def test_interventions_for_several_flags_are_listed_once_in_playbook_order():
    """spec: X4 — the recommended strategies of all flags together, without repeats."""
    flags = assess(BOOK, stage="confirmation", time_in_stage=11 * DAY, average=CONFIRMATION_DEFAULT,
                   touches=exchange(24 * H, 4 * DAY), notes=["内部讨论", "內部討論"])
    assert [i.key for i in interventions_for(BOOK, flags)] == [
        "key_person_touches", "workshop", "approval_path", "executive_visit"]
    assert interventions_for(BOOK, flags[2:]) == (BOOK.interventions[0],)
    assert interventions_for(BOOK, ()) == ()


def test_the_core_stays_pure_and_loads_jieba_lazily():
    """spec: M5, X3 — importing the risk rules pulls in neither Django nor jieba (its dictionary loads
    on the first text check only)."""
    code = ("import sys, opphub.methodology.risk as r; "
            "assert 'django' not in sys.modules, 'django'; assert 'jieba' not in sys.modules, 'jieba early'; "
            "r.matching_phrases(['内部讨论'], '内部讨论'); assert 'jieba' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT / "src")}, check=False)
    assert result.returncode == 0, result.stderr
    assert "Building prefix dict" not in result.stderr
