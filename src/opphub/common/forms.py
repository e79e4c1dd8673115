"""Form glue shared by every page: service errors onto forms, safe ``next`` links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import ServiceError, StaleEdit
from .validation import DATE_MAX, DATE_MIN, validate_date_bounds

T = TypeVar("T")
F = TypeVar("F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """A form's field as its own class (``form.fields`` holds plain ``Field``s for the type checker),
    for setting the choices or queryset that depend on the request."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a {kind.__name__}")
    return field


class InputHygiene:
    """Form mixin: every text field strips what was typed (a required one holding only spaces is refused
    as required), every date and date-time field is held within DATE_MIN..DATE_MAX (the browser's picker
    too, through ``min``/``max``). A form that builds its fields after ``__init__`` calls
    ``harden_fields()`` itself. The models apply the same rules (``StrippedText``, the field validators),
    so the API and the pages agree; the form only shows the error early, beside what was typed."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.harden_fields()

    def harden_fields(self) -> None:
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.strip = True
            elif isinstance(field, forms.DateField | forms.DateTimeField):
                if validate_date_bounds not in field.validators:
                    field.validators.append(validate_date_bounds)
                kind = getattr(field.widget, "input_type", None)
                if kind == "date":
                    field.widget.attrs.update(min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
                elif kind == "datetime-local":
                    field.widget.attrs.update(min=f"{DATE_MIN.isoformat()}T00:00", max=f"{DATE_MAX.isoformat()}T23:59")


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on a field the form has, else at the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


@dataclass
class Outcome(Generic[T]):
    ok: bool
    value: T | None = None
    stale: bool = False


def call_service(form: forms.BaseForm, call: Callable[[], T]) -> Outcome[T]:
    """Run a service for a valid form. Refusals land on the form (field errors where they belong, the
    rest at the top) so the page re-renders with everything typed; ``stale`` tells a stale edit apart."""
    try:
        return Outcome(ok=True, value=call())
    except StaleEdit as exc:
        form.add_error(None, str(exc.message))
        return Outcome(ok=False, stale=True)
    except ValidationError as exc:
        add_service_errors(form, exc)
    except ServiceError as exc:
        form.add_error(None, str(exc.message))
    return Outcome(ok=False)


def safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the query or the form when it is a local URL, else ``default``."""
    target: Any = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return str(target)
    return default
