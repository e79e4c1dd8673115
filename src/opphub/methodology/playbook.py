"""Load and validate a playbook (the methodology as data) into frozen dataclasses.

Pure: no Django, no clock. A bad file raises :class:`PlaybookError` naming the key and the problem,
e.g. ``standard.toml: health.weights: the weights must add up to 100 (got 90)``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from .playbook_reader import _join, _Reader
from .playbook_types import (  # re-exported: callers import the playbook's types from here
    BUDGET_EVIDENCE,
    DEADLINE_ACTIONS,
    DECISION_ROLES,
    DEFAULT_ESCALATION_CHANNELS,
    ENTRY_KEYS,
    ESCALATION_CHANNELS,
    FOLLOWUP_KINDS,
    LANGS,
    OUTCOMES,
    PARTICIPANT_ROLES,
    Cadence,
    Deadline,
    Entry,
    Health,
    Intervention,
    LossReason,
    Playbook,
    PlaybookError,
    RequirementItem,
    Rules,
    Stage,
    Text,
)

__all__ = [
    "BUDGET_EVIDENCE",
    "DEADLINE_ACTIONS",
    "DECISION_ROLES",
    "ENTRY_KEYS",
    "FOLLOWUP_KINDS",
    "LANGS",
    "OUTCOMES",
    "PARTICIPANT_ROLES",
    "Cadence",
    "Deadline",
    "Entry",
    "Health",
    "Intervention",
    "LossReason",
    "Playbook",
    "PlaybookError",
    "RequirementItem",
    "Rules",
    "Stage",
    "Text",
    "load_playbook_dir",
    "load_playbook_file",
    "parse_playbook",
]


def _parse_time(r: _Reader, data: Mapping[str, Any], key: str, path: str) -> time:
    raw = r.string(data, key, path)
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise r.fail(_join(path, key), f"must be a time of day as HH:MM (got {raw!r})") from None


def _entry(r: _Reader, raw: Mapping[str, Any], path: str, doc_keys: tuple[str, ...],
           approval_keys: tuple[str, ...]) -> tuple[dict[str, Any], Entry]:
    entry = r.opt_table(raw, "entry", path)
    epath = _join(path, "entry")
    for k in entry:
        if k not in ENTRY_KEYS:
            raise r.fail(_join(epath, k), f"unknown entry rule (allowed: {', '.join(ENTRY_KEYS)})")
    match = None
    if "min_requirement_match" in entry:
        match = r.decimal(entry, "min_requirement_match", epath, maximum=Decimal(100))
    rules = Entry(
        min_requirement_match=match,
        budget_covers_price_band=r.boolean(entry, "budget_covers_price_band", epath, default=False),
        approvals=r.strings(entry, "approvals", epath, allowed=approval_keys),
        signed_documents=r.strings(entry, "signed_documents", epath, allowed=doc_keys),
        director_contacted=r.boolean(entry, "director_contacted", epath, default=False),
        required_fields=r.strings(entry, "required_fields", epath),
    )
    return dict(entry), rules


def _by_outcome(r: _Reader, raw: Mapping[str, Any], key: str, path: str,
                allowed: tuple[str, ...] | None) -> dict[str, tuple[str, ...]]:
    table = r.opt_table(raw, key, path)
    here = _join(path, key)
    for k in table:
        if k not in OUTCOMES:
            raise r.fail(_join(here, k), f"unknown outcome (allowed: {', '.join(OUTCOMES)})")
    return {k: r.strings(table, k, here, allowed=allowed) for k in table}


def _stage(r: _Reader, raw: Mapping[str, Any], i: int, documents: Mapping[str, Text],
           approvals: Mapping[str, Text]) -> Stage:
    path = f"stages[{i}]"
    key = r.string(raw, "key", path)
    closed = r.boolean(raw, "closed", path, default=False)
    cadence: Cadence | None = None
    if "cadence" in raw:
        c = r.table(raw, "cadence", path)
        cpath = _join(path, "cadence")
        cadence = Cadence(
            touches=r.integer(c, "touches", cpath, minimum=1),
            per_days=r.integer(c, "per_days", cpath, minimum=1),
            working_days=r.boolean(c, "working_days", cpath, default=False),
            preferred=r.strings(c, "preferred", cpath, allowed=FOLLOWUP_KINDS),
        )
    elif not closed:
        raise r.fail(_join(path, "cadence"), f"is missing (stage {key!r} is open and needs a follow-up cadence)")
    response = r.opt_table(raw, "response", path)
    for rk in response:
        r.integer(response, rk, _join(path, "response"), minimum=1)
    doc_keys = tuple(documents)
    required_documents = r.strings(raw, "required_documents", path, allowed=doc_keys)
    confirmed = r.strings(raw, "customer_confirmed_documents", path, allowed=doc_keys)
    for d in confirmed:
        if d not in required_documents:
            raise r.fail(_join(path, "customer_confirmed_documents"),
                         f"{d!r} must also be listed in required_documents")
    activities: list[tuple[str, int]] = []
    for j, act in enumerate(raw.get("required_activities", [])):
        apath = f"{path}.required_activities[{j}]"
        kind = r.string(act, "kind", apath)
        if kind not in FOLLOWUP_KINDS:
            raise r.fail(_join(apath, "kind"), f"unknown follow-up kind {kind!r}")
        activities.append((kind, r.integer(act, "count", apath, minimum=1)))
    deadlines = []
    for j, dl in enumerate(raw.get("deadlines", [])):
        dpath = f"{path}.deadlines[{j}]"
        action = r.string(dl, "action", dpath)
        if action not in DEADLINE_ACTIONS:
            raise r.fail(_join(dpath, "action"),
                         f"unknown deadline {action!r} (allowed: {', '.join(DEADLINE_ACTIONS)})")
        deadlines.append(Deadline(action, r.integer(dl, "working_days", dpath, minimum=1)))
    approval_keys = tuple(approvals)
    entry, entry_rules = _entry(r, raw, path, doc_keys, approval_keys)
    status_after = r.strings(raw, "status_after_documents", path, allowed=doc_keys)
    if status_after and "status_label" not in raw:
        raise r.fail(_join(path, "status_after_documents"), "needs a status_label to apply")
    status_until = r.strings(raw, "status_until_approvals", path, allowed=tuple(approvals))
    if status_until and "status_label" not in raw:
        raise r.fail(_join(path, "status_until_approvals"), "needs a status_label to apply")
    every: int | None = None
    if "followup_every_days" in raw:
        every = r.integer(raw, "followup_every_days", path, minimum=1)
    return Stage(
        key=key,
        name=r.text(raw, "name", path),
        funnel=str(raw.get("funnel", "")),
        default_days=r.integer(raw, "default_days", path, minimum=1),
        closed=closed,
        cadence=cadence,
        response=dict(response),
        entry=dict(entry),
        required_fields=r.strings(raw, "required_fields", path),
        required_documents=required_documents,
        customer_confirmed_documents=confirmed,
        required_approvals=r.strings(raw, "required_approvals", path, allowed=approval_keys),
        required_participants=r.strings(raw, "required_participants", path, allowed=PARTICIPANT_ROLES),
        required_activities=tuple(activities),
        deadlines=tuple(deadlines),
        status_label=r.text(raw, "status_label", path) if "status_label" in raw else None,
        entry_rules=entry_rules,
        followup_every_days=every,
        scored_requirement_items=r.boolean(raw, "scored_requirement_items", path, default=False),
        objections_resolved=r.boolean(raw, "objections_resolved", path, default=False),
        status_after_documents=status_after,
        status_until_approvals=status_until,
        outcome_documents=_by_outcome(r, raw, "outcome_documents", path, doc_keys),
        outcome_fields=_by_outcome(r, raw, "outcome_fields", path, None),
    )


def _health(r: _Reader, data: Mapping[str, Any]) -> Health:
    h = r.table(data, "health", "")
    weights = r.table(h, "weights", "health")
    w = {k: r.integer(weights, k, "health.weights", maximum=100)
         for k in ("requirement_match", "decision_chain", "budget_certainty")}
    if sum(w.values()) != 100:
        raise r.fail("health.weights", f"the weights must add up to 100 (got {sum(w.values())})")
    chain = r.table(h, "decision_chain_points", "health")
    chain_points = {k: r.integer(chain, k, "health.decision_chain_points", maximum=100) for k in DECISION_ROLES}
    if sum(chain_points.values()) != 100:
        raise r.fail("health.decision_chain_points",
                     f"the points must add up to 100 (got {sum(chain_points.values())})")
    budget = r.table(h, "budget_points", "health")
    budget_points = {k: r.integer(budget, k, "health.budget_points", maximum=100) for k in BUDGET_EVIDENCE}
    if sum(budget_points.values()) != w["budget_certainty"]:
        raise r.fail("health.budget_points", f"the points must add up to the budget weight "
                     f"{w['budget_certainty']} (got {sum(budget_points.values())})")
    back = r.decimal(h, "back_below", "health", maximum=Decimal(100))
    advance = r.decimal(h, "advance_above", "health", maximum=Decimal(100))
    if back > advance:
        raise r.fail("health.back_below", f"must not be above advance_above ({back} > {advance})")
    items = []
    seen: set[str] = set()
    for j, item in enumerate(r.tables(h, "requirement_items", "health")):
        ipath = f"health.requirement_items[{j}]"
        key = r.string(item, "key", ipath)
        if key in seen:
            raise r.fail(_join(ipath, "key"), f"duplicate item {key!r}")
        seen.add(key)
        items.append(RequirementItem(key, r.text(item, "name", ipath)))
    return Health(w["requirement_match"], w["decision_chain"], w["budget_certainty"], chain_points,
                  budget_points, back, advance, tuple(items),
                  auto_advance=r.boolean(h, "auto_advance", "health", default=True))


def _upgrade_format(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older playbook format up to the current one, so stored versions stay readable.

    Opportunities are judged by the exact playbook text they started under, which is stored; the
    loader must therefore read every format ever released. Format of 1.0.0: no ``[approvals]``
    table (approval keys were named after their document), and ``entry.approval`` was one key.
    """
    stages = data.get("stages")
    if not isinstance(stages, list) or not all(isinstance(s, dict) for s in stages):
        return data  # let validation report it
    stages = [dict(s) for s in stages]
    for stage in stages:
        entry = stage.get("entry")
        if isinstance(entry, dict) and "approval" in entry and "approvals" not in entry:
            entry = dict(entry)
            entry["approvals"] = [entry.pop("approval")]
            stage["entry"] = entry
    upgraded = {**data, "stages": stages}
    rules = data.get("rules")
    if isinstance(rules, dict) and "escalation_grace_hours" not in rules:
        # before 1.2.0 the escalation grace (M3) was not in the playbook; OppHub used 24 hours
        upgraded["rules"] = {**rules, "escalation_grace_hours": 24}
    if "approvals" not in data:
        documents = data.get("documents") if isinstance(data.get("documents"), dict) else {}
        keys: list[str] = []
        for stage in stages:
            entry = stage.get("entry") if isinstance(stage.get("entry"), dict) else {}
            for key in [*stage.get("required_approvals", []), *entry.get("approvals", [])]:
                if isinstance(key, str) and key not in keys:
                    keys.append(key)
        upgraded["approvals"] = {
            k: documents.get(k) or {"zh-hans": k, "zh-hant": k, "en": k} for k in keys}  # type: ignore[union-attr]
    return upgraded


