"""Follow-up records: every touch with the customer (spec C1-C4, S3 weekly records)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opphub.common.models import StrippedText
from opphub.common.validation import validate_date_bounds


class Kind(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECOM = "wecom", _("WeCom")
    VISIT = "visit", _("On-site visit")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    EXECUTIVE_VISIT = "executive_visit", _("Executive visit")
    INTERVIEW = "interview", _("Interview (5W1H)")


class Direction(models.TextChoices):
    OUTBOUND = "out", _("Outbound (we reached out)")
    INBOUND = "in", _("Inbound (customer reached out)")


class FollowUp(StrippedText, models.Model):
    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="followups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.PROTECT,
                               related_name="followups")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices,
                                 default=Direction.OUTBOUND)
    occurred_at = models.DateTimeField(_("when"), validators=[validate_date_bounds])
    contacts = models.ManyToManyField("customers.Contact", verbose_name=_("contacts"), blank=True,
                                      related_name="followups")
    notes = models.TextField(_("notes"))
    customer_feedback = models.TextField(_("customer feedback"), blank=True)
    objections = models.TextField(_("objections"), blank=True)
    competitor_moves = models.TextField(_("competitor moves"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_at = models.DateTimeField(_("next step when"), null=True, blank=True,
                                        validators=[validate_date_bounds])  # a planned meeting (ICS feed)
    created_at = models.DateTimeField(_("logged"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["opportunity", "-occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"
