"""Risk warnings for one opportunity (spec M5, X3, X4), from the pure core in methodology/risk.py.

The stage averages are learned from history per pipeline and playbook version (never mixed): the
mean duration of the stage-history rows of that pipeline's opportunities under that version that left
the stage in the last ``rules.stage_average_window_days`` days (one GROUP BY per pipeline and
version), or the playbook's ``default_days`` while fewer than ``rules.stage_average_min_samples``
exist. An average moves slowly, so it is cached per (pipeline, version, day) for ``CACHE_SECONDS``.
X3 reads the newest ``rules.risk_window_followups`` follow-ups (:func:`risk_window`).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.utils.translation import gettext as _

from opphub.followups.models import FollowUp
from opphub.methodology.playbook import Playbook
from opphub.methodology.risk import RiskFlag, StageAverage, assess

from .models import StageHistory, Status

CACHE_SECONDS = 600


def _history_averages(playbook: Playbook, pipeline_id: int, version_id: int,
                      now: dt.datetime) -> dict[str, tuple[dt.timedelta | None, int]]:
    """{stage: (mean duration, rows)} of one pipeline and playbook version over the playbook's rolling
    window: one GROUP BY, cached for the day."""
    window = playbook.rules.stage_average_window_days
    key = f"opphub:stage-averages:{pipeline_id}:{version_id}:{window}:{now:%Y-%m-%d}"
    found: dict[str, tuple[dt.timedelta | None, int]] | None = cache.get(key)
    if found is None:
        rows = (StageHistory.objects.filter(left_at__isnull=False, left_at__gte=now - dt.timedelta(days=window),
                                            opportunity__pipeline_id=pipeline_id,
                                            opportunity__playbook_version_id=version_id)
                .order_by().values("stage")
                .annotate(avg=Avg(ExpressionWrapper(F("left_at") - F("entered_at"), output_field=DurationField())),
                          n=Count("id")))
        found = {r["stage"]: (r["avg"], r["n"]) for r in rows}
        cache.set(key, found, CACHE_SECONDS)
    return found


def stage_average(playbook: Playbook, stage: str, now: dt.datetime, *, pipeline_id: int,
                  version_id: int) -> StageAverage:
    """The stage's average duration in days in one pipeline under one playbook version, over the
    playbook's rolling window (the playbook's default while history is thin)."""
    avg, n = _history_averages(playbook, pipeline_id, version_id, now).get(stage, (None, 0))
    if avg is None or n < playbook.rules.stage_average_min_samples:
        return StageAverage(days=Decimal(playbook.stage(stage).default_days), from_history=False, samples=n)
    return StageAverage(days=Decimal(avg.total_seconds()) / Decimal(86400), from_history=True, samples=n)


def risk_window(playbook: Playbook, opportunity: Any) -> list[tuple[dt.datetime, str, str]]:
    """X3's window: the newest ``rules.risk_window_followups`` follow-ups as (time, direction, notes),
    newest first. One query."""
    return list(FollowUp.objects.filter(opportunity=opportunity).order_by("-occurred_at", "-id")
                .values_list("occurred_at", "direction", "notes")[:playbook.rules.risk_window_followups])


def one_decimal(value: Decimal) -> str:
    """A number of days as shown: one decimal, half up (7 → "7.0", 10.5 → "10.5")."""
    return str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def stage_limit_text(playbook: Playbook, opportunity: Any, now: dt.datetime) -> str:
    """M5 on the card: the stage's average and the computed limit, e.g. "Average 7.0 days in this stage,
    high risk after 10.5 (1.5 × the playbook default)." ("" for a closed opportunity)."""
    if opportunity.status != Status.OPEN or opportunity.stage not in playbook.open_stage_keys:
        return ""
    average = stage_average(playbook, opportunity.stage, now, pipeline_id=opportunity.pipeline_id,
                            version_id=opportunity.playbook_version_id)
    factor = playbook.rules.risk_duration_factor
    return _("Average %(average)s days in this stage, high risk after %(limit)s (%(factor)s × %(basis)s).") % {
        "average": one_decimal(average.days), "limit": one_decimal(factor * average.days), "factor": plain(factor),
        "basis": _basis(average.from_history, average.samples)}


def plain(value: Decimal) -> str:
    """A playbook number as written: 1.5 → "1.5", 1.25 → "1.25", 2 → "2" (never rounded)."""
    return format(Decimal(value).normalize(), "f")


def _basis(from_history: Any, samples: Any) -> str:
    return (_("the average of the last %(n)s moves") % {"n": samples} if from_history
            else _("the playbook default"))


def opportunity_risks(*, playbook: Playbook, opportunity: Any, now: dt.datetime) -> tuple[RiskFlag, ...]:
    """Flags of an open opportunity (M5 on its stage's average, X3 on :func:`risk_window`)."""
    if opportunity.status != Status.OPEN or opportunity.stage not in playbook.open_stage_keys:
        return ()
    newest_first = risk_window(playbook, opportunity)
    return assess(
        playbook, stage=opportunity.stage, time_in_stage=max(now - opportunity.stage_entered_at, dt.timedelta(0)),
        average=stage_average(playbook, opportunity.stage, now, pipeline_id=opportunity.pipeline_id,
                              version_id=opportunity.playbook_version_id),
        touches=[(at, direction) for at, direction, _notes in reversed(newest_first)],
        notes=[notes for _at, _direction, notes in newest_first], now=now,
    )


def _num(value: Any) -> str:
    return f"{Decimal(str(value)):.1f}".rstrip("0").rstrip(".")


def risk_message(flag: RiskFlag) -> str:
    """The flag's evidence as one translated sentence."""
    e = flag.evidence
    if flag.code == "stage_overdue":
        return _("%(days)s days in this stage: average %(average)s days, high risk after %(limit)s "
                 "(%(factor)s × %(basis)s).") % {
            "days": one_decimal(e["days_in_stage"]), "average": one_decimal(e["average_days"]),  # type: ignore[arg-type]
            "limit": one_decimal(e["threshold_days"]), "factor": plain(e["factor"]),  # type: ignore[arg-type]
            "basis": _basis(e["from_history"], e["samples"])}
    if flag.code == "slow_response":
        return _("The customer now takes %(days)s days to answer; earlier answers came within about "
                 "%(hours)s hours.") % {"days": _num(e["latest_days"]), "hours": _num(e["baseline_hours"])}
    if flag.code == "internal_discussion":
        return _("%(count)s recent follow-ups say the customer is still discussing internally.") % {
            "count": e["matching_notes"]}
    return flag.code
