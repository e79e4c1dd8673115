"""The quick follow-up form on the opportunity card (spec C1-C4, S3 weekly records, H2 contacts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from opphub.common.forms import InputHygiene, form_field
from opphub.customers.models import Contact

from .models import CustomerRequest, FollowUp, RequestKind
from .services import FOLLOWUP_FIELDS

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


# C1-C3 are recorded on a follow-up; an objection (C4) is recorded as one on the stage work page (S4)
FOLLOWUP_REQUEST_KINDS = [(k, label) for k, label in RequestKind.choices if k != RequestKind.OBJECTION]


class FollowUpForm(InputHygiene, forms.ModelForm):
    """Contacts are offered from a list the card already loaded (no extra query per render)."""

    contacts = forms.MultipleChoiceField(label=_("contacts"), required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text=_("who took part on the customer's side"))
    # C1-C4: what the customer now waits for (due at the stage's response time), and what this touch answers
    waiting_kind = forms.ChoiceField(label=_("the customer now waits for"), required=False,
                                     choices=[("", "—"), *FOLLOWUP_REQUEST_KINDS])
    waiting_text = forms.CharField(label=_("what exactly"), required=False, max_length=300)
    answers = forms.MultipleChoiceField(label=_("this follow-up answers"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

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

    def __init__(self, *args: Any, contacts: Sequence[Contact], now: Any,
                 waiting: Sequence[CustomerRequest] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting = {str(r.pk): r for r in waiting}
        kinds = dict(RequestKind.choices)
        form_field(self, "answers", forms.MultipleChoiceField).choices = [
            (str(r.pk), f"{kinds.get(r.kind, r.kind)}: {r.text}") for r in waiting]
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("waiting_kind") and not (data.get("waiting_text") or "").strip():
            self.add_error("waiting_text", _("Say what the customer is waiting for."))
        return data

    def requests(self) -> list[tuple[str, str]]:
        kind = self.cleaned_data.get("waiting_kind")
        return [(kind, self.cleaned_data.get("waiting_text", ""))] if kind else []

    def answered(self) -> list[CustomerRequest]:
        return [self._waiting[pk] for pk in self.cleaned_data.get("answers", []) if pk in self._waiting]

    def chosen_contacts(self) -> list[Contact]:
        return [self._contacts[pk] for pk in self.cleaned_data.get("contacts", []) if pk in self._contacts]


def _contact_label(contact: Contact) -> str:
    role = contact.get_decision_role_display()
    return f"{contact.name} · {role}" if contact.decision_role != "other" else contact.name
