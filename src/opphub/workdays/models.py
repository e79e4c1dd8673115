"""Holiday/workday overrides an administrator enters over the official calendar (spec S2, S4, S5, R3, R4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One date whose working-day status the company sets by hand; it wins over the official data."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no work)")
        WORKDAY = "workday", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("Why, e.g. “2027 Spring Festival per the State Council notice”."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   blank=True, editable=False, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), editable=False)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()}"


class HolidayImport(models.Model):
    """One year's official holidays and make-up working days, imported by an administrator from the
    State Council's notice for a year the chinesecalendar package does not cover. A year with an
    import counts as official data; importing the same year again replaces it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(_("imported"))
    source = models.TextField(_("source lines"), blank=True,
                              help_text=_("The lines as the administrator entered them."))
    holiday_count = models.PositiveSmallIntegerField(_("holidays"), default=0)
    workday_count = models.PositiveSmallIntegerField(_("make-up working days"), default=0)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday import")
        verbose_name_plural = _("holiday imports")

    def __str__(self) -> str:
        return str(self.year)


class ImportedDay(models.Model):
    """One date of an imported year: an official holiday or a make-up working day (调休上班)."""

    holiday_import = models.ForeignKey(HolidayImport, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarOverride.Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("imported day")
        verbose_name_plural = _("imported days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()
