from django.contrib import admin

from .models import Alert, PenaltyEntry


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("kind", "opportunity", "owner", "due_at", "raised_at", "escalated_at", "resolved_at")
    list_filter = ("kind",)
    raw_id_fields = ("opportunity", "owner", "escalated_to")


@admin.register(PenaltyEntry)
class PenaltyEntryAdmin(admin.ModelAdmin):
    list_display = ("user", "month", "points", "reason", "opportunity", "created_at", "reversed_at")
    list_filter = ("month",)
    raw_id_fields = ("user", "opportunity", "reversed_by")
