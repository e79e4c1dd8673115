"""The request type of views behind ``login_required``."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class SignedInRequest(HttpRequest):
    """A request whose user is signed in (the view is behind ``login_required``). Only for the type
    checker: views annotate ``request`` with it, so ``request.user`` is a ``User`` for the services."""

    user: User
