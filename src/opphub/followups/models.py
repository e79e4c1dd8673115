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


class RequestKind(models.TextChoices):
    """What the customer waits for (spec C1-C4 response times); the keys are the pure core's request kinds
    (``methodology.cadence.RESPONSE_TRIGGERS``), the due time is the playbook's ``stages.response``."""

    KEY_ACTION = "key_action", _("Customer request (update the system)")  # C1: update within 24 h
    CONFIRMATION = "confirmation", _("Requirements confirmed (submit for review)")  # C2: review within 48 h
    FEEDBACK = "feedback", _("Proposal feedback (answer it)")  # C3: within 2 working days
    OBJECTION = "objection", _("Objection (answer it)")  # C4: within 24 h


class CustomerRequest(models.Model):
    """Something the customer is waiting for us to answer, recorded on a follow-up (or as an objection),
    with who owes the answer. Open until an answering follow-up (or, for an objection, its resolution)
    closes it; the scan alerts and escalates it once its playbook due time has passed."""

    opportunity = models.ForeignKey("opportunities.Opportunity", verbose_name=_("opportunity"),
                                    on_delete=models.CASCADE, related_name="customer_requests")
    kind = models.CharField(_("the customer waits for"), max_length=16, choices=RequestKind.choices)
    text = models.CharField(_("what exactly"), max_length=300)
    received_at = models.DateTimeField(_("received"))
    owed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answer owed by"),
                                on_delete=models.PROTECT, related_name="requests_owed")
    followup = models.ForeignKey(FollowUp, verbose_name=_("recorded on"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="requests_raised")
    objection = models.OneToOneField("gates.Objection", verbose_name=_("objection"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="request")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(FollowUp, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="requests_answered")
    created_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("customer request")
        verbose_name_plural = _("customer requests")
        # one alert episode per request: (opportunity, kind, received_at) is its identity
        constraints = [models.UniqueConstraint(fields=["opportunity", "kind", "received_at"],
                                               name="customer_request_unique_moment")]
        indexes = [models.Index(fields=["kind", "answered_at", "received_at"], name="request_open_kind_idx"),
                   models.Index(fields=["owed_by", "answered_at"], name="request_owed_open_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.opportunity_id}"
