"""Shared model pieces."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F

from .errors import StaleEdit


class Versioned(models.Model):
    """Optimistic locking: a save names the version it was read at; a newer version refuses it."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


def save_versioned(instance: Versioned, *, expected_version: int | None, fields: list[str]) -> None:
    """UPDATE ... WHERE version = expected; raise StaleEdit when someone else saved in between."""
    model = type(instance)
    values: dict[str, Any] = {f: getattr(instance, f) for f in fields}
    qs = model._default_manager.filter(pk=instance.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if qs.update(**values, version=F("version") + 1) == 0:
        raise StaleEdit()
    instance.version = (expected_version if expected_version is not None else instance.version) + 1
