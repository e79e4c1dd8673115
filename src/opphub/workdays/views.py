"""The holiday import page (spec S2, S4, S5, R3): an administrator previews and imports a year's
official holidays and make-up working days. Other users get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opphub import access

from .calendar import missing_schedule_years
from .forms import HolidayImportForm
from .selectors import HolidayPreview, holiday_imports, holiday_preview, package_years
from .services import HolidayListInvalid, holiday_import_year


@login_required
@require_http_methods(["GET", "POST"])
def holiday_import_view(request: HttpRequest) -> HttpResponse:
    if not access.can_manage_calendar(request.user):
        raise Http404
    today = timezone.localdate()
    missing = missing_schedule_years(today)
    preview: HolidayPreview | None = None
    if request.method == "POST":
        form = HolidayImportForm(request.POST, request.FILES)
        if form.is_valid():
            year, text = form.cleaned_data["year"], form.cleaned_data["text"]
            if request.POST.get("action") == "import":
                try:
                    record = holiday_import_year(actor=request.user, year=year, text=text, now=timezone.now())
                except HolidayListInvalid:
                    pass  # the preview below shows every bad line; nothing was written
                else:
                    messages.success(request, _("Imported %(year)s: %(holidays)s holidays and %(workdays)s make-up "
                                                "working days. Working days in %(year)s now follow this list.")
                                     % {"year": record.year, "holidays": record.holiday_count,
                                        "workdays": record.workday_count})
                    return redirect("workdays:import")
            preview = holiday_preview(text, year)
            # the preview's text goes back into the text box, so "Import" sends exactly what was previewed
            form = HolidayImportForm(initial={"year": year, "lines": text})
    else:
        form = HolidayImportForm(initial={"year": missing[0] if missing else today.year + 1})
    return render(request, "workdays/import.html", {
        "form": form, "preview": preview, "missing": missing, "imports": holiday_imports(),
        "package_years": package_years(),
    })
