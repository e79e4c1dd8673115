"""spec: H1-H4, M1 — the health score and the stage-end decision, computed by the pure core (no database).

Every weight, point and threshold comes from the playbook; the card shows the total, each dimension and
what would raise it; a saved score keeps its inputs (JSON) and the playbook version.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opphub.methodology.health import (
    BUDGET_CERTAINTY,
    DECISION_CHAIN,
    REQUIREMENT_MATCH,
    BudgetFlag,
    Decision,
    HealthInputError,
    HealthInputs,
    compute_health,
    decide,
    inputs_from_dict,
    inputs_to_dict,
    score_to_dict,
)
from opphub.methodology.playbook import parse_playbook

TEXT = (Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml").read_text(encoding="utf-8")
BOOK = parse_playbook(TEXT, source="standard.toml")
ITEMS = tuple(i.key for i in BOOK.health.requirement_items)
ROLES = ("decision_maker", "influencer", "user")
BUDGET = ("explicit_amount", "approved", "in_annual_plan")
D = Decimal
EVIDENCED = BudgetFlag(stated=True, has_evidence=True)


def _custom(**replacements: str) -> str:
    text = TEXT
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# a pipeline whose administrator changed every health number (weights 50/30/20, thresholds 50/90)
CUSTOM = parse_playbook(re.sub(r'(?m)^version = ".*?"', 'version = "9.9.9"', _custom(**{
    "requirement_match = 40, decision_chain = 30, budget_certainty = 30":
        "requirement_match = 50, decision_chain = 30, budget_certainty = 20",
    "decision_maker = 50, influencer = 30, user = 20": "decision_maker = 60, influencer = 30, user = 10",
    "explicit_amount = 10, approved = 15, in_annual_plan = 5": "explicit_amount = 5, approved = 10, in_annual_plan = 5",
    "back_below = 60": "back_below = 50",
    "advance_above = 80": "advance_above = 90",
}), count=1), source="custom.toml")


def inputs(items: dict[str, str | None] | None = None, roles: tuple[str, ...] = (),
           budget: dict[str, tuple[bool, bool]] | None = None) -> HealthInputs:
    return HealthInputs(
        item_scores={k: (None if v is None else D(v)) for k, v in (items or {}).items()},
        contacted_roles=frozenset(roles),
        budget={k: BudgetFlag(stated=s, has_evidence=e) for k, (s, e) in (budget or {}).items()},
    )


def all_items(value: str) -> dict[str, str | None]:
    return dict.fromkeys(ITEMS, value)


ALL_BUDGET = dict.fromkeys(BUDGET, (True, True))


# --------------------------------------------------------------------------------- the score


@pytest.mark.parametrize(
    ("snapshot", "h1", "h2", "h3", "total"),
    [
        (inputs(), "0", "0", "0", "0"),
        (inputs(all_items("100"), ROLES, ALL_BUDGET), "40", "30", "30", "100"),
        # H1: mean of the 10 items × 40%; an unscored item counts as 0
        (inputs(all_items("70")), "28", "0", "0", "28"),
        (inputs({"pain_clarity": "100"}), "4", "0", "0", "4"),
        (inputs({"pain_clarity": "100", "scenario_fit": None}), "4", "0", "0", "4"),
        (inputs({"pain_clarity": "33.333"}), "1.3", "0", "0", "1.3"),
        (inputs({"pain_clarity": "1.25"}), "0.1", "0", "0", "0.1"),  # 0.05 rounds half up
        # H2: decision maker 50 / influencer 30 / user 20, × 30%
        (inputs(roles=("decision_maker",)), "0", "15", "0", "15"),
        (inputs(roles=("influencer",)), "0", "9", "0", "9"),
        (inputs(roles=("user",)), "0", "6", "0", "6"),
        (inputs(roles=("influencer", "user", "other")), "0", "15", "0", "15"),  # "other" earns nothing
        # H3: +10 explicit amount, +15 approved, +5 annual plan — only with evidence
        (inputs(budget={"explicit_amount": (True, True)}), "0", "0", "10", "10"),
        (inputs(budget={"approved": (True, True)}), "0", "0", "15", "15"),
        (inputs(budget={"in_annual_plan": (True, True)}), "0", "0", "5", "5"),
        (inputs(budget={"approved": (True, False)}), "0", "0", "0", "0"),  # stated, no evidence
        (inputs(budget={"approved": (False, True)}), "0", "0", "0", "0"),  # evidence of nothing stated
        (inputs(budget=ALL_BUDGET), "0", "0", "30", "30"),
        # a mix: 12 × 0.04 = … the card's parts add up to the total
        (inputs({"pain_clarity": "80", "scenario_fit": "90.5"}, ("decision_maker", "user"),
                {"explicit_amount": (True, True), "approved": (True, False)}), "6.8", "21", "10", "37.8"),
    ],
)
def test_score_dimensions_and_total(snapshot, h1, h2, h3, total):
    """spec: H1, H2, H3 — each dimension from the playbook's weights and points; total = sum of parts."""
    score = compute_health(BOOK, snapshot)
    assert score.dimension(REQUIREMENT_MATCH).points == D(h1)
    assert score.dimension(DECISION_CHAIN).points == D(h2)
    assert score.dimension(BUDGET_CERTAINTY).points == D(h3)
    assert score.total == D(total)
    assert score.total == sum(d.points for d in score.dimensions)
    assert score.total.as_tuple().exponent == -1  # one rounding step: one decimal


