"""How amounts in CNY are shown on pages (the API sends exact decimal strings instead)."""

from __future__ import annotations

from decimal import Decimal


def yuan(amount: Decimal | int | None) -> str:
    """Whole yuan with thousands separators, for overviews (board, list, totals): ``¥1,250,000``."""
    return f"¥{(amount or Decimal(0)):,.0f}"


def money(amount: Decimal | None) -> str:
    """An exact amount for detail pages: cents only when there are any; empty for no amount."""
    if amount is None:
        return ""
    if amount == amount.to_integral_value():
        return f"¥{amount:,.0f}"
    return f"¥{amount:,.2f}"