# true/false switches inside the number sections (P6: count zombie days as working days)
_SECTION_SWITCHES = {("incentives", "zombie_working_days")}


def parse_playbook(content: str, *, source: str = "playbook") -> Playbook:
    """Parse and validate playbook text. Raises PlaybookError naming the key and the problem."""
    r = _Reader(source)
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise r.fail("(file)", f"not valid TOML: {exc}") from None
    data = _upgrade_format(data)
    meta = r.table(data, "meta", "")
    rules_raw = r.table(data, "rules", "")
    rules = Rules(
        high_value_amount=r.decimal(rules_raw, "high_value_amount", "rules"),
        daily_update_time=_parse_time(r, rules_raw, "daily_update_time", "rules"),
        risk_duration_factor=r.decimal(rules_raw, "risk_duration_factor", "rules", minimum=Decimal(1)),
        response_time_normal_hours=r.integer(rules_raw, "response_time_normal_hours", "rules", minimum=1),
        response_time_risk_days=r.integer(rules_raw, "response_time_risk_days", "rules", minimum=1),
        internal_discussion_phrases=r.strings(rules_raw, "internal_discussion_phrases", "rules", required=True),
        internal_discussion_repeats=r.integer(rules_raw, "internal_discussion_repeats", "rules", minimum=1),
        escalation_grace_hours=r.integer(rules_raw, "escalation_grace_hours", "rules", minimum=0),
        # before 1.3.0 these were constants of the code (the card's page size, 180 days, 10 moves)
        risk_window_followups=r.integer(rules_raw, "risk_window_followups", "rules", minimum=2, default=50),
        stage_average_window_days=r.integer(rules_raw, "stage_average_window_days", "rules", minimum=1,
                                            default=180),
        stage_average_min_samples=r.integer(rules_raw, "stage_average_min_samples", "rules", minimum=1,
                                            default=10),
        escalation_channels=(r.strings(rules_raw, "escalation_channels", "rules", required=True,
                                       allowed=ESCALATION_CHANNELS)
                             if "escalation_channels" in rules_raw else DEFAULT_ESCALATION_CHANNELS),
    )
    docs_raw = r.table(data, "documents", "")
    documents = {k: r.text(docs_raw, k, "documents") for k in docs_raw}
    approvals_raw = r.table(data, "approvals", "")
    approvals = {k: r.text(approvals_raw, k, "approvals") for k in approvals_raw}
    approvers = _approvers(r, data, approvals)
    stages = tuple(_stage(r, raw, i, documents, approvals)
                   for i, raw in enumerate(r.tables(data, "stages", "")))
    keys = [s.key for s in stages]
    for i, k in enumerate(keys):
        if keys.index(k) != i:
            raise r.fail(f"stages[{i}].key", f"duplicate stage {k!r}")
    if not stages[-1].closed or any(s.closed for s in stages[:-1]):
        raise r.fail("stages", "exactly the last stage must be the closed (archive) stage")
    if len(stages) < 2:
        raise r.fail("stages", "needs at least one open stage and the archive stage")
    losses = []
    for j, raw in enumerate(r.tables(data, "loss_reasons", "")):
        lpath = f"loss_reasons[{j}]"
        losses.append(LossReason(
            key=r.string(raw, "key", lpath),
            name=r.text(raw, "name", lpath),
            observed_share=r.decimal(raw, "observed_share", lpath, maximum=Decimal(1)),
            counter_strategy=r.text(raw, "counter_strategy", lpath),
            objection_phrases=r.strings(raw, "objection_phrases", lpath),
        ))
    interventions = []
    for j, raw in enumerate(r.tables(data, "interventions", "")):
        ipath = f"interventions[{j}]"
        interventions.append(Intervention(r.string(raw, "key", ipath), r.strings(raw, "when", ipath, required=True),
                                          r.text(raw, "text", ipath)))
    sections: dict[str, Mapping[str, Any]] = {}
    for name in ("resource_queue", "support_requests", "incentives", "goals", "pilots"):
        table = r.table(data, name, "")
        for k, v in table.items():
            if (name, k) in _SECTION_SWITCHES:
                r.boolean(table, k, name, default=True)  # a switch must be true or false
                continue
            if isinstance(v, bool) or (isinstance(v, int | float) and v < 0):
                raise r.fail(f"{name}.{k}", f"must be a number of at least 0 (got {v!r})")
        sections[name] = dict(table)
    stage_ref = sections["support_requests"].get("stage")
    if stage_ref is not None and stage_ref not in keys:
        raise r.fail("support_requests.stage", f"unknown stage {stage_ref!r}")
    return Playbook(
        key=r.string(meta, "key", "meta"),
        version=r.string(meta, "version", "meta"),
        name=r.text(meta, "name", "meta"),
        currency=r.string(meta, "currency", "meta"),
        rules=rules,
        health=_health(r, data),
        stages=stages,
        documents=documents,
        loss_reasons=tuple(losses),
        interventions=tuple(interventions),
        sections=sections,
        digest=hashlib.sha256(content.encode()).hexdigest(),
        approvals=approvals,
        approvers=approvers,
    )


