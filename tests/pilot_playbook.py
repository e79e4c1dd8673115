"""A pilot playbook with every number of the standard one changed, installed as a pipeline's playbook.

Tests that load it (tests/test_pilot_playbook.py) assert that decisions, pages, messages, the lifecycle
report and the scan follow the pilot's numbers: any rule number typed into code, a template or a message
shows up as the standard's value where the pilot's is expected.

Extend it by adding a line to :data:`CHANGES` (the standard text, the pilot's text: each standard text
must occur exactly once in playbooks/standard.toml, so a renamed key fails loudly here) and a test that
reads the new value from :data:`PILOT`, never a typed copy of it.
"""

from __future__ import annotations

from pathlib import Path

from opphub.methodology.playbook import Playbook, parse_playbook

STANDARD_FILE = Path(__file__).resolve().parents[1] / "playbooks" / "standard.toml"

# (text in standard.toml, the pilot's text) — every number of the standard changed to one no rule shares
CHANGES: list[tuple[str, str]] = [
    ('key = "standard"', 'key = "pilot"'),
    ('name = { zh-hans = "标准商机管理方案", zh-hant = "標準商機管理方案", en = "Standard opportunity playbook" }',
     'name = { zh-hans = "试点商机方案", zh-hant = "試點商機方案", en = "Pilot opportunity playbook" }'),
    ("high_value_amount = 500000", "high_value_amount = 730000"),                       # K1, R1
    ('daily_update_time = "18:00"', 'daily_update_time = "17:25"'),                     # P1
    ("risk_duration_factor = 1.5", "risk_duration_factor = 1.35"),                      # M5, X3 (two decimals)
    ("response_time_normal_hours = 24", "response_time_normal_hours = 30"),             # X3
    ("response_time_risk_days = 3 ", "response_time_risk_days = 4 "),                   # X3
    ("risk_window_followups = 50", "risk_window_followups = 6"),                        # X3
    ("stage_average_window_days = 180", "stage_average_window_days = 40"),              # M5
    ("stage_average_min_samples = 10", "stage_average_min_samples = 3"),                # M5
    ("internal_discussion_repeats = 2", "internal_discussion_repeats = 3"),             # X3
    ("escalation_grace_hours = 0 ", "escalation_grace_hours = 5 "),                     # M3
    ('escalation_channels = ["email", "wecom"]', 'escalation_channels = ["email", "dingtalk"]'),  # M3
    ("back_below = 60", "back_below = 55"),                                             # H4
    ("advance_above = 80", "advance_above = 85"),                                       # H4
    ("min_health_score = 85", "min_health_score = 88"),                                 # R1
    ("min_amount = 500000", "min_amount = 730000"),                                     # R1
    ("zombie_days = 3 ", "zombie_days = 2 "),                                           # P6
    ("zombie_penalty_points = 5 ", "zombie_penalty_points = 4 "),                       # P6
    ("intervention_days = 7 ", "intervention_days = 9 "),                               # P6
    ("zombie_working_days = false", "zombie_working_days = true"),                      # P6
    # C1-C4 response times: C1 20 h, C2 40 h, C3 3 working days, C4 30 h
    ("response = { update_hours = 24 }", "response = { update_hours = 20 }"),
    ("response = { review_submit_hours = 48 }", "response = { review_submit_hours = 40 }"),
    ("response = { feedback_working_days = 2 }", "response = { feedback_working_days = 3 }"),
    ("response = { objection_hours = 24 }", "response = { objection_hours = 30 }"),
    # S1: 11-day default, a touch every 5 days, its own "to be confirmed" mark
    ("default_days = 14                 # M5 average used while history is thin",
     "default_days = 11                 # M5 average used while history is thin"),
    ("cadence = { touches = 1, per_days = 7, working_days = false, preferred = [\"phone\", \"wecom\"] }",
     "cadence = { touches = 1, per_days = 5, working_days = false, preferred = [\"phone\", \"wecom\"] }"),
    ('status_label = { zh-hans = "待确认商机", zh-hant = "待確認商機", en = "To be confirmed" }',
     'status_label = { zh-hans = "试点待确认", zh-hant = "試點待確認", en = "Pilot: to be confirmed" }'),
    # S2: 9-day default (1.35 × 9 = 12.15, shown 12.2), a touch every 4 days
    ("default_days = 7\ncadence = { touches = 1, per_days = 3,",
     "default_days = 9\ncadence = { touches = 1, per_days = 4,"),
    # S2, S4, S5 deadlines in working days
    ('deadlines = [{ action = "interview", working_days = 7 }]',
     'deadlines = [{ action = "interview", working_days = 6 }]'),
    ('deadlines = [{ action = "objection", working_days = 3 }]',
     'deadlines = [{ action = "objection", working_days = 4 }]'),
    ('deadlines = [{ action = "archive", working_days = 7 }]',
     'deadlines = [{ action = "archive", working_days = 8 }]'),
    # S3
    ('status_label = { zh-hans = "方案确认中", zh-hant = "方案確認中", en = "Proposal under confirmation" }',
     'status_label = { zh-hans = "试点方案确认中", zh-hant = "試點方案確認中", en = "Pilot: proposal under review" }'),
    ('name = { zh-hans = "方案推进", zh-hant = "方案推進", en = "Solution" }',
     'name = { zh-hans = "试点方案推进", zh-hant = "試點方案推進", en = "Pilot solution" }'),
]


def pilot_toml() -> str:
    """The standard playbook's text with :data:`CHANGES` applied (each standard text must occur once)."""
    text = STANDARD_FILE.read_text(encoding="utf-8")
    for old, new in CHANGES:
        found = text.count(old)
        if found != 1:
            raise AssertionError(f"pilot playbook: {old!r} occurs {found} times in standard.toml (expected once)")
        text = text.replace(old, new)
    return text


def pilot_playbook() -> Playbook:
    return parse_playbook(pilot_toml(), source="pilot.toml")


PILOT = pilot_playbook()
STANDARD = parse_playbook(STANDARD_FILE.read_text(encoding="utf-8"), source="standard.toml")


def install_pilot():  # type: ignore[no-untyped-def]
    """Store the pilot as a playbook version and make it the playbook of a new default pipeline ``pilot``
    (opportunities created afterwards run under it). Returns the pipeline. Needs the database."""
    from opphub.opportunities.models import Pipeline, PlaybookVersion

    content = pilot_toml()
    version = PlaybookVersion.objects.create(key=PILOT.key, version=PILOT.version, content=content,
                                             digest=PILOT.digest)
    Pipeline.objects.update(is_default=False)
    return Pipeline.objects.create(key="pilot", name="试点管道", playbook_key=PILOT.key, current_version=version,
                                   is_default=True)
