"""Routes of the notifications area (mounted at /notifications/)."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list_view, name="list"),
    path("bell/", views.bell_view, name="bell"),
    path("read/", views.mark_read_view, name="read_all"),
    path("read/delivery-failures/", views.mark_failures_read_view, name="read_failures"),
    path("<int:pk>/read/", views.mark_read_view, name="read"),
    path("settings/", views.preferences_view, name="preferences"),
]
