"""The playbook's frozen dataclasses and vocabularies (see playbook.py for loading and validation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

LANGS = ("zh-hans", "zh-hant", "en")
DECISION_ROLES = ("decision_maker", "influencer", "user")
BUDGET_EVIDENCE = ("explicit_amount", "approved", "in_annual_plan")
FOLLOWUP_KINDS = ("phone", "wecom", "visit", "email", "meeting", "executive_visit", "interview")
PARTICIPANT_ROLES = ("presales", "cs", "finance", "legal")  # support roles assigned to an opportunity (P2, P3, R4)
DEADLINE_ACTIONS = ("interview", "objection", "archive")  # S2, S4, S5: what each deadline counts from
ENTRY_KEYS = ("min_requirement_match", "budget_covers_price_band", "approvals", "signed_documents",
              "director_contacted", "required_fields")
OUTCOMES = ("won", "lost")


class PlaybookError(ValueError):
    """A playbook file that cannot be used; the message names the key and the problem."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True)
class Text:
    """A user-facing text in every UI language."""

    zh_hans: str
    zh_hant: str
    en: str

    def get(self, language: str | None) -> str:
        lang = (language or "").lower()
        if lang.startswith("en"):
            return self.en
        if lang in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}:
            return self.zh_hant
        return self.zh_hans


@dataclass(frozen=True)
class Cadence:
    touches: int
    per_days: int
    working_days: bool
    preferred: tuple[str, ...]


@dataclass(frozen=True)
class Deadline:
    action: str
    working_days: int


@dataclass(frozen=True)
class Entry:
    """The entry gate of a stage (S2-S4): what must hold before an opportunity may enter it."""

    min_requirement_match: Decimal | None = None  # S2: percent, as assessed on the screening report
    budget_covers_price_band: bool = False  # S2: the budget reaches the product's price band
    approvals: tuple[str, ...] = ()  # S2: the screening report approved by the sales manager
    signed_documents: tuple[str, ...] = ()  # S3, S4: uploaded and confirmed by the customer
    director_contacted: bool = False  # S3: a director-or-above decision-chain contact was contacted
    required_fields: tuple[str, ...] = ()  # S4: e.g. the customer's statement to prioritise us


@dataclass(frozen=True)
class Stage:
    key: str
    name: Text
    funnel: str
    default_days: int
    closed: bool
    cadence: Cadence | None
    response: Mapping[str, int]
    entry: Mapping[str, Any]
    required_fields: tuple[str, ...]
    required_documents: tuple[str, ...]
    customer_confirmed_documents: tuple[str, ...]
    required_approvals: tuple[str, ...]
    required_participants: tuple[str, ...]
    required_activities: tuple[tuple[str, int], ...]
    deadlines: tuple[Deadline, ...]
    status_label: Text | None
    entry_rules: Entry = Entry()
    followup_every_days: int | None = None  # S3: at least one follow-up in every such period of the stage
    scored_requirement_items: bool = False  # S2: every requirement item of the 需求確認單 is scored
    objections_resolved: bool = False  # S4: no objection left open
    status_after_documents: tuple[str, ...] = ()  # S3: status_label applies once these are uploaded
    status_until_approvals: tuple[str, ...] = ()  # S1: status_label applies until these are all approved
    outcome_documents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # S5, per won/lost
    outcome_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # S5, per won/lost


@dataclass(frozen=True)
class RequirementItem:
    key: str
    name: Text


@dataclass(frozen=True)
class Health:
    weight_requirement_match: int
    weight_decision_chain: int
    weight_budget_certainty: int
    decision_chain_points: Mapping[str, int]
    budget_points: Mapping[str, int]
    back_below: Decimal
    advance_above: Decimal
    requirement_items: tuple[RequirementItem, ...]
    auto_advance: bool = True  # H4 at the end of each stage without anyone pressing "advance"

    def band(self) -> tuple[Decimal, Decimal]:
        """The approval band (both bounds included): below it back, above it advance."""
        return self.back_below, self.advance_above


@dataclass(frozen=True)
class LossReason:
    key: str
    name: Text
    observed_share: Decimal
    counter_strategy: Text
    objection_phrases: tuple[str, ...]


@dataclass(frozen=True)
class Intervention:
    key: str
    when: tuple[str, ...]
    text: Text


# M3: the channels an escalation may name (in-app always goes too); a playbook without the key uses the
# spec's "WeCom and email"
ESCALATION_CHANNELS = ("email", "wecom", "dingtalk", "feishu")
DEFAULT_ESCALATION_CHANNELS = ("email", "wecom")


@dataclass(frozen=True)
class Rules:
    high_value_amount: Decimal
    daily_update_time: time
    risk_duration_factor: Decimal
    response_time_normal_hours: int
    response_time_risk_days: int
    internal_discussion_phrases: tuple[str, ...]
    internal_discussion_repeats: int
    escalation_grace_hours: int = 0  # M3: an overdue to-do alerts the manager this long after it fell due
    escalation_channels: tuple[str, ...] = ("email", "wecom")  # M3: "alert the manager by WeCom and email"
    risk_window_followups: int = 50  # X3: the newest follow-ups the response-time and notes signals read
    stage_average_window_days: int = 180  # M5: stage averages learn from the moves of this many days ...
    stage_average_min_samples: int = 10  # M5: ... once there are this many; fewer → the stage's default_days


@dataclass(frozen=True)
class Playbook:
    key: str
    version: str
    name: Text
    currency: str
    rules: Rules
    health: Health
    stages: tuple[Stage, ...]
    documents: Mapping[str, Text]
    loss_reasons: tuple[LossReason, ...]
    interventions: tuple[Intervention, ...]
    sections: Mapping[str, Mapping[str, Any]]  # resource_queue, support_requests, incentives, goals, pilots
    digest: str
    approvals: Mapping[str, Text] = field(default_factory=dict)  # approval keys with their names (M2)
    approvers: Mapping[str, str] = field(default_factory=dict)  # approval key -> role that decides it

    def approver_role(self, key: str) -> str:
        """Who decides approval ``key``: ``manager`` (the managers above the team, directors, admins) or the
        role of an assigned reviewer (``finance``, ``legal``). Keys not listed go to the manager."""
        return self.approvers.get(key, "manager")

    @property
    def stage_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    @property
    def open_stage_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages if not s.closed)

    def stage(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(key)

    def stage_index(self, key: str) -> int:
        return self.stage_keys.index(key)

    def loss_reason(self, key: str) -> LossReason:
        for r in self.loss_reasons:
            if r.key == key:
                return r
        raise KeyError(key)

    def number(self, section: str, key: str) -> Decimal:
        return Decimal(str(self.sections[section][key]))

    @property
    def zombie_working_days(self) -> bool:
        """P6: count the days without a follow-up as working days (``incentives.zombie_working_days``).
        The spec says 3 / more than 7 *days* (calendar days), and the standard playbook sets false from
        1.3.0 on; a playbook without the key counts working days, as every release before 1.3.0 did, so
        opportunities running under those versions keep the rule they started with."""
        return bool(self.sections["incentives"].get("zombie_working_days", True))
