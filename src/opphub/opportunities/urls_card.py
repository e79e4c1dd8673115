"""Create and edit routes (names: create, edit). The card itself, its follow-up form and the move/close
endpoints are in ``opphub.workflow.urls`` (same namespace, see ``config/urls.py``)."""

from django.urls import path

from . import views_forms

urlpatterns = [
    path("new/", views_forms.create_view, name="create"),
    path("<str:number>/edit/", views_forms.edit_view, name="edit"),
]
