"""Customers and their contacts (with decision-chain roles, spec S2/H2)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from opphub.common.models import StrippedText, Versioned

from . import credit_code


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail")
    SOFTWARE = "software", _("Software and internet")
    FINANCE = "finance", _("Finance")
    HEALTHCARE = "healthcare", _("Healthcare")
    ENERGY = "energy", _("Energy")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")


class CompanySize(models.TextChoices):
    MICRO = "micro", _("Under 50 employees")
    SMALL = "small", _("50-299 employees")
    MEDIUM = "medium", _("300-999 employees")
    LARGE = "large", _("1,000-4,999 employees")
    ENTERPRISE = "enterprise", _("5,000 employees or more")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    OTHER = "other", _("Other")


def validate_credit_code(value: str) -> None:
    if value and not credit_code.is_valid(value):
        raise ValidationError(_("This is not a valid unified social credit code (18 characters with a "
                                "matching check character)."), code="credit_code")


class Customer(StrippedText, Versioned):
    name = models.CharField(_("company name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                                   validators=[validate_credit_code])
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    size = models.CharField(_("company size"), max_length=12, choices=CompanySize.choices)
    region = models.ForeignKey("people.Region", verbose_name=_("region"), on_delete=models.PROTECT)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="customers")
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(credit_code=""),
                                    name="customer_credit_code_unique"),
        ]
        indexes = [models.Index(fields=["owner"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class Contact(StrippedText, Versioned):
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    is_director_or_above = models.BooleanField(_("director level or above"), default=False)
    decision_role = models.CharField(_("decision-chain role"), max_length=16, choices=DecisionRole.choices,
                                     default=DecisionRole.OTHER)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wecom = models.CharField(_("WeCom ID"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name
