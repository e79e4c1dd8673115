"""The holiday import form: the year, and the lines pasted or uploaded (CSV or text)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 256 * 1024  # a year's schedule is a few dozen lines
ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves CSV as GBK/GB18030


class HolidayImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1, max_value=9999)
    lines = forms.CharField(
        label=_("Holidays and make-up working days"), required=False,
        widget=forms.Textarea(attrs={
            "rows": 12, "spellcheck": "false",
            "placeholder": "2027-10-01,2027-10-07,holiday,国庆节\n2027-09-26,workday,国庆节调休"}),
        help_text=_("One per line: start,end,holiday,name or date,workday,name; Chinese dates such as "
                    "10月1日至7日 and the notice's own sentences (…放假调休，共7天。…上班。) work too."))
    file = forms.FileField(label=_("or a CSV or text file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = data.get("lines") or ""
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("The file is too large for a holiday list."))
            raw = upload.read()
            for encoding in ENCODINGS:
                try:
                    text = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
            else:
                raise forms.ValidationError(_("The file is not text in UTF-8 or GB18030."))
        if not text.strip():
            raise forms.ValidationError(_("Paste the lines or choose a file."))
        data["text"] = text
        return data
