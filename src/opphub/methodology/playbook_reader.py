"""Typed, path-reporting access to a parsed TOML table, for the playbook validator."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .playbook_types import LANGS, PlaybookError, Text


class _Reader:
    """Typed access to a nested TOML table that reports the dotted key of every problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> PlaybookError:
        return PlaybookError(self.source, key, problem)

    def table(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            raise self.fail(_join(path, key), "is missing")
        if not isinstance(value, dict):
            raise self.fail(_join(path, key), "must be a table")
        return value

    def opt_table(self, data: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        if key not in data:
            return {}
        return self.table(data, key, path)

    def string(self, data: Mapping[str, Any], key: str, path: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(path, key), "must be a non-empty text" if key in data else "is missing")
        return value

    def integer(self, data: Mapping[str, Any], key: str, path: str, *, minimum: int = 0,
                maximum: int | None = None, default: int | None = None) -> int:
        if key not in data and default is not None:
            return default
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(_join(path, key), "must be a whole number" if key in data else "is missing")
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise self.fail(_join(path, key), f"must be at least {minimum}{upper} (got {value})")
        return value

    def decimal(self, data: Mapping[str, Any], key: str, path: str, *, minimum: Decimal = Decimal(0),
                maximum: Decimal | None = None) -> Decimal:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(_join(path, key), "must be a number" if key in data else "is missing")
        number = Decimal(str(value))
        if number < minimum or (maximum is not None and number > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            raise self.fail(_join(path, key), f"must be at least {minimum}{upper} (got {value})")
        return number

    def boolean(self, data: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, bool):
            raise self.fail(_join(path, key), "must be true or false")
        return value

    def strings(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = False,
                allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if key not in data:
            if required:
                raise self.fail(_join(path, key), "is missing")
            return ()
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(_join(path, key), "must be a list of texts")
        if allowed is not None:
            for v in value:
                if v not in allowed:
                    raise self.fail(_join(path, key), f"unknown value {v!r} (allowed: {', '.join(allowed)})")
        return tuple(value)

    def text(self, data: Mapping[str, Any], key: str, path: str) -> Text:
        table = self.table(data, key, path)
        here = _join(path, key)
        values = [self.string(table, lang, here) for lang in LANGS]
        return Text(*values)

    def tables(self, data: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if value is None:
            raise self.fail(_join(path, key), "is missing")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(_join(path, key), "must be a list of tables ([[...]])")
        if not value:
            raise self.fail(_join(path, key), "must not be empty")
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
