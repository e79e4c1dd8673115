"""Outbox tunables (settings ``OPPHUB_NOTIFY_*``, or the same names in the environment)."""

from __future__ import annotations

import os
from datetime import timedelta

from django.conf import settings


def _number(name: str, default: int) -> int:
    value: str | int | None = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value is None else int(value)


def max_attempts() -> int:
    """Attempts before a delivery is given up (dead)."""
    return _number("OPPHUB_NOTIFY_MAX_ATTEMPTS", 8)


def backoff(attempts: int) -> timedelta:
    """Wait after the n-th failed attempt: base · 2^(n-1), capped (1, 2, 4, 8, 16, 32, 60, 60 minutes)."""
    base = _number("OPPHUB_NOTIFY_BACKOFF_SECONDS", 60)
    cap = _number("OPPHUB_NOTIFY_BACKOFF_CAP_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def lease() -> timedelta:
    """How long a claimed ('sending') row belongs to its worker; after that a re-drive may take it over
    (the worker died). Longer than the slowest send (HTTP timeout 10 s, SMTP timeout)."""
    return timedelta(seconds=_number("OPPHUB_NOTIFY_LEASE_SECONDS", 300))


def batch_size() -> int:
    return _number("OPPHUB_NOTIFY_BATCH", 200)
