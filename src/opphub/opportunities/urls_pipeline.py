"""Board and list (names: list, board)."""

from django.urls import path

from . import views_board, views_list

urlpatterns = [
    path("", views_list.opportunity_list_view, name="list"),
    path("board/", views_board.board_view, name="board"),
]
