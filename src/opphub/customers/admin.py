from django.contrib import admin

from opphub.audit.admin import AuditedAdmin

from .models import Contact, Customer
from .services import CONTACT_FIELDS, CUSTOMER_FIELDS


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "title", "decision_role", "is_director_or_above", "mobile", "email")


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    audited_fields = (*CUSTOMER_FIELDS, "owner")
    list_display = ("name", "industry", "size", "region", "owner")
    list_filter = ("industry", "size", "region")
    search_fields = ("name", "credit_code")
    list_select_related = ("region", "owner")
    raw_id_fields = ("owner",)
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    audited_fields = CONTACT_FIELDS
    list_display = ("name", "title", "customer", "decision_role", "is_director_or_above")
    list_filter = ("decision_role", "is_director_or_above")
    search_fields = ("name", "customer__name")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