def test_dimension_maxima_and_playbook_version():
    """spec: H1-H3, M1 — the card shows each dimension out of its weight; the score names its playbook."""
    score = compute_health(BOOK, inputs())
    assert [(d.key, d.max_points) for d in score.dimensions] == [
        (REQUIREMENT_MATCH, 40), (DECISION_CHAIN, 30), (BUDGET_CERTAINTY, 30)]
    assert (score.playbook_key, score.playbook_version) == ("standard", BOOK.version)
    custom = compute_health(CUSTOM, inputs())
    assert [d.max_points for d in custom.dimensions] == [50, 30, 20]
    assert custom.playbook_version == "9.9.9"


@pytest.mark.parametrize(
    ("snapshot", "standard", "custom"),
    [
        (inputs(roles=("decision_maker",)), "15", "18"),
        (inputs(budget={"approved": (True, True)}), "15", "10"),
        (inputs(all_items("100")), "40", "50"),
        (inputs(all_items("50"), ("user",), {"in_annual_plan": (True, True)}), "31", "33"),
    ],
)
def test_every_number_comes_from_the_playbook(snapshot, standard, custom):
    """spec: H1-H3 — the same snapshot scores differently under a playbook with other weights."""
    assert compute_health(BOOK, snapshot).total == D(standard)
    assert compute_health(CUSTOM, snapshot).total == D(custom)


# ------------------------------------------------------------------------------- H4 decision


@pytest.mark.parametrize(
    ("total", "decision"),
    [
        ("0", Decision.BACK),
        ("59.94", Decision.BACK),
        ("59.95", Decision.APPROVAL),  # rounded half up to 60.0 first: decided as shown
        ("59.995", Decision.APPROVAL),
        ("60", Decision.APPROVAL),
        ("60.00", Decision.APPROVAL),
        ("70", Decision.APPROVAL),
        ("80", Decision.APPROVAL),
        ("80.00", Decision.APPROVAL),
        ("80.01", Decision.APPROVAL),  # shown as 80, decided as 80
        ("80.04", Decision.APPROVAL),
        ("80.05", Decision.ADVANCE),  # 80.1
        ("80.1", Decision.ADVANCE),
        ("100", Decision.ADVANCE),
    ],
)
def test_decide_boundaries(total, decision):
    """spec: H4 — < 60 back, 60-80 (both included) manager approval, > 80 advance automatically; the total is
    rounded half up to one decimal before it is compared (the number shown is the number decided on)."""
    assert decide(BOOK, D(total)) is decision


