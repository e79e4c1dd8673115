from django.contrib import admin

from opphub.audit.admin import AuditedAdmin

from .models import Assignment, NumberSequence, Opportunity, Pipeline, PlaybookVersion, Product, StageHistory
from .services import AUDITED_FIELDS


class StageHistoryInline(admin.TabularInline):
    model = StageHistory
    extra = 0
    readonly_fields = ("stage", "entered_at", "left_at", "moved_by", "note")
    can_delete = False


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Opportunity)
class OpportunityAdmin(AuditedAdmin):
    audited_fields = tuple(f for f in AUDITED_FIELDS if f != "products")
    list_display = ("number", "name", "customer", "owner", "stage", "status", "amount", "expected_close_date")
    list_filter = ("status", "stage", "team", "industry")
    search_fields = ("number", "name", "customer__name")
    list_select_related = ("customer", "owner")
    raw_id_fields = ("customer", "owner")
    readonly_fields = ("number", "playbook_version", "stage", "status", "stage_entered_at", "closed_at",
                       "last_followup_at")
    inlines = [AssignmentInline, StageHistoryInline]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "price_band_min", "price_band_max", "active")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "playbook_key", "current_version", "is_default")


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(admin.ModelAdmin):
    list_display = ("key", "version", "loaded_at", "digest")
    readonly_fields = ("key", "version", "content", "digest", "loaded_at")


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    list_display = ("region_code", "year", "last")
    readonly_fields = ("region_code", "year", "last")
