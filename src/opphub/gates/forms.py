"""Forms of the stage-work page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from opphub.common.forms import InputHygiene, form_field
from opphub.methodology.playbook import Playbook
from opphub.opportunities.messages import approval_name, document_name

from .models import StageRecord
from .services import document_types

GROUPS = (
    ("screening", _("Screening report (S1)"),
     ("screening_match", "budget_explicit_amount", "budget_approved", "budget_in_annual_plan")),
    ("interview", _("5W1H interview (S2)"),
     ("interview_why", "interview_what", "interview_when", "interview_who", "interview_where", "interview_how")),
    ("proposal", _("Proposal (S3)"), ("proposal_solution", "proposal_implementation_path", "proposal_roi")),
    ("closing", _("Closing (S4)"), ("priority_commitment", "service_contact")),
    ("archive", _("Archive (S5)"), ("success_points", "loss_reason", "loss_competitor_advantage", "loss_real_reason",
                                    "loss_our_weakness")),
)
GROUP_OF_STAGE = {"discovery": "screening", "confirmation": "interview", "solution": "proposal",
                  "closing": "closing", "archive": "archive"}


class StageRecordForm(InputHygiene, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = StageRecord
        fields = [f for _k, _l, fs in GROUPS for f in fs]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in (
            "interview_why", "interview_what", "interview_when", "interview_who", "interview_where",
            "interview_how", "proposal_solution", "proposal_implementation_path", "proposal_roi", "success_points",
            "loss_competitor_advantage", "loss_real_reason", "loss_our_weakness")}

    def __init__(self, *args: Any, playbook: Playbook, contacts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = get_language()
        self.fields["loss_reason"] = forms.ChoiceField(
            label=_("loss reason"), required=False,
            choices=[("", "—"), *[(r.key, r.name.get(lang)) for r in playbook.loss_reasons]])
        form_field(self, "service_contact", forms.ModelChoiceField).queryset = contacts
        if not self.is_bound:
            self.initial["version"] = 0 if self.instance._state.adding else self.instance.version

    def groups(self) -> list[tuple[str, str, list[Any]]]:
        return [(key, str(label), [self[f] for f in fields]) for key, label, fields in GROUPS]


class ScoresForm(forms.Form):
    def __init__(self, *args: Any, playbook: Playbook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = get_language()
        for item in playbook.health.requirement_items:
            self.fields[item.key] = forms.DecimalField(label=item.name.get(lang), required=False, min_value=0,
                                                       max_value=100, decimal_places=2, max_digits=5)


class UploadForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("document type"))
    file = forms.FileField(label=_("file"))
    confirmation = forms.FileField(label=_("customer's confirmation (signature scan or email)"), required=False)

    def __init__(self, *args: Any, playbook: Playbook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "doc_type", forms.ChoiceField).choices = [
            (k, document_name(playbook, k)) for k in document_types(playbook)]


class ConfirmForm(forms.Form):
    confirmation = forms.FileField(label=_("customer's confirmation (signature scan or email)"), required=False)


class ApprovalRequestForm(forms.Form):
    key = forms.ChoiceField(label=_("approval"))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, playbook: Playbook, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "key", forms.ChoiceField).choices = [(k, approval_name(playbook, k)) for k in keys]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(InputHygiene, forms.Form):
    text = forms.CharField(label=_("objection"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(InputHygiene, forms.Form):
    resolution = forms.CharField(label=_("how it was answered"), widget=forms.Textarea(attrs={"rows": 2}))
