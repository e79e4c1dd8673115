"""Input hygiene shared by every way in (pages, API, later imports): required text is stripped and refused
when empty, dates stay within sane bounds. The model layer (``StrippedText`` in ``common/models.py`` and
the date validators on the fields) is where the rule lives; forms and API schemas call the same
functions so a bad value is refused before it reaches a service, with the same message.

The bounds are not methodology numbers (not in the playbook): they only keep typing mistakes such as
0001-01-01 or 9999-12-31 out of the data (see docs/decisions.md, "Input hygiene").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)


def date_bounds_message() -> str:
    return _("Choose a date from %(first)s to %(last)s.") % {
        "first": DATE_MIN.isoformat(), "last": DATE_MAX.isoformat()}


def in_date_bounds(value: dt.date | dt.datetime) -> bool:
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) and timezone.is_aware(value) else (
        value.date() if isinstance(value, dt.datetime) else value)
    return DATE_MIN <= day <= DATE_MAX


def validate_date_bounds(value: dt.date | dt.datetime | None) -> None:
    """A Django validator (model and form fields): a date or datetime between DATE_MIN and DATE_MAX."""
    if value is not None and not in_date_bounds(value):
        raise ValidationError(date_bounds_message(), code="date_bounds")


def blank_message() -> str:
    return _("This field cannot be blank.")


def stripped_required(value: str) -> str:
    """Required text without its surrounding whitespace; only whitespace counts as empty."""
    value = value.strip()
    if not value:
        raise ValueError(blank_message())
    return value
