"""The health score of an opportunity (spec H1-H4), computed from a snapshot.

Pure: no Django, no clock. Every weight, point and threshold comes from ``playbook.health``:

- H1 requirement match: the mean of the scored items of the requirement confirmation sheet (each 0-100;
  an item not yet scored counts as 0) × the requirement-match weight (40%).
- H2 decision-chain coverage: the points of the contacted roles (decision maker 50, influencer 30,
  user 20) × the decision-chain weight (30%).
- H3 budget certainty: explicit amount +10, approved +15, in the annual plan +5 — each only when it is
  stated AND evidence (email or minutes) is attached; the points already make up the dimension's weight.
- H4 decision at stage end: total < ``back_below`` → back to the previous stage; total >
  ``advance_above`` → advance automatically; anything between, both bounds included → manager approval.

Rounding (docs/decisions.md): each dimension is rounded half up to one decimal and the total is their
sum, so the total has one decimal, the card's parts always add up to it, and H4 decides on exactly the
number that is shown (59.95 → 60.0 is in the approval band and shown as 60; 59.94 → 59.9 goes back).
:func:`score_text` formats a score for people (at most one decimal). Arithmetic is Decimal only.

:func:`inputs_to_dict` / :func:`inputs_from_dict` turn the inputs into JSON-safe data and back, so that a
saved score can keep what it was computed from (with ``HealthScore.playbook_version``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .playbook import Playbook

HUNDRED = Decimal(100)
STEP = Decimal("0.1")  # the one rounding step of every score (shown = decided)
INPUTS_FORMAT = 1  # bump when the shape of inputs_to_dict changes

REQUIREMENT_MATCH = "requirement_match"  # H1
DECISION_CHAIN = "decision_chain"  # H2
BUDGET_CERTAINTY = "budget_certainty"  # H3


class HealthInputError(ValueError):
    """Inputs that cannot be scored (a value out of range, a key the playbook does not know)."""


class Decision(StrEnum):
    """H4: what happens at the end of a stage."""

    BACK = "back"  # back to the previous stage, reason recorded, owner told
    APPROVAL = "approval"  # add material, the manager approves
    ADVANCE = "advance"  # advance automatically


@dataclass(frozen=True)
class BudgetFlag:
    """One H3 budget fact: whether the customer stated it, and whether evidence is attached."""

    stated: bool = False
    has_evidence: bool = False

    @property
    def counts(self) -> bool:
        return self.stated and self.has_evidence


def _frozen_items(raw: Mapping[str, Decimal | None]) -> Mapping[str, Decimal | None]:
    items: dict[str, Decimal | None] = {}
    for key, value in raw.items():
        if value is not None:
            if not isinstance(value, Decimal):
                raise HealthInputError(f"item_scores.{key}: must be a Decimal or None (got {value!r})")
            if not value.is_finite() or not Decimal(0) <= value <= HUNDRED:
                raise HealthInputError(f"item_scores.{key}: must be between 0 and 100 (got {value})")
        items[str(key)] = value
    return MappingProxyType(items)


@dataclass(frozen=True)
class HealthInputs:
    """A snapshot of everything the score depends on.

    ``item_scores``: requirement item key → score 0-100, or None while the item is not yet scored
    (an item of the playbook missing from the mapping is treated the same way).
    ``contacted_roles``: decision-chain roles of the contacts reached in follow-ups (roles the playbook
    does not score, e.g. "other", earn nothing).
    ``budget``: budget fact key (explicit_amount / approved / in_annual_plan) → :class:`BudgetFlag`;
    a key missing from the mapping is neither stated nor evidenced.
    """

    item_scores: Mapping[str, Decimal | None] = field(default_factory=dict)
    contacted_roles: frozenset[str] = frozenset()
    budget: Mapping[str, BudgetFlag] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "item_scores", _frozen_items(self.item_scores))
        object.__setattr__(self, "contacted_roles", frozenset(self.contacted_roles))
        for key, flag in self.budget.items():
            if not isinstance(flag, BudgetFlag):
                raise HealthInputError(f"budget.{key}: must be a BudgetFlag (got {flag!r})")
        object.__setattr__(self, "budget", MappingProxyType(dict(self.budget)))

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.item_scores.items())), self.contacted_roles,
                     tuple(sorted(self.budget.items()))))


@dataclass(frozen=True)
class Raise:
    """Something that would raise the score, and by how many points at most.

    Codes: ``contact_role`` (param ``role``), ``attach_budget_evidence`` / ``confirm_budget`` (param
    ``budget``), ``score_item`` (param ``item``).
    """

    code: str
    dimension: str
    points: Decimal
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")


@dataclass(frozen=True)
class Dimension:
    """One of the three dimensions: points earned out of ``max_points`` (= its weight)."""

    key: str
    points: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class HealthScore:
    total: Decimal
    dimensions: tuple[Dimension, ...]
    decision: Decision
    playbook_key: str
    playbook_version: str
    raises: list[Raise]

    def dimension(self, key: str) -> Dimension:
        for d in self.dimensions:
            if d.key == key:
                return d
        raise KeyError(key)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(STEP, rounding=ROUND_HALF_UP)


def score_round(value: Decimal) -> Decimal:
    """A score on the one rounding step (half up to one decimal): what is decided and shown."""
    return Decimal(value).quantize(STEP, rounding=ROUND_HALF_UP)


def score_text(value: Decimal | int | str | None) -> str:
    """A score for people: at most one decimal, no trailing ``.0`` (``96``, ``59.9``, ``60``)."""
    if value is None or value == "":
        return ""
    rounded = score_round(Decimal(str(value)))
    text = f"{rounded:f}"
    return text[:-2] if text.endswith(".0") else text


def _check_keys(playbook: Playbook, inputs: HealthInputs) -> None:
    items = {i.key for i in playbook.health.requirement_items}
    for key in inputs.item_scores:
        if key not in items:
            raise HealthInputError(f"item_scores.{key}: not a requirement item of playbook "
                                   f"{playbook.key} {playbook.version}")
    for key in inputs.budget:
        if key not in playbook.health.budget_points:
            raise HealthInputError(f"budget.{key}: not a budget fact of playbook {playbook.key} {playbook.version}")


def compute_health(playbook: Playbook, inputs: HealthInputs) -> HealthScore:
    """Score ``inputs`` under ``playbook`` (H1-H4). Raises :class:`HealthInputError` for unknown keys."""
    _check_keys(playbook, inputs)
    h = playbook.health
    raises: list[Raise] = []

    # H1: mean of all items of the playbook, unscored = 0.
    items = h.requirement_items
    w1 = Decimal(h.weight_requirement_match)
    per_item = w1 / (HUNDRED * len(items)) if items else Decimal(0)  # points per item score point
    scored = Decimal(0)
    for item in items:
        value = inputs.item_scores.get(item.key)
        if value is None:
            raises.append(Raise("score_item", REQUIREMENT_MATCH, _cents(HUNDRED * per_item),
                                (("item", item.key),)))
        else:
            scored += value
    h1 = min(_cents(scored * per_item), w1)

    # H2: points of each contacted role × weight.
    w2 = Decimal(h.weight_decision_chain)
    chain = Decimal(0)
    for role, points in h.decision_chain_points.items():
        if role in inputs.contacted_roles:
            chain += points
        else:
            raises.append(Raise("contact_role", DECISION_CHAIN, _cents(Decimal(points) * w2 / HUNDRED),
                                (("role", role),)))
    h2 = min(_cents(chain * w2 / HUNDRED), w2)

    # H3: points of each budget fact that is stated and evidenced, capped at the weight.
    w3 = Decimal(h.weight_budget_certainty)
    budget = Decimal(0)
    for key, points in h.budget_points.items():
        flag = inputs.budget.get(key, BudgetFlag())
        if flag.counts:
            budget += points
        else:
            code = "attach_budget_evidence" if flag.stated else "confirm_budget"
            raises.append(Raise(code, BUDGET_CERTAINTY, _cents(Decimal(points)), (("budget", key),)))
    h3 = min(_cents(budget), w3)

    total = h1 + h2 + h3
    raises.sort(key=lambda r: -r.points)  # stable: ties keep chain, budget, item order
    return HealthScore(
        total=total,
        dimensions=(Dimension(REQUIREMENT_MATCH, h1, w1), Dimension(DECISION_CHAIN, h2, w2),
                    Dimension(BUDGET_CERTAINTY, h3, w3)),
        decision=decide(playbook, total),
        playbook_key=playbook.key,
        playbook_version=playbook.version,
        raises=raises,
    )


def decide(playbook: Playbook, total: Decimal) -> Decision:
    """H4: < back_below → BACK; > advance_above → ADVANCE; otherwise (bounds included) → APPROVAL. The total
    is put on the rounding step first, so the decision is taken on the number people see."""
    total = score_round(total)
    if total < playbook.health.back_below:
        return Decision.BACK
    if total > playbook.health.advance_above:
        return Decision.ADVANCE
    return Decision.APPROVAL


# ------------------------------------------------------------------------------ serialisation


def inputs_to_dict(inputs: HealthInputs) -> dict[str, Any]:
    """JSON-safe form of the inputs (Decimals as strings, sets as sorted lists)."""
    return {
        "format": INPUTS_FORMAT,
        "item_scores": {k: (None if v is None else str(v)) for k, v in sorted(inputs.item_scores.items())},
        "contacted_roles": sorted(inputs.contacted_roles),
        "budget": {k: {"stated": f.stated, "has_evidence": f.has_evidence} for k, f in sorted(inputs.budget.items())},
    }


def score_to_dict(score: HealthScore, inputs: HealthInputs) -> dict[str, Any]:
    """JSON-safe record of a computed score with its inputs and playbook version (what is saved)."""
    return {
        "total": str(score.total),
        "dimensions": {d.key: {"points": str(d.points), "max_points": str(d.max_points)} for d in score.dimensions},
        "decision": score.decision.value,
        "playbook_key": score.playbook_key,
        "playbook_version": score.playbook_version,
        "raises": [{"code": r.code, "dimension": r.dimension, "points": str(r.points), "params": dict(r.params)}
                   for r in score.raises],
        "inputs": inputs_to_dict(inputs),
    }


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise HealthInputError(f"{key}: must be an object (got {value!r})")
    return value


def _score(key: str, raw: Any) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise HealthInputError(f"item_scores.{key}: must be a decimal string, an integer or null (got {raw!r})")
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise HealthInputError(f"item_scores.{key}: not a number (got {raw!r})") from None


def _flag(key: str, raw: Any) -> BudgetFlag:
    if not isinstance(raw, Mapping):
        raise HealthInputError(f"budget.{key}: must be an object (got {raw!r})")
    values = [raw.get(name, False) for name in ("stated", "has_evidence")]
    if not all(isinstance(v, bool) for v in values):
        raise HealthInputError(f"budget.{key}: stated and has_evidence must be true or false (got {raw!r})")
    return BudgetFlag(stated=values[0], has_evidence=values[1])


def inputs_from_dict(data: Mapping[str, Any]) -> HealthInputs:
    """Inverse of :func:`inputs_to_dict`. Raises :class:`HealthInputError` naming the bad key."""
    if not isinstance(data, Mapping):
        raise HealthInputError(f"(inputs): must be an object (got {data!r})")
    fmt = data.get("format", INPUTS_FORMAT)
    if fmt != INPUTS_FORMAT:
        raise HealthInputError(f"format: unknown inputs format {fmt!r}")
    roles = data.get("contacted_roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise HealthInputError(f"contacted_roles: must be a list of strings (got {roles!r})")
    return HealthInputs(
        item_scores={str(k): _score(str(k), v) for k, v in _table(data, "item_scores").items()},
        contacted_roles=frozenset(roles),
        budget={str(k): _flag(str(k), v) for k, v in _table(data, "budget").items()},
    )
