"""Stage order and move checks (spec S1-S5, M2).

Pure: takes the playbook and a snapshot, returns the list of unmet requirements (empty = allowed).
The foundation checks the order of stages and the outcome; the gate checks of M2 (required fields,
documents, approvals, contacts, deadlines) plug in here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .playbook import Playbook


@dataclass(frozen=True)
class Unmet:
    """One requirement a move does not meet: a code for programs, params for the message."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return dict(self.params).get(name, "")


@dataclass(frozen=True)
class MoveRequest:
    from_stage: str
    to_stage: str
    status: str  # "open" | "won" | "lost"


def check_move(playbook: Playbook, move: MoveRequest) -> list[Unmet]:
    """What stops an opportunity from moving ``from_stage`` → ``to_stage`` under ``playbook``.

    Rules: a stage the playbook does not know is refused; an open opportunity may move forward one
    stage at a time, or back to any earlier open stage (H4 sends work back); the closed (archive)
    stage takes only won or lost opportunities, and a closed opportunity does not move.
    """
    keys = playbook.stage_keys
    if move.to_stage not in keys:
        return [Unmet("unknown_stage", (("stage", move.to_stage),))]
    if move.from_stage not in keys:
        return [Unmet("unknown_stage", (("stage", move.from_stage),))]
    if move.to_stage == move.from_stage:
        return [Unmet("same_stage", (("stage", move.to_stage),))]
    target = playbook.stage(move.to_stage)
    src, dst = keys.index(move.from_stage), keys.index(move.to_stage)
    if move.status != "open":
        return [Unmet("closed_opportunity", (("status", move.status),))]
    if target.closed:
        return [Unmet("archive_needs_outcome", (("stage", move.to_stage),))]
    if dst > src + 1:
        return [Unmet("skips_stage", (("stage", keys[src + 1]),))]
    return []


def next_stage(playbook: Playbook, stage: str) -> str | None:
    keys = playbook.stage_keys
    i = keys.index(stage)
    return keys[i + 1] if i + 1 < len(keys) else None


def check_close(playbook: Playbook, *, stage: str, status: str, outcome: str) -> list[Unmet]:
    """What stops closing an opportunity as won or lost.

    Lost may be recorded from any open stage; won only from the last open stage (S4 Closing), since
    a deal is won when the contract is signed there. A closed opportunity cannot be closed again.
    """
    if outcome not in ("won", "lost"):
        return [Unmet("unknown_outcome", (("outcome", outcome),))]
    if status != "open":
        return [Unmet("closed_opportunity", (("status", status),))]
    if stage not in playbook.stage_keys:
        return [Unmet("unknown_stage", (("stage", stage),))]
    if outcome == "won" and stage != playbook.open_stage_keys[-1]:
        return [Unmet("won_before_closing", (("stage", playbook.open_stage_keys[-1]),))]
    return []
