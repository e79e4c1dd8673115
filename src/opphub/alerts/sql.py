"""One SQL statement the scan needs that the ORM does not write: ``INSERT … SELECT … ON CONFLICT DO NOTHING``
(an alert episode raised once, whatever the reruns), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet


def insert_select(table: str, columns: list[str], qs: QuerySet[Any], conflict: list[str]) -> int:
    """Insert the rows ``qs`` selects into ``table`` (``columns`` in the order of its values); rows that hit the
    unique ``conflict`` columns are skipped. Returns how many were inserted."""
    select_sql, params = qs.query.get_compiler(qs.db).as_sql()
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    keys = ", ".join(connection.ops.quote_name(c) for c in conflict)
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({cols}) {select_sql} ON CONFLICT ({keys}) DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
