"""Pieces every API router shares: id and text types, references, pagination, partial (PATCH) schemas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, create_model
from pydantic_core import PydanticCustomError

from opphub.common.validation import date_bounds_message, in_date_bounds, stripped_required
from opphub.people.models import User

from .errors import FieldError

MAX_ID = 2**63 - 1
MAX_OFFSET = 10**9
MAX_LIMIT = 200
DEFAULT_LIMIT = 25


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters; refuse them as bad input instead of failing on save.
    if "\x00" in value:
        raise ValueError(_("Null characters are not allowed."))
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    """A datetime without an offset is read in the server's time zone (Asia/Shanghai by default).
    Years outside 1900-2999 are refused: near the ends of the calendar a time-zone shift overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValueError(_("Choose a date between %(first)s and %(last)s.") % {"first": 1900, "last": 2999})
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _in_date_bounds(value: dt.date) -> dt.date:
    if not in_date_bounds(value):
        raise ValueError(date_bounds_message())
    return value


def _required(value: str) -> str:
    try:
        return stripped_required(value)
    except ValueError as exc:  # the same error type as the models' blank check ("blank")
        raise PydanticCustomError("blank", str(exc)) from None


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, AfterValidator(_no_nul)]
# Required text (a name, a follow-up's notes): stripped, and only whitespace is refused as blank (422).
RequiredText = Annotated[str, AfterValidator(_no_nul), AfterValidator(_required)]
# A date a person types (expected close date): within common.validation's DATE_MIN..DATE_MAX.
BoundedDate = Annotated[dt.date, AfterValidator(_in_date_bounds)]
AwareDatetime = Annotated[dt.datetime, AfterValidator(_aware)]
Money = Annotated[Decimal, Field(allow_inf_nan=False)]


class InSchema(BaseModel):
    """A request body: a JSON object with known fields only (a typo or a read-only field is a 422, not
    silently ignored; ninja's own Schema would also accept a list or a number as an empty object)."""

    model_config = ConfigDict(extra="forbid")


class Ref(Schema):
    id: int
    name: str


class Paging(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def actor(request: HttpRequest) -> User:
    """The authenticated user (session or API token), which the auth classes (api/auth.py) set."""
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja's attribute, unknown to django-stubs
    return user


def active_user(field: str, pk: int) -> User:
    """An active user named by id in a request body; otherwise a 422 on ``field``."""

    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise FieldError(field, _("Unknown user."), "unknown")
    return user


def user_ref(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": str(user)}


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def page(qs: QuerySet[Any], paging: Paging, render: Callable[[list[Any]], list[dict[str, Any]]]) -> dict[str, Any]:
    """One COUNT and one LIMITed query (plus whatever ``render`` prefetches for the page)."""
    total = qs.count()
    rows = list(qs[paging.offset:paging.offset + paging.limit])
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": render(rows)}


def partial(schema: type[InSchema], name: str) -> type[InSchema]:
    """The same fields, none required: a PATCH sends only what changes. ``null`` stays refused for a
    field whose type does not allow it (a name cannot be emptied to null)."""
    fields: dict[str, Any] = {}
    for key, f in schema.model_fields.items():
        annotation = Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
        fields[key] = (annotation, Field(None, description=f.description))
    return create_model(name, __base__=InSchema, __doc__=schema.__doc__, **fields)


def changes(payload: BaseModel, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields the client actually sent (PATCH), without the ones handled separately."""
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if k not in exclude}
