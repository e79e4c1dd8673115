"""The card page, its follow-up form and the move/close endpoints. They are served in the
``opportunities`` URL namespace (names: card, followup_create, move, close): ``config/urls.py`` puts these
patterns after ``opportunities.urls`` so that fixed paths (``new/``, ``board/``) win over ``<number>/``."""

from django.urls import path

from . import views_card, views_move

urlpatterns = [
    path("<str:number>/", views_card.card_view, name="card"),
    path("<str:number>/followups/new/", views_card.followup_create_view, name="followup_create"),
    path("<str:number>/move/", views_move.move_view, name="move"),
    path("<str:number>/close/", views_move.close_view, name="close"),
]
