from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from opphub.audit.admin import AuditedAdmin
from opphub.methodology.business_days import is_working_day

from .calendar import calendar_warnings, forget_imported_years, official_calendar
from .models import CalendarOverride, HolidayImport


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    """Holiday/workday overrides; the changelist warns when this or next year has no official data."""

    audited_fields = ("date", "kind", "note")
    list_display = ("date", "weekday", "kind", "official", "note", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("note",)
    date_hierarchy = "date"
    readonly_fields = ("created_by", "created_at")
    fields = ("date", "kind", "note", "created_by", "created_at")

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, obj: CalendarOverride) -> str:
        return date_format(obj.date, "D")

    @admin.display(description=gettext_lazy("official calendar"))
    def official(self, obj: CalendarOverride) -> str:
        cal = official_calendar()
        if obj.date.year not in cal.official_years:
            return gettext("no official data")
        return gettext("working day") if is_working_day(cal, obj.date) else gettext("holiday")

    def save_model(self, request: Any, obj: CalendarOverride, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        today = timezone.localdate()
        context = {**(extra_context or {}), "calendar_warnings": calendar_warnings(today)}
        return super().changelist_view(request, extra_context=context)


@admin.register(HolidayImport)
class HolidayImportAdmin(admin.ModelAdmin):
    """The imported years, read-only (import on /working-days/import/); deleting one returns its year to
    the package's data, or to the Monday-Friday estimate."""

    list_display = ("year", "holiday_count", "workday_count", "imported_by", "imported_at")
    readonly_fields = ("year", "holiday_count", "workday_count", "imported_by", "imported_at", "source")
    fields = readonly_fields

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: Any, obj: HolidayImport) -> None:
        super().delete_model(request, obj)
        forget_imported_years()

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        forget_imported_years()