APPROVER_ROLES = ("manager", "finance", "legal")
# before 1.3.0 the approvers were fixed in the code: the contract reviews by the assigned reviewer
DEFAULT_APPROVERS = {"contract_finance": "finance", "contract_legal": "legal"}


def _approvers(r: _Reader, data: Mapping[str, Any], approvals: Mapping[str, Text]) -> dict[str, str]:
    """``[approvers]``: approval key (or ``health_score``, H4) → the role that decides it."""
    if "approvers" not in data:
        return {k: v for k, v in DEFAULT_APPROVERS.items() if k in approvals}
    raw = r.table(data, "approvers", "")
    out = {}
    for key in raw:
        if key not in approvals and key != "health_score":
            raise r.fail(f"approvers.{key}", "not an approval of the [approvals] table")
        role = r.string(raw, key, "approvers")
        if role not in APPROVER_ROLES:
            raise r.fail(f"approvers.{key}", f"must be one of {', '.join(APPROVER_ROLES)} (got {role!r})")
        out[key] = role
    return out


def load_playbook_file(path: Path) -> Playbook:
    return parse_playbook(path.read_text(encoding="utf-8"), source=path.name)


def load_playbook_dir(directory: Path) -> dict[str, Playbook]:
    """Every ``*.toml`` in a folder, by key. Two files with one key are an error."""
    books: dict[str, Playbook] = {}
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise PlaybookError(str(directory), "(folder)", "holds no playbook (*.toml)")
    for path in files:
        book = load_playbook_file(path)
        if book.key in books:
            raise PlaybookError(path.name, "meta.key", f"key {book.key!r} is used by another playbook file too")
        books[book.key] = book
    return books
