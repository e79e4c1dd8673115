"""The pieces every stage change is made of: the typed outcome of a move, and the write that relocates an
opportunity (stage, stage history row, audit row) under the optimistic lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from opphub.audit.services import audit_record
from opphub.common.errors import MoveRefused
from opphub.common.models import save_versioned
from opphub.gates.models import Approval, HealthRecord
from opphub.gates.unmet import unmet_message
from opphub.methodology.playbook import Playbook
from opphub.methodology.stages import Unmet
from opphub.opportunities.models import Opportunity, StageHistory
from opphub.opportunities.services import audit_state
from opphub.people.models import User


class MoveResult(StrEnum):
    """What a move (or an automatic H4 review) ended in."""

    MOVED = "moved"  # the opportunity is in the stage asked for (or, automatically, the next one)
    APPROVAL = "approval"  # H4 band: a health-score approval waits for the manager; it stays
    BACK = "back"  # H4 below the band: back one stage, the reason in its stage history
    NOT_READY = "not_ready"  # H4 below the band in the first stage: nowhere to go back to; it stays


@dataclass(frozen=True)
class MoveOutcome:
    """The typed result of :func:`opphub.workflow.services.opportunity_move_stage` and of the automatic
    H4 review. ``opportunity`` is the moved (or unmoved) opportunity, refreshed; ``message`` says what
    happened in the user's language ("" for a plain move); ``health`` / ``approval`` are the rows written."""

    opportunity: Opportunity
    result: MoveResult
    message: str = ""
    health: HealthRecord | None = None
    approval: Approval | None = None
    automatic: bool = False

    @property
    def moved(self) -> bool:
        return self.result in (MoveResult.MOVED, MoveResult.BACK)


def refuse(playbook: Playbook, unmet: list[Unmet]) -> None:
    messages = [unmet_message(playbook, u) for u in unmet]
    raise MoveRefused(messages[0], details=messages, unmet=unmet)


def enter_stage(*, actor: User | None, opportunity: Opportunity, stage: str, now: datetime, note: str) -> None:
    StageHistory.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    StageHistory.objects.create(opportunity=opportunity, stage=stage, entered_at=now, moved_by=actor,
                                note=note[:300])


def relocate(*, actor: User | None, opportunity: Opportunity, to_stage: str, now: datetime, note: str,
             expected_version: int | None) -> None:
    """Put an open opportunity into ``to_stage`` (checks are the caller's)."""
    before = audit_state(opportunity)
    opportunity.stage, opportunity.stage_entered_at, opportunity.updated_at = to_stage, now, now
    save_versioned(opportunity, expected_version=expected_version,
                   fields=["stage", "stage_entered_at", "updated_at"])
    enter_stage(actor=actor, opportunity=opportunity, stage=to_stage, now=now, note=note)
    audit_record(actor=actor, instance=opportunity, before=before, after=audit_state(opportunity), now=now)
