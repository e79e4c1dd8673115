"""Back office: team robots, preferences, the outbox and the failed deliveries with a retry action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Delivery, FailedDelivery, Preference, Robot
from .services import delivery_retry


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    list_display = ("team", "vendor", "url", "is_active")
    list_filter = ("vendor", "is_active")
    list_select_related = ("team",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "wecom", "dingtalk", "feishu")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.action(description=_("Send again"))
def retry_deliveries(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
    count = delivery_retry(deliveries=queryset.values_list("pk", flat=True), now=timezone.now())
    modeladmin.message_user(request, ngettext("%(count)d delivery queued again.",
                                              "%(count)d deliveries queued again.", count) % {"count": count},
                            messages.SUCCESS)


class _ReadOnly(admin.ModelAdmin):
    list_display = ("created_at", "channel", "recipient", "subject", "state", "attempts", "next_attempt_at",
                    "last_error")
    list_filter = ("state", "channel", "kind")
    search_fields = ("key", "subject", "recipient__username", "last_error")
    list_select_related = ("recipient",)
    actions = [retry_deliveries]
    readonly_fields = [f.name for f in Delivery._meta.fields if f.editable]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    pass


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(_ReadOnly):
    """Failed (will retry) and given-up deliveries, with the reason and a "Send again" action."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(state__in=[Delivery.State.FAILED, Delivery.State.DEAD])
