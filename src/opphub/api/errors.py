"""Every error the API answers, as JSON, translated per Accept-Language; bad input is never a 5xx.

- 400 ``{"detail": reason}``: a body that is not JSON;
- 401 ``{"detail": reason}``: no session and no (valid) API token;
- 403 ``{"detail": message, "code": "forbidden", "errors": []}``: the role may not do this;
- 404 ``{"detail": message}``: unknown or invisible record (the two look the same on purpose);
- 409 ``{"detail": message, "code": "move_refused" | "stale" | "conflict", "errors": [...]}``;
- 422 ``{"detail": [{"loc": ["body", field], "msg": message, "type": code}, ...]}`` for both the
  request's shape (pydantic) and the services' field rules (django ValidationError);
- 429 ``{"detail": message}`` with ``Retry-After`` (seconds): too many calls for the token, or too many
  wrong tokens from the client (``api/throttling.py``).
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from opphub.common.errors import ServiceError

from .throttling import retry_after

# Model / service field names → the names the API's request bodies use.
FIELD_ALIASES = {"owner": "owner_id", "customer": "customer_id", "contacts": "contact_ids"}
BODY_PARAM = "payload"  # every router names its body parameter so; the name is left out of ``loc``


class FieldError(Exception):
    """Raised by routers for a body field that refers to something unknown (a region code, a user id)."""

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


def _pydantic_message(error: dict[str, Any]) -> str:
    """Django's own wording where it has one (already translated in Django's catalogs)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": limit}
    messages = {
        "missing": _("This field is required."),
        "string_type": _("Enter a text value."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "finite_number": _("Enter a number."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "date_parsing": _("Enter a valid date."),
        "date_from_datetime_parsing": _("Enter a valid date."),
        "date_from_datetime_inexact": _("Enter a valid date."),
        "date_type": _("Enter a valid date."),
        "datetime_parsing": _("Enter a valid date/time."),
        "datetime_from_date_parsing": _("Enter a valid date/time."),
        "datetime_type": _("Enter a valid date/time."),
        "list_type": _("Enter a list of values."),
        "model_attributes_type": _("The request body must be a JSON object."),
        "dict_type": _("The request body must be a JSON object."),
        "model_type": _("The request body must be a JSON object."),
        "extra_forbidden": _("This field is not known."),
    }
    if kind in {"enum", "literal_error"}:
        return _("Select a valid choice: %(expected)s.") % {"expected": ctx.get("expected", "")}
    return str(messages.get(kind, error.get("msg", "")))


def _loc(loc: list[Any] | tuple[Any, ...]) -> list[Any]:
    parts = list(loc)
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == BODY_PARAM:
        del parts[1]
    return parts


def pydantic_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    out = []
    for error in exc.errors:
        item = {**error, "loc": _loc(error.get("loc", ())), "msg": _pydantic_message(error)}
        if "ctx" in item:
            item["ctx"] = {k: str(v) for k, v in item["ctx"].items()}
        out.append(item)
    return out


def django_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """The same shape as pydantic's: ``loc`` ``["body", field]`` (``["body"]`` for the whole record)."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    out = []
    for field, items in errors.items():
        loc = ["body"] if field == NON_FIELD_ERRORS else ["body", FIELD_ALIASES.get(field, field)]
        for item in items:
            for message in item:
                out.append({"loc": loc, "msg": str(message), "type": item.code or "invalid"})
    return out


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (they replace ninja's defaults for these exceptions)."""

    def respond(request: HttpRequest, data: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, data, status=status)

    def on_pydantic(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": pydantic_errors(exc)}, 422)

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": django_errors(exc)}, 422)

    def on_field_error(request: HttpRequest, exc: Any) -> HttpResponse:
        loc = ["body", exc.field]
        return respond(request, {"detail": [{"loc": loc, "msg": exc.message, "type": exc.code}]}, 422)

    def on_service_error(request: HttpRequest, exc: Any) -> HttpResponse:
        data = {"detail": str(exc.message), "code": exc.code, "errors": [str(d) for d in exc.details]}
        return respond(request, data, exc.status)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": _("Not found: it does not exist or you may not see it.")}, 404)

    def on_integrity(request: HttpRequest, exc: Any) -> HttpResponse:
        # a concurrent write won a uniqueness race the service had checked a moment before
        data = {"detail": _("Someone else saved a conflicting record at the same moment. Try again."),
                "code": "conflict", "errors": []}
        return respond(request, data, 409)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc)
        if isinstance(exc, AuthenticationError) and message == "Unauthorized":
            message = _("Authentication required: log in, or send an API token as “Authorization: Bearer …”.")
        elif exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = _("The request body is not valid JSON.")
        response = respond(request, {"detail": message}, exc.status_code)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="opphub"'
        return response

    def on_throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        wait = exc.wait if exc.wait is not None else retry_after(request)
        seconds = max(1, math.ceil(wait)) if wait is not None else 1
        response = respond(request, {"detail": _("Too many requests: try again in %(seconds)s seconds.")
                                     % {"seconds": seconds}}, 429)
        response["Retry-After"] = str(seconds)
        return response

    api.add_exception_handler(NinjaValidationError, on_pydantic)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(FieldError, on_field_error)
    api.add_exception_handler(ServiceError, on_service_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(IntegrityError, on_integrity)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Throttled, on_throttled)
