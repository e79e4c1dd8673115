"""Compute and save the health score (H1-H4) with its inputs and playbook version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opphub.methodology.health import (
    BUDGET_CERTAINTY,
    DECISION_CHAIN,
    REQUIREMENT_MATCH,
    HealthScore,
    compute_health,
    score_to_dict,
)
from opphub.opportunities.playbooks import playbook_of

from .models import HealthRecord
from .selectors import health_inputs


def health_now(opportunity: Any, **known: Any) -> HealthScore:
    """The score as it stands (not saved): for the card."""
    playbook = playbook_of(opportunity.playbook_version)
    return compute_health(playbook, health_inputs(playbook, opportunity, **known))


def health_evaluate(*, actor: Any, opportunity: Any, now: datetime, reason: str = "stage_end") -> HealthRecord:
    """Score the opportunity and save the score with what it was computed from (H4 at a stage end)."""
    playbook = playbook_of(opportunity.playbook_version)
    inputs = health_inputs(playbook, opportunity)
    score = compute_health(playbook, inputs)
    return HealthRecord.objects.create(
        opportunity=opportunity, stage=opportunity.stage, total=score.total,
        requirement_match=score.dimension(REQUIREMENT_MATCH).points,
        decision_chain=score.dimension(DECISION_CHAIN).points,
        budget_certainty=score.dimension(BUDGET_CERTAINTY).points,
        decision=str(score.decision), detail=score_to_dict(score, inputs), playbook_version=playbook.version,
        computed_at=now, computed_by=actor, reason=reason)
