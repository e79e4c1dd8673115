"""Argument checks shared by the pure core."""

from __future__ import annotations

from datetime import datetime


def require_aware(name: str, value: datetime | None) -> None:
    """Refuse a naive datetime (``None`` passes): the core compares instants across time zones."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be an aware datetime (got {value!r})")
