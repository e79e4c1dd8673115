"""Errors raised by services; views and the API turn them into messages and 4xx answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A business rule said no. ``message`` is translated and shown to the user as it is."""

    status = 400
    code = "invalid"

    def __init__(self, message: object, *, code: str | None = None, details: list[str] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class StaleEdit(ServiceError):
    status = 409
    code = "stale"

    def __init__(self) -> None:
        super().__init__(_("Someone else saved this record after you opened it. Reload to see their "
                           "changes, then apply yours again."))


class MoveRefused(ServiceError):
    """A gate or the order of stages said no. ``unmet`` keeps the core's codes (``methodology.stages.Unmet``)
    so that callers can link each item to the place that fixes it (``gates.unmet.unmet_link``)."""

    status = 409
    code = "move_refused"

    def __init__(self, message: object, *, details: list[str] | None = None, unmet: Sequence[Any] = ()) -> None:
        super().__init__(message, details=details)
        self.unmet = list(unmet)


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """The request collides with what already happened (a double-submitted decision, a pending request)."""

    status = 409
    code = "conflict"