@pytest.mark.parametrize(
    ("total", "decision"),
    [("49.94", Decision.BACK), ("50", Decision.APPROVAL), ("59.99", Decision.APPROVAL),
     ("85", Decision.APPROVAL), ("90", Decision.APPROVAL), ("90.1", Decision.ADVANCE)],
)
def test_decide_uses_the_playbook_thresholds(total, decision):
    """spec: H4 — the thresholds are playbook values (here 50 / 90), not constants."""
    assert decide(CUSTOM, D(total)) is decision


NINE_AT_50 = dict.fromkeys(ITEMS[1:], "50")


@pytest.mark.parametrize(
    ("snapshot", "total", "decision"),
    [
        # 30 (chain) + 25 (budget) + 123.5 / 10 × 0.4 = 59.94 → 59.9
        (inputs({"pain_clarity": "100", "scenario_fit": "23.5"}, ROLES,
                {"explicit_amount": (True, True), "approved": (True, True)}), "59.9", Decision.BACK),
        # 30 + 25 + 124.88 / 10 × 0.4 = 59.9952 → 60.0: shown 60 and decided 60 (approval)
        (inputs({"pain_clarity": "100", "scenario_fit": "24.88"}, ROLES,
                {"explicit_amount": (True, True), "approved": (True, True)}), "60.0", Decision.APPROVAL),
        (inputs({}, ROLES, ALL_BUDGET), "60.00", Decision.APPROVAL),
        (inputs(all_items("50"), ROLES, ALL_BUDGET), "80.00", Decision.APPROVAL),
        # 20.01 + 30 + 30 = 80.01 → 80.0: approval, shown as 80
        (inputs({**NINE_AT_50, ITEMS[0]: "50.25"}, ROLES, ALL_BUDGET), "80.0", Decision.APPROVAL),
        # 20.05 + 30 + 30 → 80.1: advance
        (inputs({**NINE_AT_50, ITEMS[0]: "51.25"}, ROLES, ALL_BUDGET), "80.1", Decision.ADVANCE),
    ],
)
def test_computed_score_decides_at_the_boundaries(snapshot, total, decision):
    """spec: H1-H4 — 59.9 back, 59.995 (shown 60) / 60 / 80 / 80.01 (shown 80) approval, 80.1 advance."""
    score = compute_health(BOOK, snapshot)
    assert score.total == D(total)
    assert score.decision is decision


# ------------------------------------------------------------------------ what would raise it


def test_raises_of_an_empty_snapshot_are_ordered_by_points():
    """spec: M1, H1-H3 — the card lists what would raise the score, biggest gain first."""
    raises = compute_health(BOOK, inputs()).raises
    head = [(r.code, r.param("role") or r.param("budget"), r.points) for r in raises[:6]]
    assert head == [
        ("contact_role", "decision_maker", 15),
        ("confirm_budget", "approved", 15),
        ("confirm_budget", "explicit_amount", 10),
        ("contact_role", "influencer", 9),
        ("contact_role", "user", 6),
        ("confirm_budget", "in_annual_plan", 5),
    ]
    assert [(r.code, r.param("item"), r.points) for r in raises[6:]] == [("score_item", k, 4) for k in ITEMS]
    assert [r.points for r in raises] == sorted((r.points for r in raises), reverse=True)
    assert sum(r.points for r in raises) == 100


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        (inputs(all_items("100"), ROLES, ALL_BUDGET), []),
        (inputs(all_items("60"), ROLES, {**ALL_BUDGET, "approved": (True, False)}),
         [("attach_budget_evidence", BUDGET_CERTAINTY, "15")]),
        (inputs(all_items("60"), ("influencer", "user"), ALL_BUDGET),
         [("contact_role", DECISION_CHAIN, "15")]),
        (inputs({**all_items("60"), "timeline_fit": None}, ROLES, ALL_BUDGET),
         [("score_item", REQUIREMENT_MATCH, "4")]),
        (inputs({k: "60" for k in ITEMS if k != "evaluation"}, ROLES, ALL_BUDGET),  # item missing = unscored
         [("score_item", REQUIREMENT_MATCH, "4")]),
    ],
)
def test_raises_name_what_is_missing(snapshot, expected):
    """spec: H1-H3 — "contact the decision maker +15", "attach evidence for the approved budget +15",
    "score item X +4"; items already scored are not listed."""
    raises = compute_health(BOOK, snapshot).raises
    assert [(r.code, r.dimension, r.points) for r in raises] == [(c, d, D(p)) for c, d, p in expected]


