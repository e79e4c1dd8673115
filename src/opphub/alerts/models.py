"""What the set-based scan found (spec M3, M5, P4, P6, X3): alerts with an episode identity, the
monthly zombie penalty ledger, and the per-user calendar feed token.

An alert is one *episode* of a condition on one opportunity, identified by ``(opportunity, kind,
basis_at)``: ``basis_at`` is the moment the condition is counted from (the cadence's N-th latest
credit for an overdue touch, the last update for a zombie streak, the stage entry for a stage-level
risk). The scan upserts by that key, so a rerun never duplicates; when the basis moves (a touch is
logged, the stage changes) the old episode is resolved and a new one may start.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    OVERDUE_TOUCH = "overdue_touch", _("Overdue touch")
    ZOMBIE = "zombie", _("No follow-up for days")
    INTERVENTION = "intervention", _("Manager intervention")
    HIGH_RISK = "high_risk", _("High risk")
    SLOW_RESPONSE = "slow_response", _("Slow customer response")
    INTERNAL_DISCUSSION = "internal_discussion", _("Discussing internally")
    # C1-C4 response times: what the customer waits for is overdue (followups.CustomerRequest); the
    # episode's basis is the request's received_at, its owner who owes the answer
    RESPONSE_KEY_ACTION = "response_key_action", _("System update after a customer request")
    RESPONSE_CONFIRMATION = "response_confirmation", _("Review submission after the confirmation")
    RESPONSE_FEEDBACK = "response_feedback", _("Answer to proposal feedback")
    RESPONSE_OBJECTION = "response_objection", _("Answer to an objection")


# kinds that are risk flags (M5, X3) and their codes in methodology.risk
RISK_KINDS: dict[str, str] = {AlertKind.HIGH_RISK: "stage_overdue", AlertKind.SLOW_RESPONSE: "slow_response",
              AlertKind.INTERNAL_DISCUSSION: "internal_discussion"}

RESPONSE_PREFIX = "response_"
RESPONSE_ALERT_KINDS = (AlertKind.RESPONSE_KEY_ACTION, AlertKind.RESPONSE_CONFIRMATION, AlertKind.RESPONSE_FEEDBACK,
                        AlertKind.RESPONSE_OBJECTION)


def response_alert_kind(request_kind: str) -> str:
    """The alert kind of an overdue answer to a request of ``request_kind`` (followups.RequestKind)."""
    return RESPONSE_PREFIX + request_kind


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="alerts")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE,
                              related_name="alerts")
    basis_at = models.DateTimeField(_("counted from"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["opportunity", "kind", "basis_at"], name="alert_episode_unique")]
        indexes = [
            models.Index(fields=["kind", "resolved_at", "escalated_at"], name="alert_open_kind_idx"),
            models.Index(fields=["owner", "resolved_at"], name="alert_owner_open_idx"),
            models.Index(fields=["opportunity", "resolved_at"], name="alert_opp_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.opportunity_id}"


class PenaltyEntry(models.Model):
    """P6: −N performance points in a month, once per zombie streak; reversible by the manager."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="penalties")
    month = models.CharField(_("month"), max_length=7)  # YYYY-MM (the month of the day that completed the streak)
    points = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=40)
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="penalties")
    streak_since = models.DateTimeField(_("last update before the streak"))
    created_at = models.DateTimeField(_("booked"))
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reversed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversal_note = models.CharField(_("reversal note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("penalty entry")
        verbose_name_plural = _("penalty ledger")
        constraints = [models.UniqueConstraint(fields=["opportunity", "reason", "streak_since"],
                                               name="penalty_once_per_streak")]
        indexes = [models.Index(fields=["user", "month"], name="penalty_user_month_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.month} {self.points}"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarToken(models.Model):
    """The secret in a user's ICS feed URL; regenerating it invalidates the old URL."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"calendar token of {self.user_id}"
