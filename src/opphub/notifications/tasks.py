"""Worker tasks for the outbox. Periodic jobs are declared in ``opphub/jobs.py``, not here."""

from __future__ import annotations

from huey.contrib.djhuey import db_task, on_startup

from .sending import deliveries_send_due, delivery_send


@db_task(retries=0)
def deliver(pk: int) -> str | None:
    """Send one queued delivery (queued after commit by notification_enqueue)."""
    return delivery_send(pk=pk)


@db_task(retries=0)
def redrive() -> dict[str, int]:
    """Send everything due: retries whose backoff has passed, rows whose worker died, rows never queued."""
    return deliveries_send_due()


@on_startup()
def _redrive_on_start() -> None:
    """A restarted worker re-drives at once instead of waiting for the next periodic run."""
    from huey.contrib.djhuey import HUEY

    if not HUEY.immediate:
        redrive()
