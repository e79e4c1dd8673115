"""Who is calling: an API token (integrations) or the browser session (with CSRF on unsafe methods).

Both are accepted on every endpoint. The token is tried first: a request that sends
``Authorization: Bearer oh_...`` is decided by the token alone (a wrong or revoked token is 401, it
does not fall back to a session). Without the header the session decides; a logged-in session must
send the CSRF token for POST/PATCH, exactly as the HTML forms do.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from .models import ApiToken, hash_token
from .throttling import AUTH_FAILURES, client_of

TOKEN_PREFIX = "oh_"  # noqa: S105 - the public prefix of every token, not a secret
LAST_USED_EVERY = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer oh_...``: a token that is not revoked, of an active user. A client that
    sent too many wrong tokens (``OPPHUB_API_AUTH_FAIL_RATE``) is answered 429 until its window ends."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        scheme, _sep, raw = header.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        client = client_of(request)
        wait = AUTH_FAILURES.blocked(client)
        if wait is not None:
            raise Throttled(wait=wait)  # type: ignore[arg-type]
        user = self.authenticate(request, raw.strip())
        if user is None:
            AUTH_FAILURES.hit(client)
            raise AuthenticationError(message=_("The API token is not valid: it is unknown, revoked, or its "
                                                "user is inactive."))
        return user

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(TOKEN_PREFIX):
            return None
        found = (ApiToken.objects.select_related("user").filter(token_hash=hash_token(token), revoked=False,
                                                                   user__is_active=True).first())
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or found.last_used_at <= now - LAST_USED_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]  # the API rate counts per token
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser's login session; unsafe methods need Django's CSRF token (``X-CSRFToken``)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: nothing for CSRF to protect; the caller gets 401
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the CSRF token in the X-CSRFToken header."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - see __call__
        return request.user if request.user.is_authenticated else None


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]
