"""Users with roles, teams as a hierarchy, regions."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    PRESALES = "presales", _("Presales engineer")
    CUSTOMER_SUCCESS = "cs", _("Customer success manager")
    MANAGER = "manager", _("Sales manager")
    DIRECTOR = "director", _("Sales director")
    FINANCE = "finance", _("Finance reviewer")
    LEGAL = "legal", _("Legal reviewer")
    ADMIN = "admin", _("Administrator")


class Region(models.Model):
    """A sales region; its code goes into opportunity numbers (2026-SH-001)."""

    code = models.CharField(_("code"), max_length=6, unique=True,
                            help_text=_("2-6 capital letters, used in opportunity numbers"))
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey("self", verbose_name=_("parent team"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    manager = models.ForeignKey("people.User", verbose_name=_("manager"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="managed_teams")

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="members")
    mobile = models.CharField(_("mobile"), max_length=20, blank=True,
                              help_text=_("used to @mention in WeCom group messages"))
    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)
