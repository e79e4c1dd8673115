"""Card, forms and follow-up routes (names: create, card, edit, followup_create)."""

from django.urls import path

from . import views_card, views_forms

urlpatterns = [
    path("new/", views_forms.create_view, name="create"),
    path("<str:number>/", views_card.card_view, name="card"),
    path("<str:number>/edit/", views_forms.edit_view, name="edit"),
    path("<str:number>/followups/new/", views_card.followup_create_view, name="followup_create"),
]
