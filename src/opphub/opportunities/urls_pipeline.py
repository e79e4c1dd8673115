"""Board, list, and the move/close endpoints (names: list, board, move, close)."""

from django.urls import path

from . import views_board, views_list, views_move

urlpatterns = [
    path("", views_list.opportunity_list_view, name="list"),
    path("board/", views_board.board_view, name="board"),
    path("<str:number>/move/", views_move.move_view, name="move"),
    path("<str:number>/close/", views_move.close_view, name="close"),
]
