"""Opportunity create/edit forms (spec S1 screening form 需求初篩表).

The forms only parse input; the rules (ranges, permissions, numbering, locking) live in the services.

"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from opphub.common.forms import InputHygiene
from opphub.people.models import User

from .models import Opportunity, Product
from .services import EDITABLE_FIELDS

BASIC_FIELDS = ("name", "amount", "expected_close_date", "source")
SCREENING_FIELDS = ("industry", "company_size", "pain_points", "decision_roles", "budget_min", "budget_max",
                    "timeline", "requirement_1", "requirement_2", "requirement_3")
TEXTAREA_ROWS = {"pain_points": 3, "decision_roles": 2, "requirement_1": 2, "requirement_2": 2, "requirement_3": 2}



class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def _model_fields() -> dict[str, forms.Field]:
    widgets: dict[str, Any] = {
        "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        "budget_min": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
        "budget_max": forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    }
    for name, rows in TEXTAREA_ROWS.items():
        widgets[name] = forms.Textarea(attrs={"rows": rows})
    return forms.fields_for_model(Opportunity, fields=[*BASIC_FIELDS, *SCREENING_FIELDS], widgets=widgets)


class OpportunityForm(InputHygiene, forms.Form):
    """Fields shared by create and edit. ``owner`` appears only when the user may pick someone else."""

    def __init__(self, *args: Any, user: User, owners: QuerySet[User], current_owner_id: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = _model_fields()
        extra = dict(self.fields)
        self.fields = {}
        for name in BASIC_FIELDS:
            self.fields[name] = model_fields[name]
        self.fields["products"] = ProductChoiceField(
            queryset=Product.objects.filter(active=True).order_by("name"), required=False,
            widget=forms.CheckboxSelectMultiple, label=_("products"))
        owner_ids = {o.pk for o in owners}
        # an owner the user may not assign (edit) stays as it is: the field is left out
        if len(owner_ids) > 1 and (current_owner_id is None or current_owner_id in owner_ids):
            self.fields["owner"] = PersonChoiceField(queryset=owners, label=_("owner"), empty_label=None)
            self.fields["owner"].initial = current_owner_id or user.pk
        for name in SCREENING_FIELDS:
            self.fields[name] = model_fields[name]
        self.fields.update(extra)
        self.harden_fields()

    @property
    def basic_fields(self) -> list[forms.BoundField]:
        names = ["customer", *BASIC_FIELDS, "products", "owner"]
        return [self[n] for n in names if n in self.fields]

    @property
    def screening_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in SCREENING_FIELDS]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in EDITABLE_FIELDS}


class CustomerSelect(forms.Select):
    """Each option carries the customer's industry and size, so the page can default the screening
    fields when the customer changes (S1: company size comes from the customer)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-industry"] = instance.industry
            option["attrs"]["data-size"] = instance.size
        return option


class CustomerChoiceField(forms.ModelChoiceField):
    widget = CustomerSelect

    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class OpportunityCreateForm(OpportunityForm):
    def __init__(self, *args: Any, user: User, owners: QuerySet[User], customers: QuerySet[Any],
                 **kwargs: Any) -> None:
        super().__init__(*args, user=user, owners=owners, **kwargs)
        field = CustomerChoiceField(queryset=customers.order_by("name"), label=_("customer"),
                                    empty_label=_("Choose a customer"))
        self.fields = {"customer": field, **self.fields}


class OpportunityEditForm(OpportunityForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
