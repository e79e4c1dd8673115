"""Risk warnings for one opportunity (spec M5, X3, X4), from the pure core in methodology/risk.py.

The stage averages are learned from history: the mean duration of the stage-history rows that left
the stage in the last ``WINDOW_DAYS`` days (one aggregate over the (stage, left_at) index), or the
playbook's ``default_days`` while fewer than ``MIN_SAMPLES`` exist. An average moves slowly, so it is
cached per stage for ``CACHE_SECONDS``; the rest is computed from the card's own follow-ups.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.utils.translation import gettext as _

from opphub.methodology.playbook import Playbook
from opphub.methodology.risk import DEFAULT_MIN_SAMPLES, RiskFlag, StageAverage, assess

from .models import StageHistory, Status

WINDOW_DAYS = 180
MIN_SAMPLES = DEFAULT_MIN_SAMPLES
CACHE_SECONDS = 600


def _history_averages(now: dt.datetime) -> dict[str, tuple[dt.timedelta | None, int]]:
    """{stage: (mean duration, rows)} over the rolling window: one GROUP BY, cached for the day."""
    key = f"opphub:stage-averages:{now:%Y-%m-%d}"
    found: dict[str, tuple[dt.timedelta | None, int]] | None = cache.get(key)
    if found is None:
        rows = (StageHistory.objects.filter(left_at__isnull=False,
                                            left_at__gte=now - dt.timedelta(days=WINDOW_DAYS))
                .order_by().values("stage")
                .annotate(avg=Avg(ExpressionWrapper(F("left_at") - F("entered_at"), output_field=DurationField())),
                          n=Count("id")))
        found = {r["stage"]: (r["avg"], r["n"]) for r in rows}
        cache.set(key, found, CACHE_SECONDS)
    return found


def stage_average(playbook: Playbook, stage: str, now: dt.datetime) -> StageAverage:
    """The stage's average duration in days over the rolling window (the playbook default while thin)."""
    avg, n = _history_averages(now).get(stage, (None, 0))
    if avg is None or n < MIN_SAMPLES:
        return StageAverage(days=Decimal(playbook.stage(stage).default_days), from_history=False, samples=n)
    return StageAverage(days=Decimal(avg.total_seconds()) / Decimal(86400), from_history=True, samples=n)


def opportunity_risks(*, playbook: Playbook, opportunity: Any, followups: list[Any],
                      now: dt.datetime) -> tuple[RiskFlag, ...]:
    """Flags of an open opportunity; ``followups`` are its newest follow-ups (newest first)."""
    if opportunity.status != Status.OPEN or opportunity.stage not in playbook.open_stage_keys:
        return ()
    oldest_first = sorted(followups, key=lambda f: (f.occurred_at, f.pk))
    return assess(
        playbook, stage=opportunity.stage, time_in_stage=max(now - opportunity.stage_entered_at, dt.timedelta(0)),
        average=stage_average(playbook, opportunity.stage, now),
        touches=[(f.occurred_at, f.direction) for f in oldest_first],
        notes=[f.notes for f in followups], now=now,
    )


def _num(value: Any) -> str:
    return f"{Decimal(str(value)):.1f}".rstrip("0").rstrip(".")


def risk_message(flag: RiskFlag) -> str:
    """The flag's evidence as one translated sentence."""
    e = flag.evidence
    if flag.code == "stage_overdue":
        basis = (_("average of the last %(n)s") % {"n": e["samples"]} if e["from_history"]
                 else _("playbook default"))
        return _("%(days)s days in this stage, more than %(factor)s × the average %(average)s days "
                 "(%(basis)s).") % {"days": _num(e["days_in_stage"]), "factor": _num(e["factor"]),
                                    "average": _num(e["average_days"]), "basis": basis}
    if flag.code == "slow_response":
        return _("The customer now takes %(days)s days to answer; earlier answers came within about "
                 "%(hours)s hours.") % {"days": _num(e["latest_days"]), "hours": _num(e["baseline_hours"])}
    if flag.code == "internal_discussion":
        return _("%(count)s recent follow-ups say the customer is still discussing internally.") % {
            "count": e["matching_notes"]}
    return flag.code
