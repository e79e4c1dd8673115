"""Opportunity numbers (spec S1): ``YEAR-REGION-SEQ``, e.g. ``2026-SH-001``.

Three digits at least; the sequence grows past 999 (``2026-SH-1000``). Pure formatting; the
gap-free allocation under concurrency lives in the service that owns the sequence row.
"""

from __future__ import annotations

import re

NUMBER_RE = re.compile(r"^(?P<year>\d{4})-(?P<region>[A-Z]{2,6})-(?P<seq>\d{3,})$")


def format_number(year: int, region: str, seq: int) -> str:
    if seq < 1:
        raise ValueError("sequence starts at 1")
    if not re.fullmatch(r"[A-Z]{2,6}", region):
        raise ValueError(f"region code must be 2-6 capital letters, got {region!r}")
    return f"{year:04d}-{region}-{seq:03d}"


def parse_number(number: str) -> tuple[int, str, int]:
    m = NUMBER_RE.match(number)
    if not m:
        raise ValueError(f"not an opportunity number: {number!r}")
    return int(m["year"]), m["region"], int(m["seq"])
