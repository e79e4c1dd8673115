"""Opportunities, products, pipelines with their playbook versions, stage history, numbering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from opphub.common.models import StrippedText, Versioned
from opphub.common.validation import validate_date_bounds
from opphub.customers.models import CompanySize, Industry


class Product(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    price_band_min = models.DecimalField(_("price band from (CNY)"), max_digits=14, decimal_places=2,
                                         validators=[MinValueValidator(Decimal(0))])
    price_band_max = models.DecimalField(_("price band to (CNY)"), max_digits=14, decimal_places=2,
                                         validators=[MinValueValidator(Decimal(0))])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [models.CheckConstraint(condition=models.Q(price_band_max__gte=models.F("price_band_min")),
                                              name="product_price_band_ordered")]

    def __str__(self) -> str:
        return self.name


class PlaybookVersion(models.Model):
    """A stored playbook text. Stored once per (key, version) and never changed afterwards."""

    key = models.CharField(_("playbook"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    content = models.TextField(_("content"))
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        ordering = ["key", "-loaded_at"]
        verbose_name = _("playbook version")
        verbose_name_plural = _("playbook versions")
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="playbook_key_version_unique")]

    def __str__(self) -> str:
        return f"{self.key} {self.version}"


class Pipeline(models.Model):
    """A sales pipeline (e.g. one per product line) running one playbook; new opportunities take its
    current version."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    playbook_key = models.CharField(_("playbook"), max_length=40)
    current_version = models.ForeignKey(PlaybookVersion, verbose_name=_("current playbook version"),
                                        on_delete=models.PROTECT, related_name="+")
    is_default = models.BooleanField(_("default pipeline"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class LeadSource(models.TextChoices):
    INBOUND = "inbound", _("Inbound inquiry")
    EVENT = "event", _("Event lead")
    OUTBOUND = "outbound", _("Outbound touch")
    REFERRAL = "referral", _("Referral")


class Opportunity(StrippedText, Versioned):
    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    name = models.CharField(_("opportunity name"), max_length=200)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="opportunities")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="opportunities")
    team = models.ForeignKey("people.Team", verbose_name=_("team"), on_delete=models.PROTECT,
                             related_name="opportunities")
    region = models.ForeignKey("people.Region", verbose_name=_("region"), on_delete=models.PROTECT)
    products = models.ManyToManyField(Product, verbose_name=_("products"), blank=True,
                                      related_name="opportunities")
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal(0))])
    expected_close_date = models.DateField(_("expected close date"), validators=[validate_date_bounds])
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT)
    playbook_version = models.ForeignKey(PlaybookVersion, verbose_name=_("playbook version"),
                                         on_delete=models.PROTECT, editable=False, related_name="+")
    stage = models.CharField(_("stage"), max_length=24, db_index=True)
    status = models.CharField(_("outcome"), max_length=8, choices=Status.choices, default=Status.OPEN)
    stage_entered_at = models.DateTimeField(_("in stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_followup_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    source = models.CharField(_("lead source"), max_length=12, choices=LeadSource.choices,
                              default=LeadSource.INBOUND)
    # S1 screening form 需求初篩表: six basic fields + three initial requirement descriptions.
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    company_size = models.CharField(_("company size"), max_length=12, choices=CompanySize.choices)
    pain_points = models.TextField(_("core pain points"), blank=True)
    decision_roles = models.TextField(_("decision-chain roles"), blank=True,
                                      help_text=_("who decides, who influences, who uses"))
    budget_min = models.DecimalField(_("budget from (CNY)"), max_digits=14, decimal_places=2, null=True,
                                     blank=True, validators=[MinValueValidator(Decimal(0))])
    budget_max = models.DecimalField(_("budget to (CNY)"), max_digits=14, decimal_places=2, null=True,
                                     blank=True, validators=[MinValueValidator(Decimal(0))])
    timeline = models.CharField(_("timeline"), max_length=200, blank=True,
                                help_text=_("when the customer wants to start or go live"))
    requirement_1 = models.TextField(_("requirement 1"), blank=True)
    requirement_2 = models.TextField(_("requirement 2"), blank=True)
    requirement_3 = models.TextField(_("requirement 3"), blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            # Board and list (see docs/benchmarks.md). The two wide indexes *cover* the aggregates: the
            # key columns seek (status + stage; status + closed_at), the rest are the filter and
            # visibility columns (industry, team, owner, id, dates) and the summed amount, so counting
            # and summing never reads the table rows. They replace (status, stage, -amount) and
            # (status, closed_at), which are their prefixes.
            models.Index(fields=["status", "stage", "amount", "industry", "team", "owner", "expected_close_date",
                                 "id"], name="opp_open_board_idx"),
            models.Index(fields=["status", "closed_at", "amount", "industry", "team", "owner", "id"],
                         name="opp_closed_board_idx"),
            # the archive column's cards: last closed first, LIMIT n, without sorting the period
            models.Index(fields=["-closed_at", "-id"], name="opp_last_closed_idx"),
            # open ones within a period (expected close date): the counts, and a column's few cards
            models.Index(fields=["status", "expected_close_date", "stage", "amount", "industry", "team", "owner",
                                 "id"], name="opp_open_period_idx"),
            # the list sorted by amount: the first page without sorting every visible row
            models.Index(fields=["-amount", "-id"], name="opp_amount_idx"),
            models.Index(fields=["status", "stage", "-updated_at"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["customer"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["expected_close_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(budget_max__isnull=True) | models.Q(budget_min__isnull=True)
                                   | models.Q(budget_max__gte=models.F("budget_min")),
                                   name="opportunity_budget_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Assignment(models.Model):
    """Presales, customer success, finance or legal people assigned to support an opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="assignments")
    assigned_at = models.DateTimeField(_("assigned"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="assignment_unique")]
        indexes = [models.Index(fields=["user", "opportunity"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.opportunity_id}"


class StageHistory(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.CharField(_("stage"), max_length=24)
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("stage history entry")
        verbose_name_plural = _("stage history")
        indexes = [models.Index(fields=["opportunity", "entered_at"]), models.Index(fields=["stage", "left_at"])]

    def __str__(self) -> str:
        return f"{self.stage} {self.entered_at:%Y-%m-%d}"

    @property
    def duration(self) -> dt.timedelta | None:
        return (self.left_at - self.entered_at) if self.left_at else None


class NumberSequence(models.Model):
    """The last number handed out per region and year; locked row by row to stay gap-free."""

    region_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["region_code", "year"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.year}-{self.region_code}: {self.last}"


class OpportunityEvent(models.Model):
    """Business events for integrations (spec S4: a won deal triggers the delivery process). Written in the
    same transaction as the change; read by integrations through ``GET /api/events?after=<id>``, in id order,
    so a consumer that remembers the last id it handled misses nothing and sees nothing twice."""

    WON = "opportunity.won"
    LOST = "opportunity.lost"

    kind = models.CharField(_("event"), max_length=40)
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="events")
    payload = models.JSONField(_("data"))
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("opportunity event")
        verbose_name_plural = _("opportunity events")
        indexes = [models.Index(fields=["kind", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.opportunity_id}"
