"""spec: H1-H4, C1-C4, R1-R4, M5, P5, P6, X1-X2 — the methodology lives in a validated playbook.

Pure tests: no database. A broken playbook is refused with a message naming the key and the problem.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from opphub.methodology.playbook import PlaybookError, load_playbook_dir, load_playbook_file, parse_playbook

STANDARD = Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml"
TEXT = STANDARD.read_text(encoding="utf-8")


def test_standard_playbook_holds_the_spec_numbers():
    """spec: H1-H4, R1, M5, P1, P6, C1-C4 — every number of the spec is a playbook value."""
    book = load_playbook_file(STANDARD)
    assert book.stage_keys == ("discovery", "confirmation", "solution", "closing", "archive")
    assert book.open_stage_keys == ("discovery", "confirmation", "solution", "closing")
    h = book.health
    assert (h.weight_requirement_match, h.weight_decision_chain, h.weight_budget_certainty) == (40, 30, 30)
    assert dict(h.decision_chain_points) == {"decision_maker": 50, "influencer": 30, "user": 20}
    assert dict(h.budget_points) == {"explicit_amount": 10, "approved": 15, "in_annual_plan": 5}
    assert (h.back_below, h.advance_above) == (Decimal(60), Decimal(80))
    assert len(h.requirement_items) == 10
    assert book.rules.risk_duration_factor == Decimal("1.5")
    assert book.rules.high_value_amount == Decimal(500000)
    assert book.rules.daily_update_time.strftime("%H:%M") == "18:00"
    assert book.number("resource_queue", "min_health_score") == 85
    assert book.number("incentives", "zombie_days") == 3
    assert book.number("incentives", "zombie_penalty_points") == 5
    assert book.number("incentives", "intervention_days") == 7
    cadence = {s.key: (s.cadence.touches, s.cadence.per_days) for s in book.stages if s.cadence}
    assert cadence == {"discovery": (1, 7), "confirmation": (1, 3), "solution": (2, 7), "closing": (1, 2)}
    assert [r.key for r in book.loss_reasons] == ["price", "requirement_change", "decision_maker_change",
                                                   "internal_resources"]
    assert sum(r.observed_share for r in book.loss_reasons) == Decimal(1)


def test_stage_names_in_three_languages():
    """spec: S1-S5 — stage names are shown in Simplified, Traditional Chinese and English."""
    s2 = load_playbook_file(STANDARD).stage("confirmation")
    assert (s2.name.get("zh-hans"), s2.name.get("zh-hant"), s2.name.get("en")) == (
        "需求确认", "需求確認", "Requirement confirmation")
    assert s2.name.get("zh-tw") == "需求確認"
    assert s2.name.get(None) == "需求确认"


def _broken(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ("requirement_match = 40", "requirement_match = 30", "health.weights", "add up to 100 (got 90)"),
        ("back_below = 60", "back_below = 90", "health.back_below", "must not be above advance_above"),
        ('daily_update_time = "18:00"', 'daily_update_time = "six pm"', "rules.daily_update_time",
         "HH:MM"),
        ("risk_duration_factor = 1.5", "risk_duration_factor = 0.5", "rules.risk_duration_factor",
         "at least 1"),
        ('key = "confirmation"', 'key = "discovery"', "stages[1].key", "duplicate stage"),
        ("cadence = { touches = 1, per_days = 3", "cadence = { touches = 0, per_days = 3",
         "stages[1].cadence.touches", "at least 1"),
        ('required_documents = ["screening_report"]', 'required_documents = ["napkin_sketch"]',
         "stages[0].required_documents", "unknown value 'napkin_sketch'"),
        ('zombie_days = 3', 'zombie_days = -3', "incentives.zombie_days", "at least 0"),
        ('[meta]\nkey = "standard"', '[meta]\nkey = ""', "meta.key", "non-empty"),
        ('en = "Discovery" }', 'en = "" }', "stages[0].name.en", "non-empty"),
        ('stage = "solution"', 'stage = "negotiation"', "support_requests.stage", "unknown stage"),
    ],
)
def test_broken_playbook_names_key_and_problem(old, new, key, problem):
    """spec: L2 — an administrator's mistake stops start-up with a message they can act on."""
    with pytest.raises(PlaybookError) as err:
        parse_playbook(_broken(old, new), source="standard.toml")
    assert err.value.key == key
    assert problem in err.value.problem
    assert str(err.value).startswith(f"standard.toml: {key}: ")


def test_missing_section_and_bad_toml():
    with pytest.raises(PlaybookError, match=r"^x.toml: health: is missing$"):
        parse_playbook(re.sub(r"\[health\].*?(?=\n\[resource_queue\])", "", TEXT, flags=re.S), source="x.toml")
    with pytest.raises(PlaybookError, match="not valid TOML"):
        parse_playbook("[meta\nkey=1", source="x.toml")


def test_archive_must_be_the_last_stage():
    bad = _broken('funnel = "MQL→SQL"', 'funnel = "MQL→SQL"\nclosed = true')
    with pytest.raises(PlaybookError, match="exactly the last stage must be the closed"):
        parse_playbook(bad)


