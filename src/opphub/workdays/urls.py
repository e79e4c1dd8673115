"""Routes: /working-days/import/ (the official holiday schedule, administrators only)."""

from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("import/", views.holiday_import_view, name="import"),
]
