"""What an opportunity owes at each stage (spec S1-S5, M2, H1-H4): the stage record (5W1H, proposal,
archive fields), documents with the customer's confirmation, approvals, the 10 scored requirement items,
objections and saved health scores."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from opphub.common.models import StrippedText, Versioned

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]

# H3: the three budget facts; each counts only with evidence (an uploaded document of this type).
BUDGET_FLAGS = ("explicit_amount", "approved", "in_annual_plan")
BUDGET_EVIDENCE = {f: f"budget_{f}" for f in BUDGET_FLAGS}


class StageRecord(StrippedText, Versioned):
    """The opportunity's stage work beyond the S1 screening form (which lives on the opportunity)."""

    opportunity = models.OneToOneField("opportunities.Opportunity", on_delete=models.CASCADE,
                                       primary_key=True, related_name="stage_record")
    # S1: the requirement match the manager assesses on the screening report (S2 entry gate)
    screening_match = models.DecimalField(_("requirement match on the screening report (%)"), max_digits=5,
                                          decimal_places=2, null=True, blank=True, validators=PERCENT)
    # H3 budget facts (the evidence is a document of type budget_<flag>)
    budget_explicit_amount = models.BooleanField(_("the customer stated an explicit budget amount"), default=False)
    budget_approved = models.BooleanField(_("the budget is approved"), default=False)
    budget_in_annual_plan = models.BooleanField(_("the budget is in the annual plan"), default=False)
    # S2 5W1H interview record
    interview_why = models.TextField(_("Why do they need it"), blank=True)
    interview_what = models.TextField(_("What scenario"), blank=True)
    interview_when = models.TextField(_("When do they start"), blank=True)
    interview_who = models.TextField(_("Who decides"), blank=True)
    interview_where = models.TextField(_("Where is it implemented"), blank=True)
    interview_how = models.TextField(_("How will they evaluate"), blank=True)
    # S3 proposal parts
    proposal_solution = models.TextField(_("pain → solution"), blank=True)
    proposal_implementation_path = models.TextField(_("implementation path"), blank=True)
    proposal_roi = models.TextField(_("ROI calculation"), blank=True)
    # S4
    priority_commitment = models.CharField(_("the customer's commitment to prioritise us"), max_length=300,
                                           blank=True, help_text=_("who said it, when, in which words"))
    service_contact = models.ForeignKey("customers.Contact", verbose_name=_("customer's service contact"),
                                        null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # S5 archive
    success_points = models.TextField(_("success points"), blank=True,
                                      help_text=_("one tag per line, e.g. “executive visit drove the decision”"))
    loss_reason = models.CharField(_("loss reason"), max_length=40, blank=True)
    loss_competitor_advantage = models.TextField(_("competitor's advantage"), blank=True)
    loss_real_reason = models.TextField(_("the customer's real reason"), blank=True)
    loss_our_weakness = models.TextField(_("our weakness"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage record")
        verbose_name_plural = _("stage records")

    def __str__(self) -> str:
        return str(self.opportunity_id)

    @property
    def success_tags(self) -> list[str]:
        return [t.strip() for t in self.success_points.splitlines() if t.strip()]


def document_path(instance: Document, filename: str) -> str:
    return f"opportunities/{instance.opportunity_id}/{instance.stored_name}"


def confirmation_path(instance: Document, filename: str) -> str:
    """The customer's confirmation keeps its own type: ``NUMBER-S2-confirmation_sheet-confirmation.eml``."""
    return f"opportunities/{instance.opportunity_id}/{filename}"


class Document(models.Model):
    """One uploaded file of a document type the playbook lists (or H3 budget evidence). The latest upload
    of a type is the one that counts; earlier ones stay as history."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE, related_name="documents")
    stage = models.CharField(_("stage"), max_length=24)
    doc_type = models.CharField(_("document type"), max_length=40)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    stored_name = models.CharField(_("name"), max_length=200)
    original_name = models.CharField(_("uploaded as"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))
    # the customer's confirmation (signature scan or email), where the playbook asks for it
    confirmation = models.FileField(_("customer's confirmation"), upload_to=confirmation_path, max_length=300,
                                    blank=True)
    confirmation_name = models.CharField(max_length=255, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["opportunity", "doc_type", "-uploaded_at"])]

    def __str__(self) -> str:
        return self.stored_name

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


HEALTH_APPROVAL = "health_score"  # H4: a total inside the playbook's band goes to the manager before the move


class Approval(models.Model):
    """A request for a decision (M2 required approvals, H4 health-score approvals)."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE, related_name="approvals")
    key = models.CharField(_("approval"), max_length=40)
    stage = models.CharField(_("stage"), max_length=24)
    to_stage = models.CharField(_("move to"), max_length=24, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    request_note = models.TextField(_("note"), blank=True)
    material = models.ForeignKey(Document, verbose_name=_("supplementary material"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    health = models.ForeignKey("HealthRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [models.UniqueConstraint(fields=["opportunity", "key"],
                                               condition=models.Q(state="pending"),
                                               name="approval_one_pending_per_key")]
        indexes = [models.Index(fields=["state", "key"]), models.Index(fields=["opportunity", "key", "state"])]

    def __str__(self) -> str:
        return f"{self.key} {self.state}"


class RequirementScore(models.Model):
    """H1: one of the 10 items of the 需求確認單, scored 0-100."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE,
                                    related_name="requirement_scores")
    item = models.CharField(_("item"), max_length=40)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, validators=PERCENT)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(_("scored"))

    class Meta:
        verbose_name = _("requirement item score")
        verbose_name_plural = _("requirement item scores")
        constraints = [models.UniqueConstraint(fields=["opportunity", "item"], name="requirement_score_unique")]

    def __str__(self) -> str:
        return f"{self.item}={self.score}"


class Objection(models.Model):
    """S4: a customer objection (from a follow-up) and its resolution within N working days."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE, related_name="objection_set")
    followup = models.OneToOneField("followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="objection")
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(_("raised"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("how it was answered"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["raised_at", "id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return self.text[:40]


class HealthRecord(models.Model):
    """A saved health score (H1-H4) with the inputs it was computed from and the playbook version."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE,
                                    related_name="health_records")
    stage = models.CharField(_("stage"), max_length=24)
    total = models.DecimalField(_("health score"), max_digits=5, decimal_places=2)
    requirement_match = models.DecimalField(max_digits=5, decimal_places=2)
    decision_chain = models.DecimalField(max_digits=5, decimal_places=2)
    budget_certainty = models.DecimalField(max_digits=5, decimal_places=2)
    decision = models.CharField(_("decision"), max_length=10)
    detail = models.JSONField(_("inputs and result"))
    playbook_version = models.CharField(_("playbook version"), max_length=20)
    computed_at = models.DateTimeField(_("computed"))
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reason = models.CharField(_("why"), max_length=20, default="stage_end")

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")
        indexes = [models.Index(fields=["opportunity", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.total}"


class ArchiveReview(models.Model):
    """S5 lost: the sales committee accepts the loss analysis or sends it back."""

    opportunity = models.ForeignKey("opportunities.Opportunity", on_delete=models.CASCADE,
                                    related_name="archive_reviews")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"))
    state = models.CharField(_("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("loss analysis review")
        verbose_name_plural = _("loss analysis reviews")
        constraints = [models.UniqueConstraint(fields=["opportunity"], condition=models.Q(state="pending"),
                                               name="archive_review_one_pending")]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.state}"
