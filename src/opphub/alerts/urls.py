"""Routes: /team/health/, /team/review/ (+ .xlsx, .csv), /calendar/ (settings) and /calendar/<token>.ics."""

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("team/health/", views.team_health_view, name="team_health"),
    path("team/penalties/<int:pk>/reverse/", views.penalty_reverse_view, name="penalty_reverse"),
    path("team/review/", views.review_view, name="review"),
    path("team/review/export.xlsx", views.review_export_view, name="review_export"),
    path("team/review/export.csv", views.review_export_csv_view, name="review_export_csv"),
    path("calendar/", views.calendar_settings_view, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed_view, name="calendar_feed"),
]
