""""The inputs of this opportunity's stage gate or health score changed" (spec H4, M2).

The services that write those inputs (gates: documents, confirmations, scores, the stage record, approvals;
follow-ups; supporters) sit *below* the workflow that decides on them (``opphub.workflow``: H4 at the end of
every stage). So that they need not import it (an import cycle), they call :func:`inputs_changed` at the
end of their write, inside their transaction; the workflow registers its one handler when Django starts
(``WorkflowConfig.ready``). This is an explicit call in the service, not a model signal: the write and the
decision commit or roll back together, and a service that does not call it changes nothing here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class InputsHandler(Protocol):
    def __call__(self, *, actor: Any, opportunity: Any, now: datetime) -> object: ...


_handlers: list[InputsHandler] = []


def on_inputs_changed(handler: InputsHandler) -> None:
    """Register ``handler`` (once; registering the same function again is a no-op)."""
    if handler not in _handlers:
        _handlers.append(handler)


def inputs_changed(*, actor: Any, opportunity: Any, now: datetime) -> None:
    """Tell the registered handlers, in this transaction, that ``opportunity``'s inputs changed."""
    for handler in list(_handlers):
        handler(actor=actor, opportunity=opportunity, now=now)
