"""spec: S1-S5, M2, H4 — stage order and moves decided by the pure core (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from opphub.methodology.numbering import format_number, parse_number
from opphub.methodology.playbook import load_playbook_file
from opphub.methodology.stages import MoveRequest, check_close, check_move, next_stage

BOOK = load_playbook_file(Path(__file__).resolve().parents[2] / "playbooks" / "standard.toml")


@pytest.mark.parametrize(
    ("src", "dst", "status", "codes"),
    [
        ("discovery", "confirmation", "open", []),
        ("confirmation", "solution", "open", []),
        ("solution", "closing", "open", []),
        ("closing", "solution", "open", []),          # H4: sent back one stage
        ("closing", "discovery", "open", []),         # back further is allowed
        ("discovery", "solution", "open", ["skips_stage"]),
        ("discovery", "closing", "open", ["skips_stage"]),
        ("closing", "archive", "open", ["archive_needs_outcome"]),
        ("discovery", "discovery", "open", ["same_stage"]),
        ("archive", "closing", "won", ["closed_opportunity"]),
        ("discovery", "negotiation", "open", ["unknown_stage"]),
    ],
)
def test_check_move(src, dst, status, codes):
    assert [u.code for u in check_move(BOOK, MoveRequest(src, dst, status))] == codes


def test_skip_names_the_stage_to_go_to_first():
    (unmet,) = check_move(BOOK, MoveRequest("discovery", "closing", "open"))
    assert unmet.param("stage") == "confirmation"


@pytest.mark.parametrize(
    ("stage", "status", "outcome", "codes"),
    [
        ("closing", "open", "won", []),
        ("solution", "open", "won", ["won_before_closing"]),
        ("discovery", "open", "lost", []),
        ("closing", "won", "lost", ["closed_opportunity"]),
        ("closing", "open", "maybe", ["unknown_outcome"]),
    ],
)
def test_check_close(stage, status, outcome, codes):
    """spec: S4 — won in Closing; S5 — lost may be recorded from any open stage."""
    assert [u.code for u in check_close(BOOK, stage=stage, status=status, outcome=outcome)] == codes


def test_next_stage():
    assert next_stage(BOOK, "discovery") == "confirmation"
    assert next_stage(BOOK, "archive") is None


@pytest.mark.parametrize(("year", "region", "seq", "text"),
                         [(2026, "SH", 1, "2026-SH-001"), (2024, "BJ", 42, "2024-BJ-042"),
                          (2026, "SH", 999, "2026-SH-999"), (2026, "SH", 1000, "2026-SH-1000"),
                          (2026, "SH", 12345, "2026-SH-12345")])
def test_number_format_grows_past_999(year, region, seq, text):
    """spec: S1 — YEAR-REGION-SEQ, three digits that grow past 999."""
    assert format_number(year, region, seq) == text
    assert parse_number(text) == (year, region, seq)


@pytest.mark.parametrize(("region", "seq"), [("sh", 1), ("S", 1), ("SH", 0)])
def test_number_rejects_bad_parts(region, seq):
    with pytest.raises(ValueError):
        format_number(2026, region, seq)