def test_raises_under_another_playbook():
    """spec: H1-H3 — the points of each raise follow the playbook (50/30/20 weights)."""
    raises = compute_health(CUSTOM, inputs()).raises
    assert (raises[0].code, raises[0].param("role"), raises[0].points) == ("contact_role", "decision_maker", 18)
    assert {r.points for r in raises if r.code == "score_item"} == {D(5)}


# ------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: compute_health(BOOK, inputs({"napkin": "50"})), "item_scores.napkin: not a requirement item"),
        (lambda: compute_health(BOOK, inputs(budget={"rumour": (True, True)})), "budget.rumour: not a budget fact"),
        (lambda: inputs({"pain_clarity": "100.01"}), "item_scores.pain_clarity: must be between 0 and 100"),
        (lambda: inputs({"pain_clarity": "-1"}), "must be between 0 and 100"),
        (lambda: inputs({"pain_clarity": "NaN"}), "must be between 0 and 100"),
        (lambda: HealthInputs(item_scores={"pain_clarity": 50.0}), "must be a Decimal or None"),  # type: ignore[dict-item]
        (lambda: HealthInputs(budget={"approved": True}), "budget.approved: must be a BudgetFlag"),  # type: ignore[dict-item]
    ],
)
def test_bad_inputs_are_refused_naming_the_key(build, message):
    """spec: H1, H3 — no float, no score outside 0-100, no key the playbook does not know."""
    with pytest.raises(HealthInputError, match=message):
        build()


def test_inputs_are_frozen():
    """spec: H1-H4 — a snapshot cannot change after it was scored."""
    src = {"pain_clarity": D(50)}
    snapshot = HealthInputs(item_scores=src)
    src["pain_clarity"] = D(100)
    assert snapshot.item_scores["pain_clarity"] == 50
    with pytest.raises(TypeError):
        snapshot.item_scores["pain_clarity"] = D(100)  # type: ignore[index]
    assert hash(snapshot) == hash(HealthInputs(item_scores={"pain_clarity": D("50")}))


# ------------------------------------------------------------------------------ serialisation


def test_inputs_round_trip_through_json():
    """spec: H1-H4 — every saved score keeps its inputs; they come back equal and score the same."""
    snapshot = inputs({"pain_clarity": "87.50", "scenario_fit": None, "service_fit": "0"}, ("decision_maker", "other"),
                      {"approved": (True, False), "explicit_amount": (True, True)})
    data = json.loads(json.dumps(inputs_to_dict(snapshot)))
    assert data["item_scores"]["pain_clarity"] == "87.50"
    back = inputs_from_dict(data)
    assert back == snapshot
    assert compute_health(BOOK, back) == compute_health(BOOK, snapshot)


def test_saved_score_record_keeps_inputs_and_version():
    """spec: H1-H4, M1 — the saved record holds the total, each dimension, the decision, the raises, the
    playbook version and the inputs, all JSON-safe."""
    snapshot = inputs(all_items("50"), ROLES, ALL_BUDGET)
    record = json.loads(json.dumps(score_to_dict(compute_health(BOOK, snapshot), snapshot)))
    assert record["total"] == "80.0"
    assert record["decision"] == "approval"
    assert record["dimensions"][REQUIREMENT_MATCH] == {"points": "20.0", "max_points": "40"}
    assert record["raises"] == []
    assert (record["playbook_key"], record["playbook_version"]) == ("standard", BOOK.version)
    assert inputs_from_dict(record["inputs"]) == snapshot


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": 2}, "format: unknown inputs format"),
        ({"item_scores": []}, "item_scores: must be an object"),
        ({"item_scores": {"pain_clarity": 50.5}}, "item_scores.pain_clarity: must be a decimal string"),
        ({"item_scores": {"pain_clarity": "lots"}}, "item_scores.pain_clarity: not a number"),
        ({"item_scores": {"pain_clarity": "101"}}, "item_scores.pain_clarity: must be between 0 and 100"),
        ({"contacted_roles": "decision_maker"}, "contacted_roles: must be a list of strings"),
        ({"budget": {"approved": True}}, "budget.approved: must be an object"),
        ({"budget": {"approved": {"stated": "yes"}}}, "budget.approved: stated and has_evidence must be"),
    ],
)
def test_broken_saved_inputs_name_the_key(data, message):
    """spec: H1-H4 — stored inputs that were tampered with are refused with the key named."""
    with pytest.raises(HealthInputError, match=message):
        inputs_from_dict(data)


