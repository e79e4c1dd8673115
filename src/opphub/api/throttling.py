"""API abuse limits on Django Ninja's throttling hook and the shared cache (docs/operations.md).

- ``ApiCallThrottle`` (every endpoint, after authentication): at most ``OPPHUB_API_RATE`` calls per API
  token (a browser session counts per user). Over it: 429 with ``Retry-After``.
- ``AUTH_FAILURES`` (in ``TokenAuth``, before the token is looked up): a client (IP address, see
  ``NINJA_NUM_PROXIES``) that sent ``OPPHUB_API_AUTH_FAIL_RATE`` wrong Bearer tokens is answered 429 with
  ``Retry-After`` for the rest of the window, whatever token it sends, so tokens cannot be guessed.

Counting is a window per key in the cache that opens with the first event and lasts the rate's period
(``cache.add`` then ``cache.incr``: atomic on Redis, ``REDIS_URL``; good enough on the file cache of a
single host, where two processes may race on one counter). The rates are read from the
settings at each request (``"<count>/<period>"``, period ``s``/``m``/``h``/``d``, as Ninja's throttles).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle


class _RateParser(SimpleRateThrottle):
    def __init__(self) -> None:  # only Ninja's rate syntax is used, not its (per-instance) state
        pass


_RATES = _RateParser()


def _window(rate: str) -> tuple[int, int]:
    count, seconds = _RATES.parse_rate(rate)
    if not count or not seconds:
        raise ValueError(f"Invalid rate format: {rate}")
    return count, seconds


class Counter:
    """Counts per ``ident`` under one ``scope`` in windows that start at the first event (no boundary
    where a burst of twice the rate passes); the rate is the setting named ``setting``."""

    def __init__(self, scope: str, setting: str) -> None:
        self.scope, self.setting = scope, setting

    def _keys(self, ident: str) -> tuple[str, str, int, int]:
        count, seconds = _window(getattr(settings, self.setting))
        base = f"throttle:{self.scope}:{ident}"
        return f"{base}:n", f"{base}:since", count, seconds

    @staticmethod
    def _left(since_key: str, seconds: int, now: float) -> float:
        since = cache.get(since_key)
        return seconds if since is None else max(float(since) + seconds - now, 0.0)

    def hit(self, ident: str) -> float | None:
        """Count one event; None when within the rate, else the seconds until the window ends."""
        n_key, since_key, limit, seconds = self._keys(ident)
        now = time.time()
        if cache.add(since_key, now, timeout=seconds):  # a new window
            cache.set(n_key, 0, timeout=seconds)
        else:
            cache.add(n_key, 0, timeout=seconds)
        try:
            used = cache.incr(n_key)
        except ValueError:  # the window ran out between the two calls
            cache.set(n_key, 1, timeout=seconds)
            used = 1
        return None if used <= limit else self._left(since_key, seconds, now)

    def blocked(self, ident: str) -> float | None:
        """Without counting: the seconds until the window ends when the rate is used up, else None."""
        n_key, since_key, limit, seconds = self._keys(ident)
        return self._left(since_key, seconds, time.time()) if (cache.get(n_key) or 0) >= limit else None


class ApiCallThrottle(BaseThrottle):
    """Ninja throttle: calls per API token (``request.api_token``), else per logged-in user."""

    counter = Counter("api", "OPPHUB_API_RATE")

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "api_token", None)
        user = getattr(request, "auth", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif user is not None and getattr(user, "pk", None) is not None:
            ident = f"user:{user.pk}"
        else:
            return True
        wait = self.counter.hit(ident)
        request._throttle_wait = wait  # type: ignore[attr-defined]  # per request: the instance is shared
        return wait is None

    def wait(self) -> float | None:
        """Ninja asks the shared instance (no request): the wait is kept on the request instead and the
        429 handler (``api/errors.py``) writes it to ``Retry-After``."""
        return None


AUTH_FAILURES = Counter("authfail", "OPPHUB_API_AUTH_FAIL_RATE")


def client_of(request: HttpRequest) -> str:
    """The client's address as Ninja's throttles see it (``X-Forwarded-For`` per ``NINJA_NUM_PROXIES``)."""
    return f"ip:{BaseThrottle().get_ident(request) or 'unknown'}"


def retry_after(request: Any) -> float | None:
    return getattr(request, "_throttle_wait", None)
