"""Routes of the follow-ups area: the rep's "my day" (name: my_day)."""

from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.my_day_view, name="my_day"),
]