# --------------------------------------------------------------------------------- properties

scores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2, allow_nan=False,
                                          allow_infinity=False))
flags = st.builds(BudgetFlag, st.booleans(), st.booleans())
snapshots = st.builds(
    HealthInputs,
    item_scores=st.dictionaries(st.sampled_from(ITEMS), scores),
    contacted_roles=st.frozensets(st.sampled_from((*ROLES, "other"))),
    budget=st.dictionaries(st.sampled_from(BUDGET), flags),
)


def _improve(snapshot: HealthInputs, change: tuple[str, str, Decimal]) -> HealthInputs:
    kind, key, amount = change
    if kind == "item":
        old = snapshot.item_scores.get(key) or D(0)
        new = min(old + amount, D(100))
        return HealthInputs({**snapshot.item_scores, key: new}, snapshot.contacted_roles, snapshot.budget)
    if kind == "role":
        return HealthInputs(snapshot.item_scores, snapshot.contacted_roles | {key}, snapshot.budget)
    flag = snapshot.budget.get(key, BudgetFlag())
    better = BudgetFlag(True, flag.has_evidence) if kind == "stated" else BudgetFlag(flag.stated, True)
    return HealthInputs(snapshot.item_scores, snapshot.contacted_roles, {**snapshot.budget, key: better})


changes = st.one_of(
    st.tuples(st.just("item"), st.sampled_from(ITEMS), st.decimals(min_value=0, max_value=100, places=3)),
    st.tuples(st.just("role"), st.sampled_from(ROLES), st.just(D(0))),
    st.tuples(st.sampled_from(("stated", "evidence")), st.sampled_from(BUDGET), st.just(D(0))),
)


@given(snapshots)
def test_score_stays_within_0_and_100(snapshot):
    """spec: H1-H4 — property: the total is within 0-100, each dimension within its weight."""
    for book in (BOOK, CUSTOM):
        score = compute_health(book, snapshot)
        assert D(0) <= score.total <= D(100)
        assert all(D(0) <= d.points <= d.max_points for d in score.dimensions)
        assert score.total == sum(d.points for d in score.dimensions)
        assert score.decision is decide(book, score.total)


@given(snapshots, changes)
def test_score_never_drops_when_one_input_improves(snapshot, change):
    """spec: H1-H3 — property: a higher item score, one more contacted role or one more budget fact
    (stated or evidenced) never lowers the total."""
    better = _improve(snapshot, change)
    for book in (BOOK, CUSTOM):
        assert compute_health(book, better).total >= compute_health(book, snapshot).total


@given(snapshots)
def test_doing_a_raise_adds_its_points(snapshot):
    """spec: M1, H1-H3 — property: doing what the card suggests adds exactly the points it promised."""
    score = compute_health(BOOK, snapshot)
    for r in score.raises:
        if r.code == "contact_role":
            done = _improve(snapshot, ("role", r.param("role"), D(0)))
        elif r.code == "score_item":
            done = _improve(snapshot, ("item", r.param("item"), D(100)))
        else:
            key = r.param("budget")
            done = HealthInputs(snapshot.item_scores, snapshot.contacted_roles, {**snapshot.budget, key: EVIDENCED})
        assert compute_health(BOOK, done).total == score.total + r.points


@given(snapshots)
def test_inputs_round_trip_property(snapshot):
    """spec: H1-H4 — property: any snapshot survives JSON and scores the same afterwards."""
    back = inputs_from_dict(json.loads(json.dumps(inputs_to_dict(snapshot))))
    assert back == snapshot
    assert compute_health(BOOK, back).total == compute_health(BOOK, snapshot).total
