"""The lifecycle report (HTML and PDF) and the archive ZIP of an opportunity (S5). Anyone who may see the
opportunity may read and download them; anyone else gets 404 (``access.get_opportunity``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from opphub import access

from .archive_zip import archive_zip_file, archive_zip_name
from .report import lifecycle_report, report_filename, report_html, report_pdf


@login_required
@require_GET
def report_view(request: HttpRequest, number: str) -> HttpResponse:
    opportunity = access.get_opportunity(request.user, number=number)
    return HttpResponse(report_html(lifecycle_report(opportunity, now=timezone.now())))


@login_required
@require_GET
def report_pdf_view(request: HttpRequest, number: str) -> HttpResponse:
    opportunity = access.get_opportunity(request.user, number=number)
    pdf = report_pdf(lifecycle_report(opportunity, now=timezone.now()))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(opportunity)}"'
    return response


@login_required
@require_GET
def archive_zip_view(request: HttpRequest, number: str) -> FileResponse:
    opportunity = access.get_opportunity(request.user, number=number)
    now = timezone.now()
    pdf = report_pdf(lifecycle_report(opportunity, now=now))
    handle = archive_zip_file(opportunity, report_pdf=pdf, report_name=report_filename(opportunity), now=now)
    return FileResponse(handle, as_attachment=True, filename=archive_zip_name(opportunity),
                        content_type="application/zip")