def test_playbook_folder_refuses_two_files_with_one_key(tmp_path):
    """More than one playbook may be active (one per pipeline) but each key once."""
    (tmp_path / "a.toml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.toml").write_text(TEXT, encoding="utf-8")
    with pytest.raises(PlaybookError, match="key 'standard' is used by another playbook file"):
        load_playbook_dir(tmp_path)
    (tmp_path / "b.toml").write_text(TEXT.replace('key = "standard"', 'key = "retail"', 1), encoding="utf-8")
    assert sorted(load_playbook_dir(tmp_path)) == ["retail", "standard"]


def test_digest_changes_with_content():
    assert parse_playbook(TEXT).digest != parse_playbook(TEXT + "\n# note\n").digest


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('required_participants = ["presales"]', 'required_participants = ["intern"]',
         "stages[1].required_participants", "unknown value 'intern'"),
        ('required_approvals = ["contract_finance", "contract_legal"]',
         'required_approvals = ["contract_finance", "ceo_blessing"]',
         "stages[3].required_approvals", "unknown value 'ceo_blessing'"),
        ('approvals = ["screening_report"] }', 'approvals = ["manager_nod"] }',
         "stages[1].entry.approvals", "unknown value 'manager_nod'"),
        ("budget_covers_price_band = true", "budget_covers_pricebands = true",
         "stages[1].entry.budget_covers_pricebands", "unknown entry rule"),
        ("min_requirement_match = 70", "min_requirement_match = 170",
         "stages[1].entry.min_requirement_match", "at most 100"),
        ('signed_documents = ["confirmation_sheet"]', 'signed_documents = ["napkin"]',
         "stages[2].entry.signed_documents", "unknown value 'napkin'"),
        ('{ action = "interview", working_days = 7 }', '{ action = "coffee", working_days = 7 }',
         "stages[1].deadlines[0].action", "unknown deadline 'coffee'"),
        ("scored_requirement_items = true", 'scored_requirement_items = "yes"',
         "stages[1].scored_requirement_items", "true or false"),
        ("followup_every_days = 7", "followup_every_days = 0", "stages[2].followup_every_days", "at least 1"),
        ("objections_resolved = true", "objections_resolved = 1", "stages[3].objections_resolved",
         "true or false"),
        ('status_after_documents = ["proposal"]', 'status_after_documents = ["brochure"]',
         "stages[2].status_after_documents", "unknown value 'brochure'"),
        ('lost = ["loss_analysis"]', 'draw = ["loss_analysis"]', "stages[4].outcome_documents.draw",
         "unknown outcome"),
        ('lost = ["loss_analysis"]', 'lost = ["tears"]', "stages[4].outcome_documents.lost",
         "unknown value 'tears'"),
        ('en = "Legal contract review" }', 'en = "" }', "approvals.contract_legal.en", "non-empty"),
    ],
)
def test_broken_gate_keys_name_key_and_problem(old, new, key, problem):
    """spec: M2, S1-S5 — the stage-gate keys of the playbook are validated like every other key."""
    with pytest.raises(PlaybookError) as err:
        parse_playbook(_broken(old, new), source="standard.toml")
    assert err.value.key == key
    assert problem in err.value.problem


def test_standard_playbook_holds_the_gate_rules():
    """spec: S1-S5, M2, M3 — gates, their thresholds, deadlines and the escalation grace are playbook values."""
    book = load_playbook_file(STANDARD)
    assert book.version == "1.3.0"
    assert book.rules.escalation_grace_hours == 24
    s2, s3, s4 = book.stage("confirmation"), book.stage("solution"), book.stage("closing")
    assert s2.entry_rules.min_requirement_match == Decimal(70)
    assert s2.entry_rules.budget_covers_price_band
    assert s2.entry_rules.approvals == ("screening_report",)
    assert [(d.action, d.working_days) for d in s2.deadlines] == [("interview", 7)]
    assert s3.entry_rules.signed_documents == ("confirmation_sheet",) and s3.entry_rules.director_contacted
    assert s3.followup_every_days == 7
    assert s3.status_label is not None and s3.status_label.get("zh-hant") == "方案確認中"
    assert s4.required_approvals == ("contract_finance", "contract_legal")
    assert [(d.action, d.working_days) for d in s4.deadlines] == [("objection", 3)]
    assert [(d.action, d.working_days) for d in book.stage("archive").deadlines] == [("archive", 7)]
    assert set(book.approvals) == {"screening_report", "contract_finance", "contract_legal"}


RELEASED = sorted((Path(__file__).resolve().parent / "data").glob("standard-*.toml"))


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.name)
def test_every_released_playbook_version_still_loads(path):
    """spec: L2 — running opportunities keep the playbook version they started under, so the loader
    must read every released format (stored versions are parsed again after each upgrade)."""
    book = load_playbook_file(path)
    current = load_playbook_file(STANDARD)
    assert book.stage_keys == current.stage_keys
    assert book.health.back_below == current.health.back_below
    for stage in book.stages:
        for key in stage.required_approvals:
            assert key in book.approvals  # legacy approval keys got names


def test_released_versions_are_kept_as_fixtures():
    """A playbook version that was released is copied to tests/methodology/data/ before it changes."""
    current = load_playbook_file(STANDARD)
    released = {load_playbook_file(p).version for p in RELEASED}
    assert "1.0.0" in released
    assert current.version not in released or any(
        p.read_text(encoding="utf-8") == TEXT for p in RELEASED)
