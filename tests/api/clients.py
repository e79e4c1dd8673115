"""Clients for the API tests: a logged-in browser session, or an integration with an API token."""

from __future__ import annotations

from django.test import Client

from opphub.api.models import ApiToken


def session_client(user, lang="en", **kwargs):  # type: ignore[no-untyped-def]
    """A browser that logged in as ``user`` (CSRF checks off unless ``enforce_csrf_checks=True``)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=lang, **kwargs)
    client.force_login(user)
    return client


def token_client(user, lang="en", **kwargs):  # type: ignore[no-untyped-def]
    """An integration calling with a fresh API token of ``user`` (CSRF is enforced, and not needed)."""
    _token, raw = ApiToken.issue(user=user, name="test")
    return Client(HTTP_ACCEPT_LANGUAGE=lang, HTTP_AUTHORIZATION=f"Bearer {raw}", enforce_csrf_checks=True,
                  **kwargs)
