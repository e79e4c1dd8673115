"""Write planned rows fast: ``bulk_create`` in batches, or PostgreSQL ``COPY`` for the benchmark.

Rows are dicts keyed by field attname with explicit primary keys (so follow-ups can point at their
opportunity without a round trip). PostgreSQL sequences are moved past the explicit keys at the end,
so rows created afterwards through the services get fresh ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.management.color import no_style
from django.db import connections
from django.db.models import Model


def _auto_time_fields(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]


class Writer:
    def __init__(self, *, using: str = "default", batch_size: int = 1000, copy: bool = False) -> None:
        self.using = using
        self.batch_size = batch_size
        self.connection = connections[using]
        self.copy = copy and self.connection.vendor == "postgresql"
        self.models: set[type[Model]] = set()
        self.counts: dict[str, int] = {}

    def write(self, model: type[Model], rows: Iterable[dict[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        self.models.add(model)
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        if self.copy:
            self._copy(model, rows)
        else:
            self._bulk_create(model, rows)

    def _bulk_create(self, model: type[Model], rows: list[dict[str, Any]]) -> None:
        objs = [model(**row) for row in rows]
        model._default_manager.using(self.using).bulk_create(objs, batch_size=self.batch_size)
        stamped = _auto_time_fields(model)
        if stamped:  # auto_now(_add) overwrote the planned times: put them back
            for obj, row in zip(objs, rows, strict=True):
                for name in stamped:
                    setattr(obj, name, row[name])
            model._default_manager.using(self.using).bulk_update(objs, stamped, batch_size=self.batch_size)

    def _copy(self, model: type[Model], rows: list[dict[str, Any]]) -> None:
        column_of = {f.attname: f.column for f in model._meta.concrete_fields if f.column}
        names = list(rows[0])
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(column_of[n]) for n in names)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        from psycopg.types.json import Jsonb

        with self.connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([Jsonb(row[n]) if isinstance(row[n], dict) else row[n] for n in names])

    def finish(self) -> None:
        """Move PostgreSQL id sequences past the explicit keys (no-op on SQLite)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(self.models))
        if statements:
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
