"""Board and list routes (names: board, board_move, list)."""

urlpatterns: list = []
