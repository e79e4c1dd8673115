from django.contrib import admin

from .models import CustomerRequest, FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "opportunity", "kind", "direction", "author")
    list_filter = ("kind", "direction")
    search_fields = ("opportunity__number", "notes")
    raw_id_fields = ("opportunity", "author", "contacts")
    list_select_related = ("opportunity", "author")


@admin.register(CustomerRequest)
class CustomerRequestAdmin(admin.ModelAdmin):
    """C1-C4: what customers wait for (recorded on follow-ups and objections; answered by follow-ups)."""

    list_display = ("received_at", "opportunity", "kind", "owed_by", "answered_at")
    list_filter = ("kind",)
    search_fields = ("opportunity__number", "text")
    raw_id_fields = ("opportunity", "owed_by", "followup", "objection", "answered_by")
    list_select_related = ("opportunity", "owed_by")
