"""The quick follow-up form on the opportunity card (spec C1-C4, S3 weekly records, H2 contacts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opphub.common.forms import form_field
from opphub.customers.models import Contact

from .models import FollowUp
from .services import FOLLOWUP_FIELDS

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


class FollowUpForm(forms.ModelForm):
    """Contacts are offered from a list the card already loaded (no extra query per render)."""

    contacts = forms.MultipleChoiceField(label=_("contacts"), required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text=_("who took part on the customer's side"))

    class Meta:
        model = FollowUp
        fields = ["kind", "direction", "occurred_at", "notes", "customer_feedback", "objections",
                  "competitor_moves", "next_step", "next_step_at"]
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
            "next_step_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "customer_feedback": forms.Textarea(attrs={"rows": 2}),
            "objections": forms.Textarea(attrs={"rows": 2}),
            "competitor_moves": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, contacts: Sequence[Contact], now: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._contacts = {str(c.pk): c for c in contacts}
        form_field(self, "contacts", forms.MultipleChoiceField).choices = [
            (str(c.pk), _contact_label(c)) for c in contacts]
        self.fields["occurred_at"].initial = timezone.localtime(now).replace(second=0, microsecond=0)
        self.fields["occurred_at"].help_text = _("your local time")
        self.fields["kind"].initial = "phone"
        self.fields["next_step_at"].help_text = _("optional: when the next step is planned (your local time); "
                                                  "it goes into your calendar feed")

    def _post_clean(self) -> None:
        """Validation is the service's job (followup_log); nothing model-level here."""

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in FOLLOWUP_FIELDS}

    def chosen_contacts(self) -> list[Contact]:
        return [self._contacts[pk] for pk in self.cleaned_data.get("contacts", []) if pk in self._contacts]


def _contact_label(contact: Contact) -> str:
    role = contact.get_decision_role_display()
    return f"{contact.name} · {role}" if contact.decision_role != "other" else contact.name
