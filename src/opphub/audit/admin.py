from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone

from .models import FieldChange
from .services import audit_record, audit_snapshot


class AuditedAdmin(admin.ModelAdmin):
    """Back-office edits are audited like every other change."""

    audited_fields: tuple[str, ...] = ()

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk:
            before = audit_snapshot(type(obj)._default_manager.get(pk=obj.pk), self.audited_fields)
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, instance=obj, before=before,
                     after=audit_snapshot(obj, self.audited_fields), now=timezone.now())


@admin.register(FieldChange)
class FieldChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "object_repr", "action", "field", "old_value", "new_value")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "field", "old_value", "new_value")
    date_hierarchy = "at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
