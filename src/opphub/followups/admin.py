from django.contrib import admin

from .models import FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "opportunity", "kind", "direction", "author")
    list_filter = ("kind", "direction")
    search_fields = ("opportunity__number", "notes")
    raw_id_fields = ("opportunity", "author", "contacts")
    list_select_related = ("opportunity", "author")
