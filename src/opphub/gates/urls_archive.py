"""Lifecycle report and archive ZIP routes; included under ``opportunities/<number>/archive/`` in the
``gates`` namespace (see gates/urls.py)."""

from django.urls import path

from . import views_archive

urlpatterns = [
    path("report/", views_archive.report_view, name="report"),
    path("report.pdf", views_archive.report_pdf_view, name="report_pdf"),
    path("archive.zip", views_archive.archive_zip_view, name="archive_zip"),
]
