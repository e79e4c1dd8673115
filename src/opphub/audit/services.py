"""Write the audit trail. Services call these inside their transaction, so a change and its audit
rows commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from opphub.people.models import User

from .models import FieldChange


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return f"{value} [#{value.pk}]"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(_as_text(v) for v in value))
    return str(value)


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    """The audited fields of a record as text (foreign keys by label and id)."""
    return {f: _as_text(getattr(instance, f)) for f in fields}


def audit_record(*, actor: User | AnonymousUser | None, instance: models.Model, before: dict[str, str] | None,
                 after: dict[str, str], now: datetime) -> int:
    """One FieldChange per field that differs; ``before=None`` records a creation. Returns the count."""
    ct = ContentType.objects.get_for_model(type(instance))
    action = FieldChange.Action.CREATE if before is None else FieldChange.Action.UPDATE
    rows = []
    for field, new in after.items():
        old = "" if before is None else before.get(field, "")
        if before is not None and old == new:
            continue
        if before is None and new == "":
            continue
        rows.append(FieldChange(content_type=ct, object_id=str(instance.pk), object_repr=str(instance)[:200],
                                action=action, field=field, old_value=old, new_value=new,
                                actor=actor if isinstance(actor, User) and actor.pk else None, at=now))
    FieldChange.objects.bulk_create(rows)
    return len(rows)


def audit_history(instance: models.Model) -> models.QuerySet[FieldChange]:
    ct = ContentType.objects.get_for_model(type(instance))
    return FieldChange.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related("actor")
