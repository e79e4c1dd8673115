"""Card, forms and follow-up routes (names: create, card, edit, move, close, followup_create)."""

urlpatterns: list = []
