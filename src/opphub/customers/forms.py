"""Customer and contact forms. They parse input; the services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from opphub.common.forms import InputHygiene
from opphub.people.models import Region

from .models import Contact, Customer, Industry
from .services import CONTACT_FIELDS, CUSTOMER_FIELDS


class _ServiceValidated(InputHygiene, forms.ModelForm):
    """A ModelForm whose model validation is left to the service (no double checks, one message)."""

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.service_fields}

    service_fields: tuple[str, ...] = ()


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class CustomerForm(_ServiceValidated):
    service_fields = CUSTOMER_FIELDS
    region = RegionChoiceField(queryset=Region.objects.order_by("code"), label=_("region"),
                               empty_label=_("Choose a region"))

    class Meta:
        model = Customer
        fields = ["name", "credit_code", "industry", "size", "region", "address", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}),
                   "credit_code": forms.TextInput(attrs={"maxlength": 18, "autocapitalize": "characters",
                                                         "spellcheck": "false"})}
        help_texts = {"credit_code": _("18 characters with a check character; leave empty if not known yet")}


class CustomerEditForm(CustomerForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ContactForm(_ServiceValidated):
    service_fields = CONTACT_FIELDS

    class Meta:
        model = Contact
        fields = ["name", "title", "decision_role", "is_director_or_above", "mobile", "email", "wecom", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}),
                   "mobile": forms.TextInput(attrs={"type": "tel", "inputmode": "tel"})}


class ContactEditForm(ContactForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("name or credit code")}))
    industry = forms.ChoiceField(label=_("industry"), required=False,
                                 choices=[("", _("All industries")), *Industry.choices])
