"""Shared model pieces."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import models
from django.db.models import F

from .errors import StaleEdit


class StrippedText(models.Model):
    """Text is stored without surrounding whitespace: ``clean_fields`` strips every char/text field first, so
    a required field that holds only spaces (or a full-width space) is refused as blank on every path
    (forms, API, imports) that validates through ``full_clean``."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str):
                    setattr(self, field.attname, value.strip())
        super().clean_fields(exclude=exclude)


class Versioned(models.Model):
    """Optimistic locking: a save names the version it was read at; a newer version refuses it."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


def save_versioned(instance: Versioned, *, expected_version: int | None, fields: list[str]) -> None:
    """UPDATE ... WHERE version = expected; raise StaleEdit when someone else saved in between.

    ``expected_version`` is the version the editor saw (a form's hidden field, the API's ``version``).
    Without one, the version this process read the record at is used: a decision taken on a stale
    copy (e.g. moving an opportunity someone has just closed) is refused, never written over."""
    model = type(instance)
    values: dict[str, Any] = {f: getattr(instance, f) for f in fields}
    expected = instance.version if expected_version is None else expected_version
    qs = model._default_manager.filter(pk=instance.pk, version=expected)
    if qs.update(**values, version=F("version") + 1) == 0:
        raise StaleEdit()
    instance.version = expected + 1
